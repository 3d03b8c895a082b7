import type { Db } from "#shared/db/client";
import { dayPeriod, FIRST_DAY, LAST_DAY, type Period, parseDay, parseMonth, parseWeek } from "#shared/domain/periods";
import {
  type ListedPaper,
  latestDayWithPapers,
  periodListing,
  type SortOrder,
  trendingPapers,
} from "#shared/papers/queries";
import { badRequest } from "../errors";
import type { DailyPapersQuery } from "./api-schemas";

/**
 * The API's reading of its query parameters, on top of the shared catalog queries (the site's):
 * which days, which order, which page.
 */

/** The first and last day (inclusive) of the period the query names, or null when it names none. */
export function periodOf(q: Pick<DailyPapersQuery, "date" | "week" | "month">): Period | null {
  if (q.date) {
    if (!parseDay(q.date)) throw badRequest("invalid_date", `date: ${q.date} is not a real day`);
    return dayPeriod(q.date);
  }
  if (q.week) {
    const week = parseWeek(q.week);
    if (!week) throw badRequest("invalid_week", `week: ${q.week.slice(0, 4)} has no week ${Number(q.week.slice(6))}`);
    return week;
  }
  if (q.month) {
    const month = parseMonth(q.month);
    if (!month) throw badRequest("invalid_month", `month: ${q.month} is not a real month`);
    return month;
  }
  return null;
}

const ALL_DAYS = { from: FIRST_DAY, to: LAST_DAY };

/** Hugging Face's sort names on the shared orders: no sort is the site's (most upvoted first). */
const SORTS: Record<NonNullable<DailyPapersQuery["sort"]> | "default", SortOrder> = {
  default: "upvotes",
  publishedAt: "newest",
  trending: "trending",
};

/**
 * One page of `GET /api/daily_papers`. Like upstream, no period means the latest featured day;
 * with a submitter, all of that submitter's days; sorted by trending, the trending window.
 */
export async function listDaily(db: Db, q: DailyPapersQuery): Promise<ListedPaper[]> {
  const page = { page: q.p, limit: q.limit };
  const period = periodOf(q);
  if (period)
    return (await periodListing(db, period, { ...page, sort: SORTS[q.sort ?? "default"], submitter: q.submitter }))
      .items;
  if (q.submitter)
    return (await periodListing(db, ALL_DAYS, { ...page, sort: SORTS[q.sort ?? "default"], submitter: q.submitter }))
      .items;
  if (q.sort === "trending") return trendingPage(db, q.p, q.limit);
  const latest = await latestDayWithPapers(db);
  if (!latest) return [];
  return (await periodListing(db, dayPeriod(latest), { ...page, sort: SORTS[q.sort ?? "default"] })).items;
}

/** trendingPapers has no offset: the window is a few hundred papers, so a page is sliced from the top. */
export async function trendingPage(db: Db, p: number, limit: number): Promise<ListedPaper[]> {
  return (await trendingPapers(db, { limit: (p + 1) * limit })).slice(p * limit);
}
