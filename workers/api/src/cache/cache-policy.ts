import type { Context } from "hono";
import { dayPeriod, type Period, periodKey, periodsOfDay } from "#shared/domain/periods";
import type { SearchRanking } from "#shared/papers/queries";

/**
 * How fresh each kind of response is. `s-maxage` is for the edge (Workers Cache, the Cache API),
 * `max-age` for browsers.
 * - counts: anything that shows vote counts (day, week, month, trending, paper pages, their JSON
 *   and feeds). A vote must show within VOTE_VISIBLE_S everywhere, finished days included, so
 *   these are kept briefly by every layer; ingest still purges what it changes at once. Browsers
 *   revalidate every time (a cheap 304), so a voter's reload never shows their own stale page.
 * - static: pages without counts (about, API docs, the API index).
 * - search: not purged (its addresses are endless), and it shows counts and must drop a paper a
 *   curator hides: as brief as counts.
 * - searchFallback: a search the words answered alone because the vector arm failed or was late:
 *   briefer, so that the hybrid answer comes back soon.
 * - asset: content-hashed static files.
 * - media: an upstream thumbnail, proxied (cards/thumbnail-routes.ts): a paper's picture rarely changes; a day at most.
 * - fallback: our card standing in for a thumbnail that failed: the upstream is asked again after
 *   five minutes, not on every view of every card.
 */
const BRIEF = "public, max-age=0, s-maxage=15, stale-while-revalidate=15";

export const CACHE_POLICIES = {
  counts: BRIEF,
  static: "public, max-age=60, s-maxage=300, stale-while-revalidate=600",
  search: BRIEF,
  searchFallback: "public, max-age=0, s-maxage=5",
  asset: "public, max-age=31536000, immutable",
  media: "public, max-age=86400, s-maxage=86400",
  fallback: "public, max-age=300, s-maxage=300",
  none: "no-store",
} as const;

/**
 * The promise the counts policy keeps: a vote is in every public count within this many seconds.
 * The layers stack: a Cache API copy (s-maxage) feeds the memory tier (MEMORY_TTL_MS), whose copy
 * feeds Workers Cache (s-maxage + stale-while-revalidate); test/site/votes-cache.test.ts adds them up.
 */
export const VOTE_VISIBLE_S = 60;

export type Freshness = keyof typeof CACHE_POLICIES;

export const dayTag = (day: string) => periodKey(dayPeriod(day));
export const paperTag = (id: string) => `paper:${id}`;
/** A public profile, /u/{handle}: purged when its account is erased. */
export const profileTag = (handle: string) => `u:${handle}`;
export const SITE_TAG = "site";
/** Pages that follow the latest days (home, trending, feeds): purged whenever ingest changes a day. */
export const LIVE_TAG = `${SITE_TAG}:live`;

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

/** A week or month page or listing. */
export function setPeriodCache(c: Context, period: Period) {
  setCache(c, "counts", [periodKey(period)]);
}

/** A paper's page or record, tagged with its day when it was featured. */
export function setPaperCache(c: Context, id: string, day: string | undefined) {
  setCache(c, "counts", [paperTag(id), ...(day ? [dayTag(day)] : [])]);
}

/** A search's answer, with a header saying what ranked it (words, hybrid, or words because the vector arm failed). */
export function setSearchCache(c: Context, ranking: SearchRanking) {
  setCache(c, ranking === "words-fallback" ? "searchFallback" : "search");
  c.header("X-Search-Ranking", ranking);
}
