import { describe, expect, it } from "vitest";
import { RecentlyUsed } from "#shared/recent";

describe("a map of what was used recently", () => {
  it("lets go of the least recently kept once the weights pass the bound, keeping one kept again", () => {
    const kept = new RecentlyUsed<string, string>(10, (v) => v.length);
    kept.keep("a", "aaaa");
    kept.keep("b", "bbbb");
    kept.keep("a", "aaaa"); // a is now the most recent
    kept.keep("c", "cc"); // 10: within the bound
    expect([...kept.entries()].map(([k]) => k)).toEqual(["b", "a", "c"]);
    kept.keep("d", "d"); // 11: b goes
    expect([...kept.entries()].map(([k]) => k)).toEqual(["a", "c", "d"]);
    expect(kept.has("b")).toBe(false);
    // a value kept again under its key replaces the old one's weight, not adds to it
    kept.keep("c", "cccc"); // 4 + 4 + 1 = 9
    expect([...kept.entries()].map(([k, v]) => `${k}${v}`)).toEqual(["aaaaa", "dd", "ccccc"]);
    kept.keep("e", "e"); // 10
    expect(kept.has("a")).toBe(true);
  });

  it("holds nothing heavier than its bound, and nothing once cleared", () => {
    const kept = new RecentlyUsed<number, number[]>(3, (v) => v.length);
    kept.keep(1, [1, 2, 3, 4]);
    expect(kept.has(1)).toBe(false);
    kept.keep(2, [1]);
    kept.clear();
    expect([...kept.entries()]).toEqual([]);
    kept.keep(3, [1, 2, 3]);
    expect(kept.get(3)).toEqual([1, 2, 3]);
  });
});
