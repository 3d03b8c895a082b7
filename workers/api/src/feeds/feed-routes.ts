import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createDb, type Db } from "#shared/db/client";
import { latestDays, periodListing, searchPapers, trendingPapers } from "#shared/papers/queries";
import { vectorArmFrom } from "#shared/vectors/from-env";
import { commonErrors, queryOf, SearchQuery } from "../api/api-schemas";
import { LIVE_TAG, setCache, setSearchCache, tagsForDays } from "../cache/cache-policy";
import { etag } from "../cache/etag";
import { type AppEnv, readConfig } from "../env";
import { rejectInvalid } from "../errors";
import { rateLimit } from "../http/client-limit";
import { readOnlyCors } from "../http/read-only-cors";
import { FORMAT_NAMES, FORMATS, type Format, MEDIA_TYPES, send, toEntry } from "./feed-format";
import { JsonFeed } from "./feed-json";

/** RSS, Atom and JSON feeds; declared with createRoute, so that /api/openapi.json describes them too. */
export const feedRoutes = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid() });
feedRoutes.use("*", readOnlyCors, rateLimit, etag);

/** How many featured days the daily feed spans, and how many items any feed carries at most. */
export const DAILY_FEED_DAYS = 3;
export const FEED_ITEMS = 100;

/** A feed route's declaration: GET /feeds/{name}.{format}, answering the feed. */
const feedRoute = (name: string, format: Format, summary: string) =>
  createRoute({
    method: "get",
    path: `/${name}.${format}`,
    summary: `${FORMAT_NAMES[format]} of ${summary}`,
    tags: ["feeds"],
    responses: {
      200: {
        description: "the feed",
        content: { [MEDIA_TYPES[format]]: { schema: format === "json" ? JsonFeed : z.string() } },
      },
      ...commonErrors,
    },
  });

/** The span of the last `n` days that have papers, or null when none has. */
async function latestSpan(db: Db, n: number): Promise<{ from: string; to: string } | null> {
  const days = await latestDays(db, n);
  return days.length ? { from: days.at(-1)!, to: days[0]! } : null;
}

/**
 * Each feed's items and caching, whatever the format: the three serialisations of one feed carry
 * the same items in the same order. `self` is the path of the feed being served.
 */
async function dailyFeed(c: Context<AppEnv>, self: string) {
  const site = readConfig(c.env).SITE_URL;
  const db = createDb(c.env.DB);
  const range = await latestSpan(db, DAILY_FEED_DAYS);
  const rows = range ? (await periodListing(db, range, { sort: "upvotes", limit: FEED_ITEMS })).items : [];
  setCache(c, "counts", [LIVE_TAG, ...(range ? tagsForDays([range.from, range.to]) : [])]);
  return {
    title: "Paperboy · Daily Papers",
    description: "The papers featured on the latest days of Paperboy's Daily Papers.",
    self: `${site}${self}`,
    alternate: `${site}/`,
    entries: rows.map((r) => toEntry(site, r)),
  };
}

async function trendingFeed(c: Context<AppEnv>, self: string) {
  const site = readConfig(c.env).SITE_URL;
  const rows = await trendingPapers(createDb(c.env.DB), { limit: 50 });
  setCache(c, "counts", [LIVE_TAG]);
  return {
    title: "Paperboy · Trending papers",
    description: "Featured papers ranked by upvotes decayed by age.",
    self: `${site}${self}`,
    alternate: `${site}/papers/trending`,
    entries: rows.map((r) => toEntry(site, r)),
  };
}

async function searchFeed(c: Context<AppEnv>, self: string, q: string) {
  const site = readConfig(c.env).SITE_URL;
  const db = createDb(c.env.DB);
  const { hits: rows, ranking } = await searchPapers(db, q, { limit: 50, vectorArm: vectorArmFrom(c.env, db) });
  setSearchCache(c, ranking);
  const qs = encodeURIComponent(q);
  return {
    title: `Paperboy · Search: ${q}`,
    description: `Papers matching "${q}", best match first.`,
    self: `${site}${self}?q=${qs}`,
    alternate: `${site}/search?q=${qs}`,
    entries: rows.map((r) => toEntry(site, r)),
  };
}

for (const format of FORMATS) {
  feedRoutes.openapi(feedRoute("daily", format, "the latest days' papers"), async (c) =>
    send(c, format, await dailyFeed(c, `/feeds/daily.${format}`)),
  );

  feedRoutes.openapi(feedRoute("trending", format, "trending papers"), async (c) =>
    send(c, format, await trendingFeed(c, `/feeds/trending.${format}`)),
  );

  const search = {
    ...feedRoute("search", format, "a search (q required)"),
    request: { query: queryOf(SearchQuery.pick({ q: true })) },
  };
  feedRoutes.openapi(search, async (c) =>
    send(c, format, await searchFeed(c, `/feeds/search.${format}`, c.req.valid("query").q)),
  );
}
