/**
 * Trending, in the open: a paper's upvotes decayed by the time since the day it was featured.
 *
 *     score = (upvotes + 1) / (ageDays + 2) ^ 1.5
 *
 * `ageDays` is the time from the start (00:00 UTC) of the featured day to now, in days, never
 * negative. The +1 lets a fresh paper with no votes yet rank above an old one with none; the +2
 * keeps today's papers from dividing by almost nothing; the exponent 1.5 makes a week-old paper need
 * seven to ten times the votes of a fresh one to rank beside it. Only papers featured in the last
 * TRENDING_WINDOW_DAYS days (counted back from the latest featured day) take part.
 */
import { DAY_MS } from "./periods";

export const TRENDING_GRAVITY = 1.5;
export const TRENDING_WINDOW_DAYS = 14;

export function trendingScore(upvotes: number, featuredDay: string, now: Date): number {
  const ageDays = Math.max(0, (now.getTime() - Date.parse(`${featuredDay}T00:00:00Z`)) / DAY_MS);
  return (upvotes + 1) / (ageDays + 2) ** TRENDING_GRAVITY;
}

/** The formula as the about page shows it. */
export const TRENDING_FORMULA = "score = (upvotes + 1) / (days since featured + 2)^1.5";
