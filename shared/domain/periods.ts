/**
 * Days, ISO weeks and months as the site names them in URLs: `YYYY-MM-DD`, `YYYY-Www`, `YYYY-MM`.
 * All UTC. Parsers return null for anything that is not a real period (2026-02-30, 2026-W54).
 */

const DAY_MS = 86_400_000;

export type PeriodKind = "day" | "week" | "month";

export interface Period {
  kind: PeriodKind;
  /** The period's own name: 2026-06-12, 2026-W24 or 2026-06. */
  key: string;
  /** First and last day, inclusive. */
  from: string;
  to: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const dayOfMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOfDay = (day: string) => Date.parse(`${day}T00:00:00Z`);

export function parseDay(s: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const ms = msOfDay(s);
  return Number.isNaN(ms) || dayOfMs(ms) !== s ? null : s;
}

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return dayOfMs(msOfDay(day) + n * DAY_MS);
}

/** Monday of ISO week 1: the week that holds January 4th. */
function isoYearStart(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const dow = new Date(jan4).getUTCDay() || 7;
  return jan4 - (dow - 1) * DAY_MS;
}

export function weeksInIsoYear(year: number): 52 | 53 {
  // A year has 53 weeks when December 28th falls in week 53.
  return (isoYearStart(year + 1) - isoYearStart(year)) / (7 * DAY_MS) === 53 ? 53 : 52;
}

/** The ISO week of a day: the Thursday of its week names the year (2027-01-01 is 2026-W53). */
export function isoWeekOf(day: string): string {
  const ms = msOfDay(day);
  const dow = new Date(ms).getUTCDay() || 7;
  const thursday = ms + (4 - dow) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - isoYearStart(year)) / (7 * DAY_MS)) + 1;
  return `${year}-W${pad(week)}`;
}

export function monthOf(day: string): string {
  return day.slice(0, 7);
}

export function parseWeek(s: string): Period | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (week < 1 || week > weeksInIsoYear(year)) return null;
  const monday = isoYearStart(year) + (week - 1) * 7 * DAY_MS;
  return { kind: "week", key: s, from: dayOfMs(monday), to: dayOfMs(monday + 6 * DAY_MS) };
}

export function parseMonth(s: string): Period | null {
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return { kind: "month", key: s, from: `${s}-01`, to: dayOfMs(Date.UTC(year, month, 0)) };
}

export function dayPeriod(day: string): Period {
  return { kind: "day", key: day, from: day, to: day };
}

/** The period `delta` steps before (negative) or after (positive) this one. */
export function shiftPeriod(p: Period, delta: number): Period {
  if (p.kind === "day") return dayPeriod(addDays(p.key, delta));
  if (p.kind === "week") {
    const week = isoWeekOf(addDays(p.from, 7 * delta));
    return parseWeek(week)!;
  }
  const [y, m] = p.key.split("-").map(Number) as [number, number];
  const first = new Date(Date.UTC(y, m - 1 + delta, 1));
  return parseMonth(`${first.getUTCFullYear()}-${pad(first.getUTCMonth() + 1)}`)!;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_LONG = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "Jun 12, 2026" */
export function formatDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return `${MONTHS[m - 1]} ${d}, ${y}`;
}

/** A heading for any period: "Jun 12, 2026", "Week 24 of 2026 (Jun 8 – Jun 14)", "June 2026". */
export function formatPeriod(p: Period): string {
  if (p.kind === "day") return formatDay(p.key);
  if (p.kind === "month") {
    const [y, m] = p.key.split("-").map(Number) as [number, number];
    return `${MONTHS_LONG[m - 1]} ${y}`;
  }
  const short = (day: string) => formatDay(day).replace(/, \d{4}$/, "");
  return `Week ${Number(p.key.slice(6))} of ${p.key.slice(0, 4)} (${short(p.from)} – ${short(p.to)})`;
}
