import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { answerConditional, withWeakEtag } from "../cache/etag";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** Read-only CORS: any origin may GET or HEAD, never with credentials. */
export const readOnlyCors = cors({
  origin: "*",
  allowMethods: ["GET", "HEAD", "OPTIONS"],
  allowHeaders: ["If-None-Match", "Accept"],
  exposeHeaders: ["Link", "ETag", "Retry-After", "Cache-Control"],
  maxAge: 86_400,
  credentials: false,
});

/** The rate limiter's window (wrangler.toml [[ratelimits]] simple.period). */
export const RATE_LIMIT_PERIOD_S = 60;

/**
 * Who a request is, for the rate limit: the client address Cloudflare saw. An IPv6 client usually
 * holds a whole /64, so its key is the /64: otherwise one client could rotate through 2^64 keys.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return "local";
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * Per-client limit through the Workers rate-limiting binding. The binding counts per location and
 * is eventually consistent: a guard against floods, not an exact quota.
 */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === "OPTIONS") return next();
  const { success } = await c.env.API_RATE_LIMIT.limit({ key: clientKey(c.req.header("CF-Connecting-IP")) });
  if (!success) {
    c.header("Retry-After", String(RATE_LIMIT_PERIOD_S));
    throw new ApiError(429, "rate_limited", `too many requests; try again in ${RATE_LIMIT_PERIOD_S} seconds`);
  }
  await next();
};

/**
 * Weak ETag on every 200, and 304 for a matching If-None-Match (the pages' helpers in
 * ../cache/etag). The API is not stored in the Cache API: its keys (any query) could not all be
 * purged; Cache-Control and Cache-Tag (set per route) let Workers Cache keep and purge it instead.
 */
export const etag: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if ((c.req.method !== "GET" && c.req.method !== "HEAD") || c.res.status !== 200 || !c.res.body) return;
  // apiCache (../cache/edge-cache) has already tagged and answered the routes it fronts.
  if (c.res.headers.has("ETag")) return;
  c.res = answerConditional(await withWeakEtag(await c.res.arrayBuffer(), c.res), c.req.header("If-None-Match") ?? null);
};

export const apiMiddleware = [readOnlyCors, rateLimit, etag] as const;
