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
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", options.client ?? `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients & 255}`);
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
  return new Response(nullBody ? null : bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** GET `path` with the given headers. */
export const get = (path: string, headers: Record<string, string> = {}, options: RequestOptions = {}) => request(path, { headers }, options);
