import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
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

/** Who a request is, for the rate limit: the client address Cloudflare saw. */
export function clientKey(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? c.req.header("X-Real-IP") ?? "local";
}

/**
 * Per-client limit through the Workers rate-limiting binding. The binding counts per location and
 * is eventually consistent: a guard against floods, not an exact quota.
 */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === "OPTIONS") return next();
  const { success } = await c.env.API_RATE_LIMIT.limit({ key: clientKey(c) });
  if (!success) {
    c.header("Retry-After", String(RATE_LIMIT_PERIOD_S));
    throw new ApiError(429, "rate_limited", `too many requests; try again in ${RATE_LIMIT_PERIOD_S} seconds`);
  }
  await next();
};

export const apiMiddleware = [readOnlyCors, rateLimit] as const;

/** JSON exactly as given (no pretty-printing), as UTF-8. */
export function sendJson(c: Context<AppEnv>, body: unknown, status: 200 = 200) {
  return c.json(body as object, status);
}
