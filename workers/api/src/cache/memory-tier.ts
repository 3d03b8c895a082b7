/**
 * A small per-isolate tier in front of the Cache API: the hottest pages (today's page, the home
 * page) are answered from memory without the cache subrequest. It is deliberately short-lived:
 * a purge clears the isolate that receives it at once and every other isolate within
 * MEMORY_TTL_MS, which bounds how stale a purged page can be. Module scope on purpose: it is the
 * isolate's memory, not a client or env.
 *
 * Each page is also kept gzipped (compressed once, when it is stored) and a client that accepts
 * gzip, as every browser does, gets those bytes as they are: a hit then sends a quarter of the
 * bytes and nothing compresses it again on the way out.
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
  /** The same page gzipped, once its compression has finished (memoryPut's promise). */
  gzip?: Stored;
  expires: number;
}

const entries = new Map<string, Entry>();

/**
 * The stored page for `key`, gzipped when `acceptEncoding` (the request's Accept-Encoding)
 * allows it and the compressed copy is ready.
 */
export function memoryGet(key: string, acceptEncoding: string | null, now = Date.now()): Response | null {
  const e = entries.get(key);
  if (!e) return null;
  if (e.expires <= now) {
    entries.delete(key);
    return null;
  }
  if (e.gzip && acceptsGzip(acceptEncoding)) {
    return new Response(e.gzip.body, { status: 200, headers: e.gzip.headers, encodeBody: "manual" });
  }
  return new Response(e.identity.body, { status: 200, headers: e.identity.headers });
}

/**
 * Stores a page. The gzipped copy follows when the returned promise settles: hand it to
 * `waitUntil`. Until then, and if gzip would not make it smaller, hits are answered uncompressed.
 */
export function memoryPut(key: string, body: ArrayBuffer, headers: Headers, now = Date.now()): Promise<void> {
  if (body.byteLength > MAX_BODY_BYTES) return Promise.resolve();
  const sMaxAge = /s-maxage=(\d+)/.exec(headers.get("Cache-Control") ?? "")?.[1];
  const ttl = Math.min(MEMORY_TTL_MS, sMaxAge ? Number(sMaxAge) * 1000 : MEMORY_TTL_MS);
  if (ttl <= 0) return Promise.resolve();
  const identityHeaders = new Headers(headers);
  varyOnEncoding(identityHeaders);
  const entry: Entry = { identity: { body, headers: identityHeaders }, expires: now + ttl };
  entries.delete(key);
  entries.set(key, entry);
  // Maps iterate in insertion order: the first key is the least recently stored.
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  if (headers.has("Content-Encoding")) return Promise.resolve();
  return gzip(body).then((compressed) => {
    if (compressed.byteLength >= body.byteLength) return;
    const gzipHeaders = new Headers(identityHeaders);
    gzipHeaders.set("Content-Encoding", "gzip");
    entry.gzip = { body: compressed, headers: gzipHeaders };
  });
}

export function memoryForget(keys: Iterable<string>) {
  for (const k of keys) entries.delete(k);
}

async function gzip(body: ArrayBuffer): Promise<ArrayBuffer> {
  return new Response(new Response(body).body!.pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
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
