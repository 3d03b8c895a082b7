import type { MiddlewareHandler } from "hono";
import { type AppEnv, type Env, readConfig } from "../env";
import { addSecureHeaders } from "../http/secure-headers";
import { CACHE_POLICIES } from "./cache-policy";
import { answerConditional, withWeakEtag } from "./etag";
import { memoryGet, memoryPut } from "./memory-tier";

/** The addresses of the site's cached pages: site-routes.tsx puts edgeCache in front of each. */
export const SITE_CACHED_PATHS = ["/", "/papers/*", "/authors/*", "/search", "/about", "/static/*"] as const;

/** Query parameters a site page reads; any other is dropped from the cache key. */
export const SITE_KEY_PARAMS = ["q", "sort", "page"] as const;
/** Query parameters the JSON API reads (/api/daily_papers, /api/papers/search), in key order. */
export const API_KEY_PARAMS = ["date", "week", "month", "submitter", "sort", "p", "limit", "q"] as const;

/**
 * The cache key of a request, on SITE_URL's origin so that a purge from another worker finds it:
 * the path and the parameters the route reads, in a fixed order.
 */
export function cacheKeyUrl(siteUrl: string, request: Request, params: readonly string[] = SITE_KEY_PARAMS): string {
  return keyOf(siteUrl, new URL(request.url), params);
}

function keyOf(siteUrl: string, url: URL, params: readonly string[]): string {
  const key = new URL(url.pathname, siteUrl);
  for (const name of params) {
    const value = url.searchParams.get(name);
    if (value !== null) key.searchParams.set(name, value);
  }
  return key.toString();
}

/**
 * Markdown asked for with Accept on a paper's HTML address. Cloudflare's caches ignore
 * `Vary: Accept`, so such a response is never stored and never answered from a cache: a
 * browser must never get Markdown at the HTML address. The `.md` address is cached as usual.
 */
export const negotiatesMarkdown = (request: Request) => {
  if (!(request.headers.get("Accept") ?? "").includes("text/markdown")) return false;
  const path = new URL(request.url).pathname;
  return path.startsWith("/papers/") && !path.endsWith(".md") && !path.endsWith(".bib");
};

/**
 * The Cache API is per data centre and a purge reaches only the one it runs in (Workers Cache's tag
 * purge is global). So a stored copy lives at most this long, whatever s-maxage the page says;
 * its own Cache-Control travels in X-Page-Cache-Control and is restored on a hit.
 */
export const CACHE_API_MAX_AGE_S = 3600;

function forCacheApi(body: ArrayBuffer, res: Response): Response {
  const stored = new Response(body, res);
  const cc = res.headers.get("Cache-Control") ?? "";
  const sMaxAge = Number(/s-maxage=(\d+)/.exec(cc)?.[1] ?? /max-age=(\d+)/.exec(cc)?.[1] ?? 0);
  stored.headers.set("X-Page-Cache-Control", cc);
  stored.headers.set("Cache-Control", `public, s-maxage=${Math.min(sMaxAge, CACHE_API_MAX_AGE_S)}`);
  stored.headers.set("X-Cache", "HIT");
  return stored;
}

const storable = (res: Response) =>
  res.status === 200 && /\bpublic\b/.test(res.headers.get("Cache-Control") ?? "") && !res.headers.has("Set-Cookie");

interface EdgeCacheOptions {
  keyParams: readonly string[];
  /** Whether the cache may answer this request at all. */
  cacheable: (url: URL, request: Request) => boolean;
  /** Whether this 200 may be stored, beyond being public and cookie-free. */
  store: (res: Response) => boolean;
  /** Whether the isolate's memory tier holds these too (not for images: it keeps 64 hot pages). */
  memory?: boolean;
}

/**
 * The Cache API in front of a sub-app's handlers (behind a short per-isolate memory tier): a hit is
 * answered from the data centre's cache and runs no D1 query. Every 200 gets a weak ETag and
 * answers a matching If-None-Match with 304.
 */
export function edgeCacheWith(opts: EdgeCacheOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD") return next();
    const url = new URL(c.req.url);
    const keyUrl = keyOf(readConfig(c.env).SITE_URL, url, opts.keyParams);
    const useCache = opts.cacheable(url, c.req.raw);
    const inm = c.req.header("If-None-Match") ?? null;

    // A hit of the memory tier is the hot path: no Request, no cache subrequest, headers ready.
    const memory = opts.memory ?? true;
    if (useCache) {
      let res = memory ? memoryGet(keyUrl) : null;
      if (!res) {
        const hit = await caches.default.match(new Request(keyUrl, { method: "GET" }));
        if (hit) {
          const body = await hit.arrayBuffer();
          res = new Response(body, hit);
          res.headers.set("Cache-Control", hit.headers.get("X-Page-Cache-Control") ?? "no-cache");
          res.headers.delete("X-Page-Cache-Control");
          res.headers.set("X-Cache", "HIT");
          res.headers.delete("Age");
          addSecureHeaders(res.headers, false);
          if (memory) memoryPut(keyUrl, body, res.headers);
        }
      }
      if (res) {
        c.res = answerConditional(res, inm);
        return;
      }
    }

    await next();
    if (c.res.status !== 200 || !c.res.body) return;
    const body = await c.res.arrayBuffer();
    const res = await withWeakEtag(body, c.res);
    if (useCache && storable(res) && opts.store(res)) {
      const hitHeaders = new Headers(res.headers);
      hitHeaders.set("X-Cache", "HIT");
      addSecureHeaders(hitHeaders, false);
      if (memory) memoryPut(keyUrl, body, hitHeaders);
      c.executionCtx.waitUntil(caches.default.put(new Request(keyUrl, { method: "GET" }), forCacheApi(body, res)));
      res.headers.set("X-Cache", "MISS");
    }
    c.res = answerConditional(res, inm);
  };
}

/** The site's pages. Pages beyond the first of a listing (`page`) are not stored: purges could not name them all. */
const siteCache: EdgeCacheOptions = {
  keyParams: SITE_KEY_PARAMS,
  cacheable: (url, request) => !url.searchParams.has("page") && !negotiatesMarkdown(request),
  store: () => true,
};

export const edgeCache = edgeCacheWith(siteCache);

/** Pictures proxied from upstream (cards/thumbnail-routes.ts): cached like pages, but never in the memory tier. */
export const mediaCache = edgeCacheWith({ ...siteCache, memory: false });

const onCachedPath = (path: string) =>
  SITE_CACHED_PATHS.some((p) => (p.endsWith("/*") ? path.startsWith(p.slice(0, -1)) : path === p));

/**
 * A site page the memory tier holds, answered before Hono routes the request (index.ts): for a
 * hit, routing, the middleware chain and Hono's copies of the response cost more than the hit
 * itself. The answer is the one edgeCache would give behind secureHeaders, which is all that runs
 * before it on these paths: the stored headers carry the secure headers, HSTS is added per request.
 * Anything else (a miss, another method or path, `page=`, negotiated Markdown) returns null.
 */
export function answerFromMemory(request: Request, env: Env): Response | null {
  const method = request.method;
  if (method !== "GET" && method !== "HEAD") return null;
  const url = new URL(request.url);
  if (!onCachedPath(url.pathname) || !siteCache.cacheable(url, request)) return null;
  let siteUrl: string;
  try {
    siteUrl = readConfig(env).SITE_URL;
  } catch {
    // a misconfigured worker stores nothing; the app answers with its error page
    return null;
  }
  const res = memoryGet(keyOf(siteUrl, url, siteCache.keyParams));
  if (!res) return null;
  const answer = answerConditional(res, request.headers.get("If-None-Match"));
  addSecureHeaders(answer.headers, url.protocol === "https:");
  // as Hono answers HEAD: the GET's status and headers without its body
  return method === "HEAD" ? new Response(null, answer) : answer;
}

/**
 * The JSON API's listings and paper records, kept like the pages that show the same counts.
 * Purges name the default addresses (purge.ts); other parameters (limit, p, sort) expire with the
 * counts policy's short s-maxage. Searches are not stored: their keys are endless.
 */
export const apiCache = edgeCacheWith({
  keyParams: API_KEY_PARAMS,
  cacheable: (url) => url.pathname !== "/api/papers/search",
  store: (res) => res.headers.get("Cache-Control") === CACHE_POLICIES.counts,
});
