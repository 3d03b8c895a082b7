import { describe, expect, it } from "vitest";
import {
  addDays,
  dayPeriod,
  formatPeriod,
  isoWeekOf,
  parseDay,
  parseMonth,
  parsePeriod,
  parseWeek,
  periodKey,
  periodOfDay,
  periodsOfDay,
  shiftPeriod,
  weeksInIsoYear,
} from "#shared/domain/periods";

describe("periods", () => {
  it("accepts only real days", () => {
    expect(parseDay("2026-06-12")).toBe("2026-06-12");
    expect(parseDay("2024-02-29")).toBe("2024-02-29");
    for (const bad of ["2026-02-30", "2025-02-29", "2026-13-01", "2026-6-12", "20260612", "", "2026-06-12x"])
      expect(parseDay(bad), bad).toBeNull();
  });

  it("names ISO weeks by the year of their Thursday, across year boundaries", () => {
    expect(isoWeekOf("2026-06-12")).toBe("2026-W24");
    expect(isoWeekOf("2025-12-29")).toBe("2026-W01");
    expect(isoWeekOf("2027-01-01")).toBe("2026-W53");
    expect(isoWeekOf("2021-01-03")).toBe("2020-W53");
    expect(isoWeekOf("2021-01-04")).toBe("2021-W01");
    expect(weeksInIsoYear(2020)).toBe(53);
    expect(weeksInIsoYear(2025)).toBe(52);
  });

  it("parses weeks and months into their first and last days, refusing ones that do not exist", () => {
    expect(parseWeek("2026-W01")).toMatchObject({ from: "2025-12-29", to: "2026-01-04" });
    expect(parseWeek("2020-W53")).toMatchObject({ from: "2020-12-28", to: "2021-01-03" });
    expect(parseWeek("2025-W53")).toBeNull();
    expect(parseWeek("2026-W00")).toBeNull();
    expect(parseMonth("2024-02")).toMatchObject({ from: "2024-02-01", to: "2024-02-29" });
    expect(parseMonth("2026-00")).toBeNull();
    expect(parseMonth("2026-13")).toBeNull();
  });

  it("steps to the previous and next period across years", () => {
    expect(shiftPeriod(parseWeek("2026-W01")!, -1)?.key).toBe("2025-W52");
    expect(shiftPeriod(parseWeek("2020-W53")!, 1)?.key).toBe("2021-W01");
    expect(shiftPeriod(parseMonth("2026-01")!, -1)?.key).toBe("2025-12");
    expect(shiftPeriod(parseMonth("2026-12")!, 1)?.key).toBe("2027-01");
    expect(shiftPeriod(dayPeriod("2026-03-01"), -1)?.key).toBe("2026-02-28");
  });

  it("reads the years 0 to 99 as themselves, not as 1900 to 1999", () => {
    expect(parseWeek("0000-W01")).toMatchObject({ from: "0000-01-03", to: "0000-01-09" });
    expect(parseWeek("0099-W01")).toMatchObject({ from: "0098-12-29", to: "0099-01-04" });
    expect(parseMonth("0000-02")).toMatchObject({ from: "0000-02-01", to: "0000-02-29" });
    expect(parseMonth("0100-02")).toMatchObject({ to: "0100-02-28" });
    expect(parseDay("0000-02-29")).toBe("0000-02-29");
    expect(parseDay("0100-02-29")).toBeNull();
    expect(weeksInIsoYear(4)).toBe(53);
    expect(isoWeekOf("0004-12-31")).toBe("0004-W53");
    expect(isoWeekOf("0000-01-01")).toBe("-0001-W52");
  });

  it("clips the last week to 9999-12-31 and steps nowhere past the first and last periods", () => {
    expect(parseWeek("9999-W52")).toMatchObject({ from: "9999-12-27", to: "9999-12-31" });
    expect(parseWeek("9999-W53")).toBeNull();
    expect(shiftPeriod(parseWeek("9999-W52")!, 1)).toBeNull();
    expect(shiftPeriod(parseWeek("9999-W52")!, -1)?.key).toBe("9999-W51");
    expect(shiftPeriod(parseWeek("0000-W01")!, -1)).toBeNull();
    expect(shiftPeriod(parseMonth("9999-12")!, 1)).toBeNull();
    expect(shiftPeriod(parseMonth("0000-01")!, -1)).toBeNull();
    expect(shiftPeriod(parseMonth("0000-01")!, 1)?.key).toBe("0000-02");
    expect(shiftPeriod(dayPeriod("9999-12-31"), 1)).toBeNull();
    expect(shiftPeriod(dayPeriod("0000-01-01"), -1)).toBeNull();
    expect(addDays("9999-12-30", 1)).toBe("9999-12-31");
    expect(addDays("9999-12-31", 1)).toBeNull();
  });

  it("formats headings", () => {
    expect(formatPeriod(dayPeriod("2026-06-12"))).toBe("Jun 12, 2026");
    expect(formatPeriod(parseWeek("2026-W24")!)).toBe("Week 24 of 2026 (Jun 8 – Jun 14)");
    expect(formatPeriod(parseMonth("2026-06")!)).toBe("June 2026");
    expect(formatPeriod(parseMonth("0000-01")!)).toBe("January 0000");
    expect(formatPeriod(parseWeek("9999-W52")!)).toBe("Week 52 of 9999 (Dec 27 – Dec 31)");
  });
});

describe("period keys", () => {
  it("names each period by kind and name, and parses only real ones back", () => {
    const periods = [
      dayPeriod("2026-06-12"),
      parseWeek("2026-W24")!,
      parseMonth("2026-06")!,
      parseWeek("9999-W52")!,
      dayPeriod("0000-01-01"),
    ];
    expect(periods.map(periodKey)).toEqual([
      "day:2026-06-12",
      "week:2026-W24",
      "month:2026-06",
      "week:9999-W52",
      "day:0000-01-01",
    ]);
    for (const p of periods) expect(parsePeriod(periodKey(p))).toEqual(p);
    const bad = [
      "day:2026-02-30",
      "week:2025-W53",
      "week:-0001-W52",
      "month:2026-13",
      "daily:2026-06-12",
      "weekly:2026-W24",
      "2026-06-12",
      ":2026-06-12",
      "day:",
      "year:2026",
      "constructor:2026-06",
      "day:2026-06-12 ",
    ];
    for (const key of bad) expect(parsePeriod(key), key).toBeNull();
  });

  it("finds the day, week and month that hold a day, with no week for the two days of -0001-W52", () => {
    expect(periodsOfDay("2026-06-12").map(periodKey)).toEqual(["day:2026-06-12", "week:2026-W24", "month:2026-06"]);
    expect(periodsOfDay("2027-01-01").map(periodKey)).toEqual(["day:2027-01-01", "week:2026-W53", "month:2027-01"]);
    expect(periodsOfDay("0000-01-02").map(periodKey)).toEqual(["day:0000-01-02", "month:0000-01"]);
    expect(periodOfDay("week", "9999-12-31")).toEqual(parseWeek("9999-W52"));
  });
});
