/**
 * A small per-isolate tier in front of the Cache API: the hottest pages (today's page, the home
 * page) are answered from memory without the cache subrequest. It is deliberately short-lived:
 * a purge clears the isolate that receives it at once and every other isolate within
 * MEMORY_TTL_MS, which bounds how stale a purged page can be. Module scope on purpose: it is the
 * isolate's memory, not a client or env.
 */
export const MEMORY_TTL_MS = 10_000;
const MAX_ENTRIES = 64;
const MAX_BODY_BYTES = 256 * 1024;

interface Entry {
  body: ArrayBuffer;
  /**
   * Kept as a Headers object, never handed out: a Response built from one copies it natively,
   * where building it from name/value pairs costs several times more (measured in workerd).
   */
  headers: Headers;
  expires: number;
}

const entries = new Map<string, Entry>();

export function memoryGet(key: string, now = Date.now()): Response | null {
  const e = entries.get(key);
  if (!e) return null;
  if (e.expires <= now) {
    entries.delete(key);
    return null;
  }
  return new Response(e.body, { status: 200, headers: e.headers });
}

export function memoryPut(key: string, body: ArrayBuffer, headers: Headers, now = Date.now()) {
  if (body.byteLength > MAX_BODY_BYTES) return;
  const sMaxAge = /s-maxage=(\d+)/.exec(headers.get("Cache-Control") ?? "")?.[1];
  const ttl = Math.min(MEMORY_TTL_MS, sMaxAge ? Number(sMaxAge) * 1000 : MEMORY_TTL_MS);
  if (ttl <= 0) return;
  entries.delete(key);
  entries.set(key, { body, headers: new Headers(headers), expires: now + ttl });
  // Maps iterate in insertion order: the first key is the least recently stored.
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
}

export function memoryForget(keys: Iterable<string>) {
  for (const k of keys) entries.delete(k);
}
