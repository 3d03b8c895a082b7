import { Hono } from "hono";
import { IngestRequest } from "../../../../shared/papers/ingest-request";
import { ApiError, describeZodError } from "../errors";
import type { AppEnv } from "../env";

export const adminRoutes = new Hono<AppEnv>();

const encoder = new TextEncoder();

/** Constant-time comparison, so that the token cannot be guessed byte by byte from timings. */
function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

adminRoutes.use("*", async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  const given = c.req.header("Authorization")?.replace(/^Bearer\s+/i, "") ?? "";
  if (!expected || !given || !sameSecret(given, expected)) {
    c.header("WWW-Authenticate", 'Bearer realm="paperboy-admin"');
    throw new ApiError(401, "unauthorized", "a valid admin bearer token is required");
  }
  await next();
});

adminRoutes.post("/ingest", async (c) => {
  const body = await c.req.json().catch(() => {
    throw new ApiError(400, "invalid_json", "the body must be JSON");
  });
  const parsed = IngestRequest.safeParse(body);
  if (!parsed.success) throw new ApiError(400, "invalid_request", describeZodError(parsed.error));
  const { changedPapers: _p, changedDays: _d, ...run } = await c.env.INGEST.runIngest(parsed.data);
  return c.json(run, run.status === "ok" ? 200 : 502);
});
