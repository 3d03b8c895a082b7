import type { Frequency } from "./messages";

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The UTC hour at which daily digests (and on Mondays the weekly ones) are enqueued. */
export const DIGEST_HOUR_UTC = 6;

/** ISO week "YYYY-Www" of a UTC day. */
export function isoWeek(day: Date): string {
  const d = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  const dow = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dow); // the Thursday of this week names its year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** First and last UTC day (inclusive, YYYY-MM-DD) a period key covers. */
export function periodDays(period: string): { from: string; to: string } {
  const [kind, value = ""] = period.split(":");
  if (kind === "daily") return { from: value, to: value };
  const [year, week] = value.split("-W").map(Number) as [number, number];
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday = jan4.getTime() - ((jan4.getUTCDay() || 7) - 1) * DAY_MS + (week - 1) * 7 * DAY_MS;
  return { from: isoDay(new Date(monday)), to: isoDay(new Date(monday + 6 * DAY_MS)) };
}

/**
 * The periods due at `at`: at DIGEST_HOUR_UTC, yesterday's daily digest; on Mondays also the
 * weekly digest of the week that just ended. Outside that hour nothing is due.
 */
export function duePeriods(at: Date): { frequency: Frequency; period: string }[] {
  if (at.getUTCHours() !== DIGEST_HOUR_UTC) return [];
  const yesterday = new Date(at.getTime() - DAY_MS);
  const due: { frequency: Frequency; period: string }[] = [{ frequency: "daily", period: `daily:${isoDay(yesterday)}` }];
  if (at.getUTCDay() === 1) due.push({ frequency: "weekly", period: `weekly:${isoWeek(yesterday)}` });
  return due;
}

export function describePeriod(period: string): string {
  const { from, to } = periodDays(period);
  return from === to ? from : `the week of ${from} to ${to}`;
}
