import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { getTableColumns } from "drizzle-orm";
import { vi } from "vitest";
import { chunk, rowsPerStatement } from "#shared/db/chunk";
import { createDb } from "#shared/db/client";
import { dailyEntries, papers, subscribers, suppressions } from "#shared/db/schema";
import { suppressionHash } from "#shared/mail/address";
import { MAX_RETRIES, type Env as MailerEnv } from "../../workers/mailer/src/env";
import { queue } from "../../workers/mailer/src/index";

export { captureQueue } from "../support/capture-queue";

export const RESEND = "https://resend.test";

export function mailerEnv(overrides: Partial<MailerEnv> = {}): MailerEnv {
  return {
    DB: env.DB,
    SITE_URL: "https://paperboy.test",
    MAIL_FROM: "Paperboy <digest@paperboy.test>",
    RESEND_BASE_URL: RESEND,
    RESEND_API_KEY: "re_test_key",
    TOKEN_SECRET: env.TOKEN_SECRET,
    SUPPRESSION_SECRET: env.SUPPRESSION_SECRET,
    RESEND_REQUESTS_PER_SECOND: "1000",
    RESEND_TIMEOUT_MS: "300",
    ...overrides,
  };
}

type SentMail = {
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
};
export type Fault =
  | { kind: "429"; retryAfter: number }
  | { kind: "500" }
  | { kind: "timeout" }
  /** 409: the same key is still being processed by an earlier call. */
  | { kind: "in-progress" }
  /** Resend accepts and sends, but the answer never arrives (a 502 from a proxy). */
  | { kind: "lost-response" };

/**
 * A stand-in for Resend's POST /emails/batch that behaves like the real one where it matters:
 * Idempotency-Key (same key and bytes: the first answer again, nothing sent; same key, other
 * bytes: 409 invalid_idempotent_request), permissive validation with per-item errors for
 * addresses that contain "invalid", and faults injected per call.
 */
export function stubResend(
  faultFor: (call: number, mails: SentMail[]) => Fault | undefined | Promise<Fault | undefined> = () => undefined,
) {
  const delivered = new Map<string, SentMail[]>();
  const calls: { key: string | null; size: number; fault?: Fault["kind"] }[] = [];
  const keys = new Map<string, { body: string; response: unknown }>();
  let nextId = 1;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.toString() !== `${RESEND}/emails/batch` || init?.method !== "POST")
      throw new Error(`unexpected request in a test: ${url}`);
    const headers = new Headers(init.headers);
    const body = String(init.body);
    const mails = JSON.parse(body) as SentMail[];
    const key = headers.get("Idempotency-Key");
    const call = calls.length + 1;
    const fault = await faultFor(call, mails);
    calls.push({ key, size: mails.length, fault: fault?.kind });
    if (headers.get("Authorization") !== "Bearer re_test_key")
      return Response.json({ name: "validation_error", message: "bad key", statusCode: 401 }, { status: 401 });
    if (mails.length > 100)
      return Response.json({ name: "validation_error", message: "too many", statusCode: 422 }, { status: 422 });
    if (fault?.kind === "429")
      return Response.json(
        { name: "rate_limit_exceeded", message: "Too many requests", statusCode: 429 },
        { status: 429, headers: { "retry-after": String(fault.retryAfter) } },
      );
    if (fault?.kind === "in-progress")
      return Response.json(
        {
          name: "concurrent_idempotent_requests",
          message: "Same idempotency key used while original request is still in progress.",
          statusCode: 409,
        },
        { status: 409 },
      );
    if (fault?.kind === "500")
      return Response.json({ name: "internal_server_error", message: "boom", statusCode: 500 }, { status: 500 });
    if (fault?.kind === "timeout")
      return new Promise<Response>((_, reject) =>
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason ?? new Error("aborted"))),
      );
    if (key && keys.has(key)) {
      const seen = keys.get(key)!;
      if (seen.body !== body)
        return Response.json(
          {
            name: "invalid_idempotent_request",
            message: "Same idempotency key used with a different request payload.",
            statusCode: 409,
          },
          { status: 409 },
        );
      return Response.json(seen.response);
    }
    const data: { id: string }[] = [];
    const errors: { index: number; message: string }[] = [];
    mails.forEach((m, index) => {
      if (m.to.some((t) => t.includes("invalid"))) return errors.push({ index, message: "Invalid `to` field." });
      for (const to of m.to) delivered.set(to, [...(delivered.get(to) ?? []), m]);
      data.push({ id: `email-${nextId++}` });
    });
    const response = { data, errors };
    if (key) keys.set(key, { body, response });
    if (fault?.kind === "lost-response") return new Response("Bad Gateway", { status: 502 });
    return Response.json(response);
  });
  return { delivered, calls, spy };
}

/** Runs the mailer's real queue handler on one batch and returns what it acked and retried. */
export async function deliver(
  messages: { id: string; attempts: number; body: unknown }[],
  menv = mailerEnv(),
  queueName = "paperboy-mail",
) {
  const batch = createMessageBatch(
    queueName,
    messages.map((m) => ({ ...m, timestamp: new Date() })),
  );
  const ctx = createExecutionContext();
  // getQueueResult does not report delaySeconds: a thin wrapper records them on the way through.
  const delays = new Map<string, number | undefined>();
  const seen: MessageBatch = {
    queue: batch.queue,
    metadata: batch.metadata,
    messages: batch.messages.map((m) => ({
      id: m.id,
      timestamp: m.timestamp,
      body: m.body,
      attempts: m.attempts,
      ack: () => m.ack(),
      retry: (options?: QueueRetryOptions) => {
        delays.set(m.id, options?.delaySeconds);
        m.retry(options);
      },
    })),
    ackAll: () => batch.ackAll(),
    retryAll: (options?: QueueRetryOptions) => batch.retryAll(options),
  };
  await queue(seen, menv);
  const result = await getQueueResult(batch, ctx);
  return {
    ...result,
    retryMessages: result.retryMessages.map((r) => ({ msgId: r.msgId, delaySeconds: delays.get(r.msgId) })),
  };
}

/**
 * Plays the queue: batches of up to 100; acked messages leave, retried ones come back with
 * attempts + 1, until the queue is empty or a message passes max attempts (then it is counted as
 * dead-lettered). Each round the clock moves on by the longest delay asked for, so that the
 * retried messages come back no earlier than their delay, as Queues redelivers them (the test
 * fakes Date; see vi.useFakeTimers).
 */
export async function drain(bodies: unknown[], menv = mailerEnv(), maxAttempts = MAX_RETRIES + 1) {
  let pending = bodies.map((body, i) => ({ id: `m${i}`, attempts: 1, body }));
  const delays: number[] = [];
  const dead: unknown[] = [];
  let batches = 0;
  let elapsedSeconds = 0;
  while (pending.length) {
    const next: typeof pending = [];
    let wait = 0;
    for (const batch of chunk(pending, 100)) {
      batches++;
      const result = await deliver(batch, menv);
      const acked = new Set(result.explicitAcks);
      for (const retry of result.retryMessages) {
        delays.push(retry.delaySeconds ?? 0);
        wait = Math.max(wait, retry.delaySeconds ?? 0);
      }
      const retried = new Set(result.retryMessages.map((r) => r.msgId));
      for (const m of batch) {
        if (acked.has(m.id)) continue;
        if (!retried.has(m.id)) throw new Error(`message ${m.id} was neither acked nor retried`);
        if (m.attempts + 1 > maxAttempts) dead.push(m.body);
        else next.push({ ...m, attempts: m.attempts + 1 });
      }
    }
    if (vi.isFakeTimers()) vi.setSystemTime(Date.now() + wait * 1000);
    elapsedSeconds += wait;
    pending = next;
  }
  return { delays, dead, batches, elapsedSeconds };
}

export const DAY = "2026-06-12";

/** n featured papers on `day`: even ones in cs.LG, odd ones in cs.CL; "diffusion" in every third title. */
export async function seedPapers(n = 30, day = DAY) {
  const db = createDb(env.DB);
  const rows = Array.from({ length: n }, (_, i) => ({
    id: `2606.${String(10000 + i)}`,
    version: 1,
    title: `Paper ${i}${i % 3 === 0 ? " on diffusion" : ""}`,
    abstract: `Abstract of paper ${i}.`,
    authors: ["Ada Lovelace", "Alan Turing"],
    categories: [i % 2 === 0 ? "cs.LG" : "cs.CL"],
    primaryCategory: i % 2 === 0 ? "cs.LG" : "cs.CL",
    published: `${day}T00:00:00Z`,
    updated: `${day}T00:00:00Z`,
  }));
  for (const part of chunk(rows, rowsPerStatement(Object.keys(getTableColumns(papers)).length)))
    await db.insert(papers).values(part).onConflictDoNothing();
  const entries = rows.map((p, i) => ({ paperId: p.id, day, source: "hf-daily" as const, upstreamUpvotes: 100 - i }));
  for (const part of chunk(entries, rowsPerStatement(Object.keys(getTableColumns(dailyEntries)).length))) {
    await db.insert(dailyEntries).values(part).onConflictDoNothing();
  }
}

export type SeedSubscriber = {
  email: string;
  status?: "pending" | "confirmed" | "unsubscribed";
  frequency?: "daily" | "weekly";
  categories?: string[];
  keywords?: string[];
  suppressed?: boolean;
};

export async function seedSubscribers(list: SeedSubscriber[]) {
  const db = createDb(env.DB);
  const rows = list.map((s) => ({
    id: crypto.randomUUID(),
    email: s.email,
    status: s.status ?? "confirmed",
    frequency: s.frequency ?? "daily",
    categories: s.categories ?? [],
    keywords: s.keywords ?? [],
  }));
  for (const part of chunk(rows, rowsPerStatement(Object.keys(getTableColumns(subscribers)).length)))
    await db.insert(subscribers).values(part);
  const suppressed = await Promise.all(
    list
      .filter((s) => s.suppressed)
      .map(async (s) => ({
        emailHash: await suppressionHash(env.SUPPRESSION_SECRET, s.email),
        reason: "bounced" as const,
      })),
  );
  for (const part of chunk(suppressed, 45)) await db.insert(suppressions).values(part);
  return rows;
}
