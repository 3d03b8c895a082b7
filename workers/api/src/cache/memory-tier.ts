/**
 * A small per-isolate tier in front of the Cache API: the hottest pages (today's page, the home
 * page) are answered from memory without the cache subrequest. It is deliberately short-lived:
 * a purge clears the isolate that receives it at once and every other isolate within
 * MEMORY_TTL_MS, which bounds how stale a purged page can be. Module scope on purpose: it is the
 * isolate's memory, not a client or env.
 *
 * A page that is asked for again by a client that accepts gzip, as every browser does, is then
 * compressed once and kept gzipped too; later hits hand those bytes out as they are, a quarter of
 * the page's size, and nothing compresses them again on the way out. A page nobody asks for twice
 * (most misses) is never compressed.
 */
export const MEMORY_TTL_MS = 10_000;
const MAX_ENTRIES = 64;
const MAX_BODY_BYTES = 256 * 1024;

interface Stored {
  body: ArrayBuffer;
  /**
   * Kept as a Headers object, never handed out: a Response built from one copies it natively,
   * where building it from name/value pairs costs several times more (measured in workerd).
   */
  headers: Headers;
}

interface Entry {
  identity: Stored;
  /** The same page gzipped, once a hit has asked for it and its compression has finished. */
  gzip?: Stored;
  compressing?: boolean;
  expires: number;
}

const entries = new Map<string, Entry>();

/**
 * The stored page for `key`, gzipped when `acceptEncoding` (the request's Accept-Encoding) allows
 * it and the compressed copy is ready. The first such hit starts the compression in the request's
 * `waitUntil` and is answered uncompressed meanwhile.
 */
export function memoryGet(key: string, acceptEncoding: string | null, ctx: Pick<ExecutionContext, "waitUntil">, now = Date.now()): Response | null {
  const e = entries.get(key);
  if (!e) return null;
  if (e.expires <= now) {
    entries.delete(key);
    return null;
  }
  if (acceptsGzip(acceptEncoding)) {
    if (e.gzip) return new Response(e.gzip.body, { status: 200, headers: e.gzip.headers, encodeBody: "manual" });
    if (!e.compressing && !e.identity.headers.has("Content-Encoding")) ctx.waitUntil(compress(e));
  }
  return new Response(e.identity.body, { status: 200, headers: e.identity.headers });
}

export function memoryPut(key: string, body: ArrayBuffer, headers: Headers, now = Date.now()) {
  if (body.byteLength > MAX_BODY_BYTES) return;
  const sMaxAge = /s-maxage=(\d+)/.exec(headers.get("Cache-Control") ?? "")?.[1];
  const ttl = Math.min(MEMORY_TTL_MS, sMaxAge ? Number(sMaxAge) * 1000 : MEMORY_TTL_MS);
  if (ttl <= 0) return;
  const identityHeaders = new Headers(headers);
  varyOnEncoding(identityHeaders);
  entries.delete(key);
  entries.set(key, { identity: { body, headers: identityHeaders }, expires: now + ttl });
  // Maps iterate in insertion order: the first key is the least recently stored.
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
}

/** Keeps `e`'s page gzipped too, unless gzip would not make it smaller (then it stays as it is). */
async function compress(e: Entry): Promise<void> {
  e.compressing = true;
  const { body, headers } = e.identity;
  const compressed = await new Response(new Response(body).body!.pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
  if (compressed.byteLength >= body.byteLength) return;
  const gzipHeaders = new Headers(headers);
  gzipHeaders.set("Content-Encoding", "gzip");
  e.gzip = { body: compressed, headers: gzipHeaders };
}

export function memoryForget(keys: Iterable<string>) {
  for (const k of keys) entries.delete(k);
}

/**
 * Adds Accept-Encoding to Vary: a stored page's every answer names it (the miss too, edge-cache.ts),
 * so that no cache downstream hands the gzip to a client that did not ask for it.
 */
export function varyOnEncoding(headers: Headers) {
  const vary = headers.get("Vary");
  if (vary && /(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) return;
  headers.set("Vary", vary ? `${vary}, Accept-Encoding` : "Accept-Encoding");
}

/** Whether an Accept-Encoding header allows gzip (RFC 9110 §12.5.3: listed, or `*`, with a q above 0). */
export function acceptsGzip(header: string | null): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.toLowerCase().split(";");
    const coding = name.trim();
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (coding === "gzip" || coding === "x-gzip") return allowed;
    if (coding === "*") star = allowed;
  }
  return star;
}
