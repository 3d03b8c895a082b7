import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/** A weak ETag from the body's SHA-256 (weak: Cloudflare weakens strong ones when it recompresses). */
export async function weakEtag(body: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const hex = [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `W/"${hex}"`;
}

const opaque = (tag: string) => tag.trim().replace(/^W\//, "");

/** RFC 9110 weak comparison: If-None-Match matches when any listed tag has the same opaque value. */
export function ifNoneMatchMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const want = opaque(etag);
  return header.split(",").some((t) => opaque(t) === want);
}

/**
 * The 304 for a response whose ETag the client already has: same validators and caching headers,
 * and CORS (a browser reading a 304 cross-origin needs it), no body.
 */
export function notModified(res: Response): Response {
  const headers = new Headers();
  for (const [name, value] of res.headers) {
    if (KEPT_ON_304.has(name) || name.startsWith("access-control-")) headers.set(name, value);
  }
  return new Response(null, { status: 304, headers });
}

const KEPT_ON_304 = new Set(["etag", "cache-control", "cache-tag", "vary", "last-modified", "x-cache"]);

/** `body` as a response like `init`, with a weak ETag of the body unless it already has one. */
export async function withWeakEtag(body: ArrayBuffer, init: Response): Promise<Response> {
  const res = new Response(body, init);
  if (!res.headers.has("ETag")) res.headers.set("ETag", await weakEtag(body));
  return res;
}

/** The response itself, or its 304 when the client's If-None-Match names its ETag. */
export function answerConditional(res: Response, ifNoneMatch: string | null): Response {
  const etag = res.headers.get("ETag");
  return etag && ifNoneMatchMatches(ifNoneMatch, etag) ? notModified(res) : res;
}

/**
 * Weak ETag on every 200, and 304 for a matching If-None-Match. The API is not stored in the Cache
 * API: its keys (any query) could not all be purged; Cache-Control and Cache-Tag (set per route)
 * let Workers Cache keep and purge it instead.
 */
export const etag: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if ((c.req.method !== "GET" && c.req.method !== "HEAD") || c.res.status !== 200 || !c.res.body) return;
  // apiCache (./edge-cache) has already tagged and answered the routes it fronts.
  if (c.res.headers.has("ETag")) return;
  c.res = answerConditional(
    await withWeakEtag(await c.res.arrayBuffer(), c.res),
    c.req.header("If-None-Match") ?? null,
  );
};
