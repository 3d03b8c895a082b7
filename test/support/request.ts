import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import type { Env } from "../../workers/api/src/env";
import worker from "../../workers/api/src/index";
import type { captureQueue } from "./capture-queue";

export const ORIGIN = "http://paperboy.test";

export interface RequestOptions {
  /**
   * "app" (the default): the API worker's fetch (its memory-tier hot path, then the app) with the
   * test env, run to the end of its waitUntil work (cache writes) before the response is returned.
   * "self": the real worker entry (SELF), for tests of what the deployed worker and its service
   * bindings share; takes no env overrides.
   */
  via?: "app" | "self";
  /** Bindings and vars that replace the test env's for this request. */
  env?: Partial<Env>;
  /** A capture queue (./capture-queue) to stand in for MAIL_QUEUE. */
  queue?: ReturnType<typeof captureQueue>;
  /** The client's address (CF-Connecting-IP). By default each request comes from a new one, so per-client limits stay out of the way. */
  client?: string;
  /** Fields posted as a form, with the site's own Origin unless init's headers name another. */
  form?: Record<string, string>;
}

let clients = 0;

/** One request to the app at `path` (relative to ORIGIN, or absolute). Redirects are not followed. */
export async function request(path: string, init: RequestInit = {}, options: RequestOptions = {}): Promise<Response> {
  const url = new URL(path, ORIGIN);
  const headers = new Headers(init.headers);
  clients++;
  if (!headers.has("CF-Connecting-IP"))
    headers.set(
      "CF-Connecting-IP",
      options.client ?? `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients & 255}`,
    );
  let body = init.body;
  if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers.set("Content-Type", "application/x-www-form-urlencoded");
    if (!headers.has("Origin")) headers.set("Origin", url.origin);
  }
  const req = new Request(url, { ...init, headers, body, redirect: "manual" });
  if (options.via === "self") {
    if (options.env || options.queue) throw new Error("env overrides need via: app");
    return SELF.fetch(req);
  }
  const ctx = createExecutionContext();
  const testEnv: Env = { ...env, ...(options.queue ? { MAIL_QUEUE: options.queue.queue } : {}), ...options.env };
  const res = await worker.fetch(req, testEnv, ctx);
  // The body first: the cache write in waitUntil reads a tee of it.
  const bytes = await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  const nullBody = [101, 204, 205, 304].includes(res.status);
  return new Response(nullBody ? null : bytes, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/** GET `path` with the given headers. */
export const get = (path: string, headers: Record<string, string> = {}, options: RequestOptions = {}) =>
  request(path, { headers }, options);

/** The one script tag a page may carry: the content-hashed votes script (workers/api/src/site/votes-script.ts). */
export const VOTES_SCRIPT_TAG = /<script src="\/static\/votes\.[0-9a-f]{8}\.js" defer=""><\/script>/g;
/** A page's HTML without its votes script tag: what is left must hold no script at all. */
export const withoutVotesScript = (html: string) => html.replace(VOTES_SCRIPT_TAG, "");

/** The site's own thumbnails (workers/api/src/ui/components.tsx Thumbnail): an id in a fixed form, no text of a paper. */
export const THUMBNAIL_TAG =
  /<img src="\/media\/thumbnails\/[\w./-]+" width="1200" height="630" alt="Preview of arXiv [\w./-]+"( loading="lazy")?\/>/g;

/** A page without the site's own thumbnails, so that any other image tag stands out. */
export const withoutThumbnails = (html: string) => html.replace(THUMBNAIL_TAG, "");

/**
 * The one JSON-LD data block of a paper page (workers/api/src/site/paper-meta.tsx): a data block,
 * not a script the browser runs, and its JSON escapes every "<", so nothing inside can end it.
 */
export const JSON_LD_BLOCK = /<script type="application\/ld\+json">[^<]*<\/script>/g;
/** A paper page's HTML without its JSON-LD block, which must be there exactly once. */
export function withoutJsonLd(html: string): string {
  const blocks = html.match(JSON_LD_BLOCK) ?? [];
  if (blocks.length !== 1) throw new Error(`expected exactly one JSON-LD block, found ${blocks.length}`);
  return html.replace(JSON_LD_BLOCK, "");
}
