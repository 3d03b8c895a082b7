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

/** The 304 for a response whose ETag the client already has: same validators and caching headers, no body. */
export function notModified(res: Response): Response {
  const headers = new Headers();
  for (const name of ["ETag", "Cache-Control", "Cache-Tag", "Vary", "Last-Modified", "X-Cache"]) {
    const v = res.headers.get(name);
    if (v) headers.set(name, v);
  }
  return new Response(null, { status: 304, headers });
}
