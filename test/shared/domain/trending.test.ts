import { describe, expect, it } from "vitest";
import { trendingScore } from "#shared/domain/trending";

describe("trending score", () => {
  const now = new Date("2026-06-12T12:00:00Z");
  it("decays upvotes by the days since featured", () => {
    expect(trendingScore(10, "2026-06-12", now)).toBeCloseTo(11 / 2.5 ** 1.5);
    expect(trendingScore(10, "2026-06-12", now)).toBeGreaterThan(trendingScore(10, "2026-06-05", now));
    // a paper featured a week earlier needs seven to ten times the votes to rank beside a fresh one
    const ratio = trendingScore(10, "2026-06-12", now) / trendingScore(10, "2026-06-05", now);
    expect(ratio).toBeGreaterThan(7);
    expect(ratio).toBeLessThan(10);
  });
  it("never counts a future featured day as negative age", () => {
    expect(trendingScore(0, "2026-06-20", now)).toBeCloseTo(1 / 2 ** 1.5);
  });
});
