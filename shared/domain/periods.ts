/**
 * Days, ISO weeks and months: the one Period type of the site, the API, the cache, the digest
 * schedule and the mailer. A period's name is its URL segment (`2026-06-12`, `2026-W24`, `2026-06`);
 * its key adds the kind (`day:2026-06-12`, `week:2026-W24`, `month:2026-06`) and is also its
 * Cache-Tag. The digest ledger names days and weeks its own way (`daily:`, `weekly:`): see shared/mail/ledger.ts.
 * All UTC. Parsers return null for anything that is not a real period (2026-02-30, 2026-W54).
 */
export const DAY_MS = 86_400_000;

/** The days a URL can name: four-digit years. Periods are clipped to them, links never leave them. */
export const FIRST_DAY = "0000-01-01";
export const LAST_DAY = "9999-12-31";

export type PeriodKind = "day" | "week" | "month";

export interface Period {
  kind: PeriodKind;
  /** The period's own name, as URLs write it: 2026-06-12, 2026-W24 or 2026-06. */
  key: string;
  /** First and last day, inclusive (of a week running past LAST_DAY, the last one there is). */
  from: string;
  to: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** UTC midnight of a calendar date. Not Date.UTC: it reads the years 0 to 99 as 1900 to 1999. */
function utcMs(year: number, monthIndex: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  return d.getTime();
}

const msOfDay = (day: string) => utcMs(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
const FIRST_MS = msOfDay(FIRST_DAY);
const LAST_MS = msOfDay(LAST_DAY);

/** YYYY-MM-DD of a UTC time from FIRST_DAY to LAST_DAY (toISOString writes other years as ±YYYYYY). */
function dayOfMs(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

const inRange = (ms: number) => ms >= FIRST_MS && ms <= LAST_MS;

export function parseDay(s: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  return dayOfMs(msOfDay(s)) === s ? s : null;
}

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The day `n` days after this one, or null past FIRST_DAY or LAST_DAY. */
export function addDays(day: string, n: number): string | null {
  const ms = msOfDay(day) + n * DAY_MS;
  return inRange(ms) ? dayOfMs(ms) : null;
}

/** Monday of ISO week 1: the week that holds January 4th. */
function isoYearStart(year: number): number {
  const jan4 = utcMs(year, 0, 4);
  const dow = new Date(jan4).getUTCDay() || 7;
  return jan4 - (dow - 1) * DAY_MS;
}

export function weeksInIsoYear(year: number): 52 | 53 {
  // A year has 53 weeks when December 28th falls in week 53.
  return (isoYearStart(year + 1) - isoYearStart(year)) / (7 * DAY_MS) === 53 ? 53 : 52;
}

/**
 * The ISO week of a day: the Thursday of its week names the year (2027-01-01 is 2026-W53).
 * 0000-01-01 and 0000-01-02 fall in -0001-W52, a name no URL takes (parseWeek refuses it).
 */
export function isoWeekOf(day: string): string {
  const ms = msOfDay(day);
  const dow = new Date(ms).getUTCDay() || 7;
  const thursday = ms + (4 - dow) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - isoYearStart(year)) / (7 * DAY_MS)) + 1;
  return `${year < 0 ? `-${pad(-year, 4)}` : pad(year, 4)}-W${pad(week)}`;
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
  // 9999-W52 runs into the year 10000, which no day of the catalog can be in.
  return {
    kind: "week",
    key: s,
    from: dayOfMs(Math.max(monday, FIRST_MS)),
    to: dayOfMs(Math.min(monday + 6 * DAY_MS, LAST_MS)),
  };
}

export function parseMonth(s: string): Period | null {
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return { kind: "month", key: s, from: `${s}-01`, to: dayOfMs(utcMs(year, month, 0)) };
}

export function dayPeriod(day: string): Period {
  return { kind: "day", key: day, from: day, to: day };
}

const PARSERS: Record<PeriodKind, (name: string) => Period | null> = {
  day: (name) => (parseDay(name) ? dayPeriod(name) : null),
  week: parseWeek,
  month: parseMonth,
};

const isKind = (kind: string): kind is PeriodKind => Object.hasOwn(PARSERS, kind);

/** "week:2026-W24": the kind and the name, as cache tags and parsePeriod write periods. */
export function periodKey(p: Period): string {
  return `${p.kind}:${p.key}`;
}

/** "kind:name", split at its first colon. */
function splitKey(key: string): [string, string] {
  const colon = key.indexOf(":");
  return colon < 0 ? ["", key] : [key.slice(0, colon), key.slice(colon + 1)];
}

/** The period of a key written by periodKey, or null. */
export function parsePeriod(key: string): Period | null {
  const [kind, name] = splitKey(key);
  return isKind(kind) ? PARSERS[kind](name) : null;
}

/** The day, week or month that holds a day; null for the week of 0000-01-01 and 0000-01-02 (-0001-W52). */
export function periodOfDay(kind: PeriodKind, day: string): Period | null {
  return PARSERS[kind](kind === "day" ? day : kind === "week" ? isoWeekOf(day) : monthOf(day));
}

/** The day itself, its ISO week and its month: every period whose pages list the day. */
export function periodsOfDay(day: string): Period[] {
  return (["day", "week", "month"] as const).flatMap((kind) => periodOfDay(kind, day) ?? []);
}

/** The period `delta` steps before (negative) or after (positive) this one; null past the first or last one. */
export function shiftPeriod(p: Period, delta: number): Period | null {
  if (p.kind === "day") {
    const day = addDays(p.key, delta);
    return day ? dayPeriod(day) : null;
  }
  if (p.kind === "week") {
    const week = /^(\d{4})-W(\d{2})$/.exec(p.key)!;
    const monday = isoYearStart(Number(week[1])) + (Number(week[2]) - 1 + delta) * 7 * DAY_MS;
    return inRange(monday) ? parseWeek(isoWeekOf(dayOfMs(monday))) : null;
  }
  const months = Number(p.key.slice(0, 4)) * 12 + Number(p.key.slice(5, 7)) - 1 + delta;
  if (months < 0 || months > 9999 * 12 + 11) return null;
  return parseMonth(`${pad(Math.floor(months / 12), 4)}-${pad((months % 12) + 1)}`);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_LONG = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "Jun 12, 2026" */
export function formatDay(day: string): string {
  const [y, m, d] = day.split("-") as [string, string, string];
  return `${MONTHS[Number(m) - 1]} ${Number(d)}, ${y}`;
}

/** A heading for any period: "Jun 12, 2026", "Week 24 of 2026 (Jun 8 – Jun 14)", "June 2026". */
export function formatPeriod(p: Period): string {
  if (p.kind === "day") return formatDay(p.key);
  if (p.kind === "month") {
    const [y, m] = p.key.split("-") as [string, string];
    return `${MONTHS_LONG[Number(m) - 1]} ${y}`;
  }
  const short = (day: string) => formatDay(day).replace(/, \d+$/, "");
  return `Week ${Number(p.key.slice(6))} of ${p.key.slice(0, 4)} (${short(p.from)} – ${short(p.to)})`;
}
