import type { Context } from "hono";
import type { PurgeRequest, PurgeResult } from "#shared/contracts";
import { addDays, periodKey, periodsOfDay } from "#shared/domain/periods";
import { dayTag, LIVE_TAG, paperTag, profileTag } from "./cache-policy";
import { API_KEY_PARAMS, cacheKeyUrl } from "./edge-cache";
import { memoryForget } from "./memory-tier";

const SORT_VARIANTS = ["", "?sort=trending", "?sort=newest"];
/** A new or changed day also changes its neighbours' previous/next links, across a long weekend. */
const NEIGHBOUR_DAYS = 4;

/** The day and its neighbours, as far as days go (none before 0000-01-01 or after 9999-12-31). */
function neighbours(day: string): string[] {
  const days: string[] = [];
  for (let d = -NEIGHBOUR_DAYS; d <= NEIGHBOUR_DAYS; d++) {
    const near = addDays(day, d);
    if (near) days.push(near);
  }
  return days;
}

/** The site addresses (as Cache API keys on siteUrl) whose content depends on these papers and days. */
export function urlsToPurge(siteUrl: string, req: PurgeRequest): string[] {
  const paths = new Set<string>();
  const listing = (path: string) => {
    for (const s of SORT_VARIANTS) paths.add(path + s);
  };
  // A share card at its plain address shows the counts as they are now (cards/); its versioned
  // addresses are tagged with the paper or the day, for Workers Cache's purge by tag.
  if (req.days.length) {
    listing("/");
    paths.add("/papers/trending");
    paths.add("/papers/card.png");
  }
  for (const day of req.days) {
    for (const near of neighbours(day)) listing(`/papers/date/${near}`);
    paths.add(`/papers/date/${day}/card.png`);
    for (const p of periodsOfDay(day)) {
      if (p.kind !== "day") listing(`/papers/${p.kind}/${p.key}`);
      // The API's default addresses (edge-cache.ts apiCache); other parameters expire on their own.
      paths.add(`/api/daily_papers?${p.kind === "day" ? "date" : p.kind}=${p.key}`);
    }
  }
  for (const id of req.papers) {
    paths.add(`/papers/${id}`);
    paths.add(`/papers/${id}.md`);
    paths.add(`/papers/${id}.bib`);
    paths.add(`/papers/${id}/card.png`);
    paths.add(`/media/thumbnails/${id}`);
    paths.add(`/api/papers/${id}`);
  }
  return [...paths].map((p) => new URL(p, siteUrl).toString());
}

/** The Cache-Tags of the same content, for Workers Cache (ctx.cache.purge) where it exists. */
export function tagsToPurge(req: PurgeRequest): string[] {
  const tags = new Set<string>();
  if (req.days.length) tags.add(LIVE_TAG);
  for (const day of req.days) {
    for (const near of neighbours(day)) tags.add(dayTag(near));
    for (const p of periodsOfDay(day)) tags.add(periodKey(p));
  }
  for (const id of req.papers) tags.add(paperTag(id));
  return [...tags];
}

/** Deletes every cached copy the Cache API holds of those addresses (and `also`); returns how many were there. */
export async function purgeCacheApi(
  siteUrl: string,
  req: PurgeRequest,
  cache: Cache = caches.default,
  also: string[] = [],
): Promise<{ urls: number; deleted: number }> {
  const urls = [...new Set([...urlsToPurge(siteUrl, req), ...also])];
  memoryForget(urls);
  const results = await Promise.all(urls.map((u) => cache.delete(new Request(u, { method: "GET" }))));
  return { urls: urls.length, deleted: results.filter(Boolean).length };
}

/**
 * After a vote or a comment: this isolate forgets the paper's addresses and the page the writer
 * goes back to, and the data centre's copies of them go, so the writer sees the change at once.
 * Every other copy expires on its own within VOTE_VISIBLE_S (cache-policy.ts): a vote or a comment
 * does not purge globally.
 */
export async function freshenAfterWrite(
  siteUrl: string,
  paperId: string,
  backPath: string,
  cache: Cache = caches.default,
) {
  const back = cacheKeyUrl(siteUrl, new Request(new URL(backPath, siteUrl)));
  const urls = [...new Set([back, ...urlsToPurge(siteUrl, { papers: [paperId], days: [] })])];
  memoryForget(urls);
  await Promise.all(urls.map((u) => cache.delete(new Request(u, { method: "GET" }))));
}

/**
 * Forgets what changed in every layer this worker can reach: the memory tier and Cache API here,
 * and Workers Cache everywhere by tag (where the runtime offers ctx.cache.purge: absent in local
 * runs and Miniflare). For ingest runs (SiteEntrypoint) and curators' changes; `also` names more
 * addresses and tags than the papers' and days' (an account's listing and profile).
 */
export async function purgeEverywhere(
  siteUrl: string,
  req: PurgeRequest,
  ctx: unknown,
  also: { urls?: string[]; tags?: string[] } = {},
): Promise<PurgeResult> {
  const request = { papers: [...new Set(req.papers)], days: [...new Set(req.days)] };
  const result = await purgeCacheApi(siteUrl, request, caches.default, also.urls);
  const tags = [...tagsToPurge(request), ...(also.tags ?? [])];
  const edge = (ctx as { cache?: { purge?: (o: { tags: string[] }) => Promise<unknown> } } | undefined)?.cache;
  if (tags.length && edge?.purge) await edge.purge({ tags });
  return { ...result, tags };
}

/**
 * After a submission: what an ingest run that featured the paper would purge (the paper, its day,
 * their listings, by Cache-Tag too where Workers Cache exists), and the submitter's default API
 * listing, so that the submitter sees the paper at once.
 */
export async function purgeAfterSubmission(c: Context, siteUrl: string, req: PurgeRequest, handle: string) {
  await purgeEverywhere(siteUrl, req, c.executionCtx, { urls: [submitterListingKey(siteUrl, handle)] });
}

const submitterListingKey = (siteUrl: string, handle: string) =>
  cacheKeyUrl(
    siteUrl,
    new Request(new URL(`/api/daily_papers?submitter=${encodeURIComponent(handle)}`, siteUrl)),
    API_KEY_PARAMS,
  );

/**
 * After an account's erasure: every page that showed it, everywhere, as an ingest run's purge
 * does: the papers of its comments, the papers and days (with their listings, feeds and month
 * files, by tag) it submitted, its profile (by its tag) and its API listing. Other pages that
 * showed a submitted paper's card (a related-papers list, a search) expire within VOTE_VISIBLE_S.
 */
export async function purgeAfterErasure(c: Context, siteUrl: string, shown: PurgeRequest, handle: string | null) {
  const also = handle
    ? {
        urls: [submitterListingKey(siteUrl, handle), new URL(`/u/${handle}`, siteUrl).toString()],
        tags: [profileTag(handle)],
      }
    : {};
  await purgeEverywhere(siteUrl, shown, c.executionCtx, also);
}
