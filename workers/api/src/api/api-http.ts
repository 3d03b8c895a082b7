import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { answerConditional, withWeakEtag } from "../cache/etag";
import type { AppEnv } from "../env";
import { limitClient } from "../security/client-limit";

/** Read-only CORS: any origin may GET or HEAD, never with credentials. */
export const readOnlyCors = cors({
  origin: "*",
  allowMethods: ["GET", "HEAD", "OPTIONS"],
  allowHeaders: ["If-None-Match", "Accept"],
  exposeHeaders: ["Link", "ETag", "Retry-After", "Cache-Control"],
  maxAge: 86_400,
  credentials: false,
});

/** Every /api and /feeds request counts against its client's budget (../security/client-limit). */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "OPTIONS") await limitClient(c);
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
  c.res = answerConditional(
    await withWeakEtag(await c.res.arrayBuffer(), c.res),
    c.req.header("If-None-Match") ?? null,
  );
};

export const apiMiddleware = [readOnlyCors, rateLimit, etag] as const;
