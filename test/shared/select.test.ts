import { describe, expect, it } from "vitest";
import { kthLargest } from "#shared/select";

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

describe("kthLargest", () => {
  it("answers what a full sort answers, with ties, runs and every k", () => {
    const random = rng(1);
    const inputs = [
      Float64Array.from({ length: 500 }, () => random()),
      Float64Array.from({ length: 500 }, () => Math.floor(random() * 5)), // many ties
      Float64Array.from({ length: 300 }, (_, i) => i), // ascending
      Float64Array.from({ length: 300 }, (_, i) => -i), // descending
      Float32Array.from({ length: 257 }, () => random() - 0.5),
      Float64Array.of(7),
    ];
    for (const values of inputs) {
      const sorted = [...values].sort((a, b) => b - a);
      for (const k of [1, 2, Math.ceil(values.length / 3), values.length - 1, values.length].filter(
        (k) => k >= 1 && k <= values.length,
      ))
        expect(kthLargest(values.slice(), k)).toBe(sorted[k - 1]);
    }
  });

  it("refuses a k outside the numbers", () => {
    expect(() => kthLargest(Float64Array.of(1, 2), 0)).toThrow(RangeError);
    expect(() => kthLargest(Float64Array.of(1, 2), 3)).toThrow(RangeError);
    expect(() => kthLargest(new Float64Array(0), 1)).toThrow(RangeError);
  });
});
