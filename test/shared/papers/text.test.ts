import { describe, expect, it } from "vitest";
import { excerpt, shortAuthors } from "#shared/papers/text";

describe("shortening papers for cards and digests", () => {
  it("lists up to five authors, then says how many others", () => {
    expect(shortAuthors(["A", "B", "C"])).toBe("A, B, C");
    expect(shortAuthors(["A", "B", "C", "D", "E"])).toBe("A, B, C, D, E");
    expect(shortAuthors(["A", "B", "C", "D", "E", "F", "G"])).toBe("A, B, C, D and 3 others");
    expect(shortAuthors(["A", "B", "C", "D", "E"], 4)).toBe("A, B, C and 2 others");
  });

  it("cuts an abstract at a word boundary with an ellipsis, collapsing whitespace", () => {
    expect(excerpt("short\n  text")).toBe("short text");
    const long = Array.from({ length: 100 }, (_, i) => `word${i}`).join(" ");
    const cut = excerpt(long, 50);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(51);
    expect(long.startsWith(cut.slice(0, -1))).toBe(true);
    expect(cut.slice(0, -1)).toMatch(/word\d+$/);
  });
});
