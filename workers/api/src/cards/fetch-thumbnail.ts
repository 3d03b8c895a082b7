/**
 * An upstream thumbnail, fetched for /media/thumbnails/{id} (thumbnail-routes.ts): only from the one
 * configured host, never following a redirect, within a time limit and a size limit, and only when
 * the bytes are the PNG, JPEG or WebP their Content-Type says. Anything else is a failure with its
 * reason; the route then answers our own card instead.
 */

/** Hugging Face's thumbnails are social cards of about 100 KB; twenty times that is not a thumbnail. */
export const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;

/** The types a thumbnail may have, each with the bytes its files begin with ("?" any byte). */
const SIGNATURES: Record<string, (number | "?")[]> = {
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  "image/jpeg": [0xff, 0xd8, 0xff],
  // RIFF, the file's length, WEBP
  "image/webp": [0x52, 0x49, 0x46, 0x46, "?", "?", "?", "?", 0x57, 0x45, 0x42, 0x50],
};

export interface ThumbnailSettings {
  /** The only host a stored thumbnail address may name (THUMBNAIL_HOST). */
  host: string;
  /** Where that host's files are fetched from: https://{host}, or a local stand-in in development. */
  origin: string;
  timeoutMs: number;
}

export type Fetched = { ok: true; bytes: Uint8Array<ArrayBuffer>; type: string } | { ok: false; reason: string };

/**
 * The address to fetch for a stored thumbnail address, or null when there is none or it is not an
 * https address on the configured host with its default port and no credentials: the stored value
 * came from upstream's feed, and only its path is ever used.
 */
export function thumbnailSource(stored: string | null | undefined, settings: ThumbnailSettings): URL | null {
  if (!stored || !URL.canParse(stored)) return null;
  const url = new URL(stored);
  if (url.protocol !== "https:" || url.hostname !== settings.host) return null;
  if (url.port || url.username || url.password) return null;
  return new URL(url.pathname + url.search, settings.origin);
}

/**
 * Whether a host is a name or address that must never be fetched in production: loopback, private,
 * link-local and unique-local addresses, and names that resolve to them by convention.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal"))
    return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168)
    );
  }
  return (
    host.includes(":") &&
    (host === "::" || host === "::1" || /^(fc|fd|fe[89ab])/.test(host) || host.startsWith("::ffff:"))
  );
}

function matchesSignature(bytes: Uint8Array, type: string): boolean {
  const signature = SIGNATURES[type];
  return !!signature && bytes.length >= signature.length && signature.every((b, i) => b === "?" || bytes[i] === b);
}

/** The body, or null as soon as it passes `max` bytes (the rest is never read). */
async function readAtMost(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

async function fetchChecked(source: URL, signal: AbortSignal): Promise<Fetched> {
  const res = await fetch(source, {
    redirect: "manual",
    signal,
    headers: { Accept: Object.keys(SIGNATURES).join(", ") },
  });
  const fail = async (reason: string): Promise<Fetched> => {
    await res.body?.cancel();
    return { ok: false, reason };
  };
  if (res.status >= 300 && res.status < 400) return fail(`redirect (${res.status})`);
  if (res.status !== 200) return fail(`status ${res.status}`);
  const type = (res.headers.get("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!(type in SIGNATURES)) return fail(`type ${type || "missing"}`);
  const declared = Number(res.headers.get("Content-Length") ?? Number.NaN);
  if (declared > MAX_THUMBNAIL_BYTES) return fail(`${declared} bytes`);
  const bytes = res.body ? await readAtMost(res.body, MAX_THUMBNAIL_BYTES) : new Uint8Array();
  if (!bytes) return { ok: false, reason: `more than ${MAX_THUMBNAIL_BYTES} bytes` };
  if (!matchesSignature(bytes, type)) return { ok: false, reason: `not a ${type} file` };
  return { ok: true, bytes, type };
}

/** The thumbnail at `source`, checked, or why not; the time limit covers the answer and its body. */
export async function fetchThumbnail(source: URL, settings: ThumbnailSettings): Promise<Fetched> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Fetched>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, reason: `no answer within ${settings.timeoutMs} ms` });
    }, settings.timeoutMs);
  });
  try {
    return await Promise.race([
      fetchChecked(source, controller.signal).catch((err): Fetched => ({ ok: false, reason: String(err) })),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
