import { describe, expect, it } from "vitest";
import { isoWeekOf, parsePeriod, todayUtc } from "#shared/domain/periods";
import { duePeriods } from "#shared/mail/digest-schedule";
import { digestKeyOf, parseDigestKey } from "#shared/mail/ledger";

const at = (iso: string) => new Date(iso);
const periods = (iso: string) => duePeriods(at(iso)).map((p) => p.period);
const isoWeek = (time: Date) => isoWeekOf(todayUtc(time));
const periodDays = (key: string) => {
  const { from, to } = parseDigestKey(key)!.period;
  return { from, to };
};

describe("when digests fall due", () => {
  it("names ISO weeks and the days they cover, across a year boundary", () => {
    expect(isoWeek(at("2026-06-12T10:00:00Z"))).toBe("2026-W24");
    expect(isoWeek(at("2021-01-03T00:00:00Z"))).toBe("2020-W53");
    expect(periodDays("weekly:2026-W24")).toEqual({ from: "2026-06-08", to: "2026-06-14" });
    expect(periodDays("weekly:2020-W53")).toEqual({ from: "2020-12-28", to: "2021-01-03" });
    expect(periodDays("daily:2026-06-12")).toEqual({ from: "2026-06-12", to: "2026-06-12" });
  });

  it("makes yesterday's daily digest due from 06:00 UTC, not before, and keeps each due for 48 hours", () => {
    expect(periods("2026-06-13T05:59:00Z")).toEqual(["daily:2026-06-10", "daily:2026-06-11"]);
    expect(periods("2026-06-13T06:00:00Z")).toEqual(["daily:2026-06-11", "daily:2026-06-12"]);
  });

  it("makes last week's weekly digest due on Monday from 06:00 UTC and catches up for 48 hours", () => {
    // 2026-06-15 is a Monday; the week before is 2026-W24.
    expect(periods("2026-06-15T06:15:00Z")).toContain("weekly:2026-W24");
    expect(periods("2026-06-15T05:15:00Z")).not.toContain("weekly:2026-W24");
    expect(periods("2026-06-17T05:15:00Z")).toContain("weekly:2026-W24");
    expect(periods("2026-06-17T06:15:00Z")).not.toContain("weekly:2026-W24");
    expect(periods("2026-06-14T06:15:00Z").filter((p) => p.startsWith("weekly"))).toEqual([]);
  });
});

describe("the digest ledger's keys", () => {
  it("derives the digest ledger's keys (stored as daily:/weekly:) from days and ISO weeks", () => {
    expect(digestKeyOf("daily", "2026-06-12")).toBe("daily:2026-06-12");
    expect(digestKeyOf("weekly", "2026-06-12")).toBe("weekly:2026-W24");
    expect(digestKeyOf("weekly", "2021-01-03")).toBe("weekly:2020-W53");
    expect(digestKeyOf("weekly", "0000-01-01")).toBeNull();
    expect(parseDigestKey("daily:2026-06-12")).toEqual({ frequency: "daily", period: parsePeriod("day:2026-06-12") });
    expect(parseDigestKey("weekly:2026-W24")).toEqual({ frequency: "weekly", period: parsePeriod("week:2026-W24") });
    for (const key of [
      "weekly:2021-W53",
      "daily:2026-02-30",
      "daily:2026-W24",
      "weekly:2026-06-12",
      "monthly:2026-06",
      "day:2026-06-12",
      "constructor:2026-06-12",
      "daily",
    ]) {
      expect(parseDigestKey(key), key).toBeNull();
    }
  });
});
