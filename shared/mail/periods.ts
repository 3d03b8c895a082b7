import { isoWeekOf, parseWeek, todayUtc as isoDay } from "../domain/periods";
import type { Frequency } from "./messages";

const DAY_MS = 86_400_000;

/** The UTC hour at which daily digests (and on Mondays the weekly ones) are enqueued. */
export const DIGEST_HOUR_UTC = 6;

/** ISO week "YYYY-Www" of the UTC day of `at`. */
export const isoWeek = (at: Date) => isoWeekOf(isoDay(at));

/** First and last UTC day (inclusive, YYYY-MM-DD) a period key covers. */
export function periodDays(period: string): { from: string; to: string } {
  const [kind, value = ""] = period.split(":");
  if (kind === "daily") return { from: value, to: value };
  const week = parseWeek(value);
  if (!week) throw new RangeError(`not an ISO week: ${value}`);
  return { from: week.from, to: week.to };
}

export interface DuePeriod {
  frequency: Frequency;
  period: string;
  /** When the period's digests fell due; subscribers confirmed after it wait for the next one. */
  dueAt: Date;
}

/** A run that missed a period (a failed cron) still sends it when it runs within this window. */
export const CATCH_UP_HOURS = 48;

/**
 * Periods whose digests are due at `at`: a day's daily digest falls due at DIGEST_HOUR_UTC the
 * next day, a week's weekly digest at DIGEST_HOUR_UTC on the Monday after it. Every period that
 * fell due in the last CATCH_UP_HOURS is returned; the ledger keeps each from going out twice.
 */
export function duePeriods(at: Date, catchUpHours = CATCH_UP_HOURS): DuePeriod[] {
  const today = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const window = (dueAt: number) => dueAt <= at.getTime() && at.getTime() - dueAt < catchUpHours * 3_600_000;
  const due: DuePeriod[] = [];
  for (let k = Math.ceil(catchUpHours / 24) + 1; k >= 1; k--) {
    const day = today - k * DAY_MS;
    const dueAt = day + DAY_MS + DIGEST_HOUR_UTC * 3_600_000;
    if (window(dueAt)) due.push({ frequency: "daily", period: `daily:${isoDay(new Date(day))}`, dueAt: new Date(dueAt) });
  }
  const lastMonday = today - (((new Date(today).getUTCDay() || 7) - 1) * DAY_MS);
  for (const monday of [lastMonday - 7 * DAY_MS, lastMonday]) {
    const dueAt = monday + DIGEST_HOUR_UTC * 3_600_000;
    if (window(dueAt)) due.push({ frequency: "weekly", period: `weekly:${isoWeek(new Date(monday - DAY_MS))}`, dueAt: new Date(dueAt) });
  }
  return due;
}

export function describePeriod(period: string): string {
  const { from, to } = periodDays(period);
  return from === to ? from : `the week of ${from} to ${to}`;
}
