import type { Context } from "hono";
import { dayPeriod, periodKey, periodsOfDay, todayUtc, type Period } from "#shared/domain/periods";

/**
 * How fresh each kind of response is. `s-maxage` is for the edge (Workers Cache, the Cache API),
 * `max-age` for browsers. Ingest purges what it changes, so the edge may keep pages long.
 * - finished: a day that is over never changes but for upstream vote counts, which ingest purges.
 * - live: today's pages, the home page, trending, fallback pages.
 * - search: not purged, so short.
 * - asset: content-hashed static files.
 */
export const CACHE_POLICIES = {
  finished: "public, max-age=3600, s-maxage=2592000, stale-while-revalidate=86400",
  live: "public, max-age=60, s-maxage=300, stale-while-revalidate=600",
  search: "public, max-age=300, s-maxage=300, stale-while-revalidate=600",
  asset: "public, max-age=31536000, immutable",
  none: "no-store",
} as const;

export type Freshness = keyof typeof CACHE_POLICIES;

export const dayTag = (day: string) => periodKey(dayPeriod(day));
export const paperTag = (id: string) => `paper:${id}`;
export const SITE_TAG = "site";
/** Pages that follow the latest days (home, trending, feeds): purged whenever ingest changes a day. */
export const LIVE_TAG = `${SITE_TAG}:live`;

/** A day is finished once UTC has moved past it. */
export function freshnessOfDay(day: string, now = new Date()): Freshness {
  return day < todayUtc(now) ? "finished" : "live";
}

/** Tags for a listing of these days: one per day, plus the period's own tags. */
export function tagsForDays(days: string[]): string[] {
  const tags = new Set<string>([SITE_TAG]);
  for (const d of days) for (const p of periodsOfDay(d)) tags.add(periodKey(p));
  return [...tags];
}

export function setCache(c: Context, freshness: Freshness, tags: string[] = []) {
  c.header("Cache-Control", CACHE_POLICIES[freshness]);
  if (tags.length) c.header("Cache-Tag", [...new Set([SITE_TAG, ...tags])].join(","));
}

/** A week or month page: finished once its last day is over. */
export function setPeriodCache(c: Context, period: Period) {
  setCache(c, period.to < todayUtc() ? "finished" : "live", [periodKey(period)]);
}

/** A paper's page or record: it changes with its day's votes while that day is live. */
export function setPaperCache(c: Context, id: string, day: string | undefined) {
  setCache(c, day && freshnessOfDay(day) === "live" ? "live" : "finished", [paperTag(id), ...(day ? [dayTag(day)] : [])]);
}
