import { describe, expect, it } from "vitest";
import { isArxivAnnouncementHour } from "../../../shared/domain/schedule";

describe("the arXiv announcement schedule (20:00 US Eastern, Sunday to Thursday)", () => {
  it.each([
    ["2026-07-07T00:30:00Z", true], // Monday 20:30 EDT
    ["2026-07-07T01:30:00Z", false], // Monday 21:30 EDT
    ["2026-12-08T00:30:00Z", false], // Monday 19:30 EST
    ["2026-12-08T01:30:00Z", true], // Monday 20:30 EST
    ["2026-07-06T00:30:00Z", true], // Sunday 20:30 EDT
    ["2026-07-11T00:30:00Z", false], // Friday 20:30 EDT: no announcement
    ["2026-07-12T00:30:00Z", false], // Saturday
  ])("at %s is %s", (at, expected) => {
    expect(isArxivAnnouncementHour(new Date(at))).toBe(expected);
  });
});
