import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/**
 * Scripts and styles come only from /static (the votes script, the stylesheet), and the script
 * talks only to this site. No inline script, no third-party code. Images only from
 * ourselves (no third-party thumbnails or avatars: they would leak readers to another host).
 */
export const SITE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const COMMON: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
};

/** Secure headers on every response; a Content-Security-Policy on every HTML page that has none. */
export const secureHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  let res = c.res;
  try {
    res.headers.set("X-Content-Type-Options", "nosniff");
  } catch {
    // headers of a fetched response are immutable: copy it once
    res = new Response(res.body, res);
  }
  addSecureHeaders(res.headers, c.req.url.startsWith("https:"));
  c.res = res;
};

/**
 * The headers secureHeaders adds, on `headers` itself: also on a cached copy (without HSTS, which
 * depends on the request), so that a hit finds them set.
 */
export function addSecureHeaders(headers: Headers, https: boolean) {
  for (const name in COMMON) if (!headers.has(name)) headers.set(name, COMMON[name]!);
  if (https) headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  if (headers.get("Content-Type")?.startsWith("text/html") && !headers.has("Content-Security-Policy")) {
    headers.set("Content-Security-Policy", SITE_CSP);
  }
}
