import { Hono, type Context } from "hono";
import { z } from "zod";
import { pendingDeadLetters, redriveDeadLetters } from "#shared/mail/dead-letters";
import { IngestRequest } from "#shared/papers/ingest-request";
import { ApiError, badRequest, validate } from "../errors";
import { readConfig, type AppEnv } from "../env";

export const adminRoutes = new Hono<AppEnv>();

const encoder = new TextEncoder();

/** Constant-time comparison, so that the token cannot be guessed byte by byte from timings. */
function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

adminRoutes.use("*", async (c, next) => {
  const expected = readConfig(c.env).ADMIN_TOKEN;
  const given = c.req.header("Authorization")?.replace(/^Bearer\s+/i, "") ?? "";
  if (!expected || !given || !sameSecret(given, expected)) {
    c.header("WWW-Authenticate", 'Bearer realm="paperboy-admin"');
    throw new ApiError(401, "unauthorized", "a valid admin bearer token is required");
  }
  await next();
});

/** The request's JSON body, validated with `schema`. */
async function jsonBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  const body = await c.req.json().catch(() => {
    throw badRequest("invalid_json", "the body must be JSON");
  });
  return validate(schema, body);
}

adminRoutes.post("/ingest", async (c) => {
  const { changedPapers: _p, changedDays: _d, ...run } = await c.env.INGEST.runIngest(await jsonBody(c, IngestRequest));
  return c.json(run, run.status === "ok" ? 200 : 502);
});

/** Mail messages that ran out of retries or were refused as invalid, not re-driven yet, oldest first. */
adminRoutes.get("/dead-letters", async (c) => c.json({ deadLetters: await pendingDeadLetters(c.env.DB) }));

const RedriveRequest = z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(1000).optional() });

/** Puts dead letters (all pending ones, or `ids`) back on the mail queue, reopening their ledger rows. */
adminRoutes.post("/dead-letters/redrive", async (c) => {
  const { ids } = await jsonBody(c, RedriveRequest);
  return c.json(await redriveDeadLetters(c.env.DB, c.env.MAIL_QUEUE, ids));
});
