import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { deliveries, mailDeadLetters, subscribers, suppressions } from "#shared/db/schema";
import { suppressionHash } from "#shared/mail/address";
import { enqueueDigests, enqueueDueDigests } from "#shared/mail/digest-schedule";
import { claimForSending } from "#shared/mail/ledger";
import { MAX_RETRIES } from "../../workers/mailer/src/env";
import { backoffSeconds, LEASE_MS } from "../../workers/mailer/src/retry-policy";
import mailerToml from "../../workers/mailer/wrangler.toml?raw";
import { request } from "../support/request";
import {
  captureQueue,
  deliver,
  drain,
  type Fault,
  mailerEnv,
  seedPapers,
  seedSubscribers,
  stubResend,
} from "./mail-support";

const PERIOD = "daily:2026-06-12";
const db = () => createDb(env.DB);
const digest = (subscriberId: string, period = PERIOD) => ({ kind: "digest", subscriberId, period });
const ledgerRow = (subscriberId: string, period = PERIOD) =>
  env.DB.prepare("SELECT * FROM deliveries WHERE subscriber_id = ? AND period = ?")
    .bind(subscriberId, period)
    .first<{ status: string; detail: string | null; idempotency_key: string | null; attempts: number }>();

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-06-13T06:20:00Z"));
  // The pacer's slots are in the faked time of the test before: start afresh.
  await env.DB.batch(
    ["subscribers", "suppressions", "mail_dead_letters", "send_pacer"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
  );
  await seedPapers(12);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("retry policy", () => {
  it("keeps max_retries in the mailer's wrangler.toml equal to MAX_RETRIES, and names the dead-letter queue", () => {
    expect(mailerToml).toMatch(new RegExp(`\\nmax_retries = ${MAX_RETRIES}\\n`));
    expect(mailerToml).toMatch(/\ndead_letter_queue = "paperboy-mail-dlq"\n/);
    expect(mailerToml).toMatch(/\[\[queues\.consumers\]\]\nqueue = "paperboy-mail-dlq"/);
  });

  it("backs off exponentially with jitter under a cap, and the retries cover a 30-minute outage at the least", () => {
    const low = () => 0;
    const high = () => 0.999999;
    let shortest = 0;
    for (let attempts = 1; attempts <= MAX_RETRIES; attempts++) {
      const [a, b] = [backoffSeconds(attempts, undefined, low), backoffSeconds(attempts, undefined, high)];
      expect(a).toBeLessThanOrEqual(b);
      expect(b).toBeLessThanOrEqual(900);
      shortest += a;
    }
    expect(shortest).toBeGreaterThanOrEqual(30 * 60);
    // A Retry-After longer than the backoff wins.
    expect(backoffSeconds(1, 120, low)).toBe(120);
  });
});

describe("an invocation that dies after claiming its rows", () => {
  it("is taken over by a redelivery scheduled after the lease lapses, and the digest goes out once", async () => {
    const [sub] = await seedSubscribers([{ email: "claimed@example.com" }]);
    const stub = stubResend();
    // The dead invocation claimed the row and never settled it.
    await claimForSending(
      env.DB,
      [{ subscriberId: sub!.id, period: PERIOD }],
      "paperboy-dead-call",
      Date.now() + LEASE_MS,
    );
    const first = await deliver([{ id: "a", attempts: 1, body: digest(sub!.id) }]);
    expect(stub.calls).toHaveLength(0);
    const [retry] = first.retryMessages;
    expect(retry!.delaySeconds! * 1000).toBeGreaterThanOrEqual(LEASE_MS);
    vi.setSystemTime(Date.now() + retry!.delaySeconds! * 1000);
    const second = await deliver([{ id: "a", attempts: 2, body: digest(sub!.id) }]);
    expect(second.explicitAcks).toEqual(["a"]);
    expect(stub.delivered.get("claimed@example.com")).toHaveLength(1);
    // The dead call's key is reused: had it reached Resend, Resend would answer from its store.
    expect(stub.calls[0]!.key).toBe("paperboy-dead-call");
    expect((await ledgerRow(sub!.id))!.status).toBe("sent");
  });

  it("acks a held message at once when the other invocation settles it meanwhile", async () => {
    const [sub] = await seedSubscribers([{ email: "settled@example.com" }]);
    stubResend();
    await env.DB.prepare("INSERT INTO deliveries (subscriber_id, period, status) VALUES (?, ?, 'sent')")
      .bind(sub!.id, PERIOD)
      .run();
    const result = await deliver([{ id: "a", attempts: 1, body: digest(sub!.id) }]);
    expect(result.explicitAcks).toEqual(["a"]);
  });

  it("is picked up again by the hourly schedule when a row stays queued or sending past its lease", async () => {
    const subs = await seedSubscribers(
      ["stuck-queued", "stuck-sending", "live-lease", "recent", "sent"].map((n) => ({ email: `${n}@example.com` })),
    );
    const insert = (i: number, status: string, leaseUntil: number | null, updatedAt: string) =>
      env.DB.prepare(
        "INSERT INTO deliveries (subscriber_id, period, status, lease_until, updated_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?)",
      )
        .bind(subs[i]!.id, PERIOD, status, leaseUntil, updatedAt, status === "sending" ? "paperboy-k" : null)
        .run();
    const at = new Date("2026-06-13T09:15:00Z");
    await insert(0, "queued", null, "2026-06-13T06:15:00.000Z");
    await insert(1, "sending", at.getTime() - 3_600_000, "2026-06-13T06:16:00.000Z");
    await insert(2, "sending", at.getTime() + 2 * 3_600_000, "2026-06-13T06:16:00.000Z");
    await insert(3, "sending", null, "2026-06-13T09:00:00.000Z");
    await insert(4, "sent", null, "2026-06-13T06:16:00.000Z");
    const q = captureQueue();
    const outcome = await enqueueDueDigests({ DB: env.DB, MAIL_QUEUE: q.queue }, at);
    expect(outcome.find((o) => o.period === PERIOD)).toEqual({ period: PERIOD, enqueued: 2 });
    expect(new Set(q.sent.filter((m) => (m as { period: string }).period === PERIOD))).toEqual(
      new Set([digest(subs[0]!.id), digest(subs[1]!.id)]),
    );
    // Requeued rows count as fresh: the next run leaves them to their new messages.
    const again = captureQueue();
    await enqueueDueDigests({ DB: env.DB, MAIL_QUEUE: again.queue }, new Date(at.getTime() + 30 * 60_000));
    expect(again.sent).toEqual([]);
  });
});

describe("the dead-letter queue", () => {
  const admin = (path: string, init: RequestInit = {}, q = captureQueue()) =>
    request(
      `https://paperboy.test${path}`,
      { ...init, headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" } },
      { queue: q },
    );

  it("records every dead letter with its last error, marks the delivery failed, and a curator re-drives it", async () => {
    const [sub, other] = await seedSubscribers([{ email: "dead@example.com" }, { email: "dead2@example.com" }]);
    await env.DB.prepare(
      "INSERT INTO deliveries (subscriber_id, period, status, attempts, detail) VALUES (?, ?, 'sending', 11, 'dead-lettered after attempt 11: internal_server_error: boom')",
    )
      .bind(sub!.id, PERIOD)
      .run();
    const result = await deliver(
      [
        { id: "d1", attempts: 1, body: digest(sub!.id) },
        {
          id: "d2",
          attempts: 1,
          body: { kind: "confirm", subscriberId: other!.id, requestedAt: "2026-06-13T06:00:00.000Z" },
        },
        { id: "d3", attempts: 1, body: "not a mail message" },
      ],
      mailerEnv(),
      "paperboy-mail-dlq",
    );
    expect(result.explicitAcks.sort()).toEqual(["d1", "d2", "d3"]);
    const letters = await db().select().from(mailDeadLetters);
    expect(letters).toHaveLength(3);
    expect(letters.find((l) => l.messageId === "d1")).toMatchObject({
      source: "dead-letter-queue",
      attempts: 11,
      error: "dead-lettered after attempt 11: internal_server_error: boom",
      redrivenAt: null,
    });
    expect(letters.find((l) => l.messageId === "d3")).toMatchObject({
      body: "not a mail message",
      error: expect.stringMatching(/not a mail message|invalid/i),
    });
    expect(await ledgerRow(sub!.id)).toMatchObject({
      status: "failed",
      detail: "dead-lettered after attempt 11: internal_server_error: boom",
    });

    const unauthorised = await request("https://paperboy.test/admin/dead-letters");
    expect(unauthorised.status).toBe(401);
    const list = await admin("/admin/dead-letters");
    expect(list.status).toBe(200);
    expect(((await list.json()) as { deadLetters: unknown[] }).deadLetters).toHaveLength(3);

    const q = captureQueue();
    const redrive = await admin(
      "/admin/dead-letters/redrive",
      { method: "POST", body: JSON.stringify({ ids: [letters.find((l) => l.messageId === "d1")!.id] }) },
      q,
    );
    expect(await redrive.json()).toEqual({ redriven: 1, unparseable: 0 });
    expect(q.sent).toEqual([digest(sub!.id)]);
    expect((await ledgerRow(sub!.id))!.status).toBe("queued");
    const stub = stubResend();
    expect((await deliver([{ id: "again", attempts: 1, body: q.sent[0] }])).explicitAcks).toEqual(["again"]);
    expect(stub.delivered.get("dead@example.com")).toHaveLength(1);

    // The rest at once; the unparseable one is counted, not sent; nothing is re-driven twice.
    const rest = captureQueue();
    const all = await admin("/admin/dead-letters/redrive", { method: "POST", body: "{}" }, rest);
    expect(await all.json()).toEqual({ redriven: 1, unparseable: 1 });
    expect(rest.sent).toHaveLength(1);
    const bad = await admin("/admin/dead-letters/redrive", { method: "POST", body: JSON.stringify({ ids: ["x"] }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_request" });
  });
});

describe("a Resend outage longer than a minute", () => {
  it("dead-letters nothing over a 30-minute outage (429s asking for a minute, then 500s); everyone gets one digest", async () => {
    const subs = await seedSubscribers(Array.from({ length: 150 }, (_, i) => ({ email: `outage${i}@example.com` })));
    const start = Date.now();
    const stub = stubResend(() => {
      const elapsed = Date.now() - start;
      if (elapsed < 10 * 60_000) return { kind: "429", retryAfter: 60 };
      if (elapsed < 30 * 60_000) return { kind: "500" };
      return undefined;
    });
    const run = await drain(subs.map((s) => digest(s.id)));
    expect(run.dead).toEqual([]);
    expect(run.elapsedSeconds).toBeGreaterThanOrEqual(30 * 60);
    expect(stub.calls.some((c) => c.fault === "429")).toBe(true);
    for (const s of subs) expect(stub.delivered.get(s.email)).toHaveLength(1);
  }, 30_000);
});

describe("duplicates", () => {
  it("mails a digest once when its message comes twice in one batch", async () => {
    const [sub] = await seedSubscribers([{ email: "twice@example.com" }]);
    const stub = stubResend();
    const result = await deliver([
      { id: "a", attempts: 1, body: digest(sub!.id) },
      { id: "b", attempts: 1, body: digest(sub!.id) },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["a", "b"]);
    expect(stub.delivered.get("twice@example.com")).toHaveLength(1);
  });

  it("enqueues each (subscriber, period) once when two enqueue runs overlap", async () => {
    await seedSubscribers(Array.from({ length: 250 }, (_, i) => ({ email: `overlap${i}@example.com` })));
    const q = captureQueue();
    const run = () => enqueueDigests({ DB: env.DB, MAIL_QUEUE: q.queue }, "daily", PERIOD);
    const outcomes = await Promise.all([run(), run(), run()]);
    expect(outcomes.reduce((n, o) => n + o.enqueued, 0)).toBe(250);
    expect(q.sent).toHaveLength(250);
    expect(new Set(q.sent.map((m) => JSON.stringify(m))).size).toBe(250);
  });
});

describe("confirmation mails", () => {
  it("are not sent to a bounced, complained or erased address", async () => {
    const subs = await seedSubscribers(
      ["bounced", "complained", "erased"].map((n) => ({ email: `${n}@example.com`, status: "pending" as const })),
    );
    for (const reason of ["bounced", "complained", "erased"] as const)
      await db()
        .insert(suppressions)
        .values({ emailHash: await suppressionHash(env.SUPPRESSION_SECRET, `${reason}@example.com`), reason });
    const stub = stubResend();
    const requestedAt = "2026-06-13T06:00:00.000Z";
    const result = await deliver(
      subs.map((s, i) => ({ id: `c${i}`, attempts: 1, body: { kind: "confirm", subscriberId: s.id, requestedAt } })),
    );
    expect(result.explicitAcks.sort()).toEqual(["c0", "c1", "c2"]);
    expect(stub.calls).toHaveLength(0);
    expect(await ledgerRow(subs[0]!.id, `confirm:${requestedAt}`)).toMatchObject({
      status: "skipped",
      detail: "address is suppressed",
    });
  });

  it("are mailed once when the answer is lost and the retry comes in another batch", async () => {
    const [a, b] = await seedSubscribers([
      { email: "confirm-a@example.com", status: "pending" },
      { email: "confirm-b@example.com", status: "pending" },
    ]);
    const stub = stubResend((call) => (call === 1 ? { kind: "lost-response" } : undefined));
    const confirmA = { kind: "confirm", subscriberId: a!.id, requestedAt: "2026-06-13T06:00:00.000Z" };
    const confirmB = { kind: "confirm", subscriberId: b!.id, requestedAt: "2026-06-13T06:00:01.000Z" };
    const first = await deliver([{ id: "a", attempts: 1, body: confirmA }]);
    expect(first.retryMessages.map((r) => r.msgId)).toEqual(["a"]);
    const second = await deliver([
      { id: "b", attempts: 1, body: confirmB },
      { id: "a", attempts: 2, body: confirmA },
    ]);
    expect(second.explicitAcks.sort()).toEqual(["a", "b"]);
    expect(stub.delivered.get("confirm-a@example.com")).toHaveLength(1);
    expect(stub.delivered.get("confirm-b@example.com")).toHaveLength(1);
  });
});

describe("an erasure or unsubscribe while a send is in flight", () => {
  it("does not break the ledger writes of the other recipients of that call", async () => {
    const subs = await seedSubscribers(
      ["keep1", "erase", "unsub", "keep2"].map((n) => ({ email: `${n}@example.com` })),
    );
    stubResend(async (call) => {
      if (call === 1) {
        // The person erases their data and another unsubscribes while Resend is answering.
        await env.DB.batch([
          env.DB.prepare("DELETE FROM subscribers WHERE email = 'erase@example.com'"),
          env.DB.prepare("UPDATE subscribers SET status = 'unsubscribed' WHERE email = 'unsub@example.com'"),
        ]);
      }
      return undefined;
    });
    const result = await deliver(subs.map((s, i) => ({ id: `m${i}`, attempts: 1, body: digest(s.id) })));
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3"]);
    expect((await ledgerRow(subs[0]!.id))!.status).toBe("sent");
    expect((await ledgerRow(subs[3]!.id))!.status).toBe("sent");
    expect(await ledgerRow(subs[1]!.id)).toBeNull();
  });
});

describe("a period key that parses but does not exist", () => {
  it("is acked with a recorded error, and the other messages of the batch still go out", async () => {
    const [weekly, daily] = await seedSubscribers([
      { email: "fine@example.com", frequency: "weekly" },
      { email: "daily@example.com" },
    ]);
    const stub = stubResend();
    const result = await deliver([
      { id: "w53", attempts: 1, body: digest(weekly!.id, "weekly:2021-W53") },
      { id: "feb30", attempts: 1, body: digest(daily!.id, "daily:2026-02-30") },
      { id: "ok", attempts: 1, body: digest(weekly!.id, "weekly:2026-W24") },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["feb30", "ok", "w53"]);
    expect(result.retryBatch.retry).toBe(false);
    expect(stub.delivered.get("fine@example.com")).toHaveLength(1);
    const letters = await db().select().from(mailDeadLetters);
    expect(letters.map((l) => [l.messageId, l.source])).toEqual(
      expect.arrayContaining([
        ["w53", "invalid-message"],
        ["feb30", "invalid-message"],
      ]),
    );
    expect(letters.find((l) => l.messageId === "w53")!.error).toMatch(/period/);
  });
});

describe("a ledger row whose period no key names", () => {
  it("is skipped with its reason when a replay brings it in, and the rest of the call still goes out", async () => {
    const [odd, daily] = await seedSubscribers([
      { email: "odd@example.com", frequency: "weekly" },
      { email: "replayed@example.com" },
    ]);
    // Written by hand (a migration, a console): a week 2021 does not have, under the key of a call of unknown outcome.
    const insert = env.DB.prepare(
      "INSERT INTO deliveries (subscriber_id, period, status, idempotency_key, attempts) VALUES (?, ?, 'sending', 'paperboy-by-hand', 1)",
    );
    await env.DB.batch([insert.bind(odd!.id, "weekly:2021-W53"), insert.bind(daily!.id, PERIOD)]);
    const stub = stubResend();
    const result = await deliver([{ id: "r", attempts: 2, body: digest(daily!.id) }]);
    expect(result.explicitAcks).toEqual(["r"]);
    expect(result.retryBatch.retry).toBe(false);
    expect(stub.calls).toMatchObject([{ key: "paperboy-by-hand", size: 1 }]);
    expect((await ledgerRow(daily!.id))!.status).toBe("sent");
    expect(await ledgerRow(odd!.id, "weekly:2021-W53")).toMatchObject({
      status: "skipped",
      detail: "not a digest period: weekly:2021-W53",
    });
  });
});

describe("the suppression list", () => {
  it("keeps suppressing addresses hashed under the previous secret after a rotation", async () => {
    const [sub] = await seedSubscribers([{ email: "rotated@example.com" }]);
    const old = "the-old-suppression-secret-000000";
    await db()
      .insert(suppressions)
      .values({ emailHash: await suppressionHash(old, "rotated@example.com"), reason: "complained" });
    const stub = stubResend();
    await deliver([{ id: "r", attempts: 1, body: digest(sub!.id) }], mailerEnv({ SUPPRESSION_SECRET_PREVIOUS: old }));
    expect(stub.calls).toHaveLength(0);
    expect(await ledgerRow(sub!.id)).toMatchObject({ status: "skipped", detail: "address is suppressed" });
    // Without the previous secret configured, the old row no longer matches: rotation must keep it.
    await db().delete(deliveries);
    await deliver([{ id: "r", attempts: 1, body: digest(sub!.id) }]);
    expect(stub.delivered.get("rotated@example.com")).toHaveLength(1);
  });
});

describe("1,000 subscribers through every fault at once", () => {
  it("loses no digest and sends none twice", async () => {
    const people = await seedSubscribers(Array.from({ length: 1000 }, (_, i) => ({ email: `crowd${i}@example.com` })));
    const start = Date.now();
    const faults: Record<number, Fault> = {
      2: { kind: "lost-response" },
      3: { kind: "timeout" },
      5: { kind: "in-progress" },
    };
    const erased = "crowd7@example.com";
    const stub = stubResend(async (call) => {
      if (call === 4) await env.DB.prepare("DELETE FROM subscribers WHERE email = ?").bind(erased).run();
      if (Date.now() - start > 60_000 && Date.now() - start < 32 * 60_000) return { kind: "500" };
      return faults[call];
    });
    // Three overlapping enqueue runs; then, as if a run crashed after its sendBatch, the first
    // hundred rows are requeued by hand too, so their messages come twice.
    const q = captureQueue();
    await Promise.all([1, 2, 3].map(() => enqueueDigests({ DB: env.DB, MAIL_QUEUE: q.queue }, "daily", PERIOD)));
    expect(q.sent).toHaveLength(1000);
    const bodies = [...q.sent.slice(0, 100).flatMap((m) => [m, m]), ...q.sent.slice(100)];
    // An invocation claimed the next hundred and died.
    await claimForSending(
      env.DB,
      q.sent.slice(100, 200).map((m) => m as { subscriberId: string; period: string }),
      "paperboy-died",
      Date.now() + LEASE_MS,
    );

    const run = await drain(bodies);
    expect(run.dead).toEqual([]);
    const duplicates = people.filter((p) => (stub.delivered.get(p.email)?.length ?? 0) > 1).map((p) => p.email);
    const lost = people
      .filter((p) => p.email !== erased && (stub.delivered.get(p.email)?.length ?? 0) === 0)
      .map((p) => p.email);
    expect({ duplicates, lost }).toEqual({ duplicates: [], lost: [] });
    const ledger = await db().select({ status: deliveries.status }).from(deliveries);
    expect(ledger.every((r) => r.status === "sent")).toBe(true);
    expect(ledger).toHaveLength(999);
    expect(await db().select().from(subscribers).where(eq(subscribers.email, erased)).get()).toBeUndefined();
  }, 60_000);
});
