import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { deliveries, subscribers, suppressions } from "#shared/db/schema";
import { suppressionHash } from "#shared/mail/address";
import { enqueueDigests } from "#shared/mail/digest-schedule";
import { MAX_RETRIES } from "../../workers/mailer/src/env";
import { emptyDatabase } from "../support/database";
import {
  captureQueue,
  deliver,
  drain,
  type Fault,
  mailerEnv,
  type SeedSubscriber,
  seedPapers,
  seedSubscribers,
  stubResend,
} from "./mail-support";

const enqueue = (queue: Queue) =>
  enqueueDigests({ DB: env.DB, MAIL_QUEUE: queue }, "daily", "daily:2026-06-12", new Date("2026-06-13T06:00:00Z"));
beforeEach(async () => {
  await emptyDatabase();
  // Digests of 2026-06-12 and of its week 2026-W24 draw on these.
  await seedPapers(30);
});
afterEach(() => vi.restoreAllMocks());

describe("digests for 1,200 subscribers through the queue and a faulty Resend", () => {
  let people: (SeedSubscriber & { expect: "one" | "none" })[] = [];
  beforeEach(async () => {
    people = [];
    for (let i = 0; i < 1000; i++) {
      // One in fifty asks for something no paper of the day has: an empty digest is not sent.
      const noMatch = i % 50 === 3;
      const filters = noMatch
        ? { keywords: ["quantum gravity"] }
        : i % 4 === 1
          ? { categories: ["cs.CL"] }
          : i % 4 === 2
            ? { keywords: ["Diffusion"] }
            : {};
      people.push({ email: `reader${i}@example.com`, ...filters, expect: noMatch ? "none" : "one" });
    }
    for (let i = 0; i < 60; i++) people.push({ email: `gone${i}@example.com`, status: "unsubscribed", expect: "none" });
    for (let i = 0; i < 40; i++) people.push({ email: `pending${i}@example.com`, status: "pending", expect: "none" });
    for (let i = 0; i < 40; i++) people.push({ email: `bounced${i}@example.com`, suppressed: true, expect: "none" });
    for (let i = 0; i < 40; i++) people.push({ email: `weekly${i}@example.com`, frequency: "weekly", expect: "none" });
    for (let i = 0; i < 20; i++) people.push({ email: `invalid${i}@example.com`, expect: "none" });
    await seedSubscribers(people);
  });

  it("enqueues one message per confirmed daily subscriber, at most 100 per sendBatch, and none on a second run", async () => {
    const q = captureQueue();
    const outcome = await enqueue(q.queue);
    expect(outcome).toEqual({ period: "daily:2026-06-12", enqueued: 1060 });
    expect(q.sent).toHaveLength(1060);
    expect(Math.max(...q.batchSizes)).toBeLessThanOrEqual(100);
    const again = captureQueue();
    expect(await enqueue(again.queue)).toEqual({ period: "daily:2026-06-12", enqueued: 0 });
  });

  it("sends exactly one digest to every confirmed matching subscriber despite 429s, 500s, timeouts and duplicates", async () => {
    const db = createDb(env.DB);

    const faults: Record<number, Fault> = {
      2: { kind: "429", retryAfter: 30 },
      3: { kind: "429", retryAfter: 1 },
      4: { kind: "500" },
      5: { kind: "timeout" },
      6: { kind: "lost-response" },
    };
    const stub = stubResend((call) => faults[call]);
    const q = captureQueue();
    // Enqueue again as if the ledger write after sendBatch had been lost: every message twice.
    await db.delete(deliveries);
    await enqueue(q.queue);
    await db.delete(deliveries).where(eq(deliveries.status, "queued"));
    await enqueue(q.queue);
    expect(q.sent.length).toBe(2 * 1060);
    // Unsubscribing after the digest was enqueued still wins.
    await db.update(subscribers).set({ status: "unsubscribed" }).where(eq(subscribers.email, "reader0@example.com"));
    people.find((p) => p.email === "reader0@example.com")!.expect = "none";

    const run = await drain(q.sent);
    expect(run.dead).toEqual([]);

    for (const p of people) {
      const got = stub.delivered.get(p.email)?.length ?? 0;
      expect({ email: p.email, got }).toEqual({ email: p.email, got: p.expect === "one" ? 1 : 0 });
    }
    const sentCount = [...stub.delivered.values()].reduce((n, m) => n + m.length, 0);
    expect(sentCount).toBe(people.filter((p) => p.expect === "one").length);
    expect(stub.calls.every((c) => c.size <= 100 && c.key?.startsWith("paperboy-"))).toBe(true);
    // 429 with retry-after 30 went back to the queue with at least 30 s; 500s and timeouts after a
    // first attempt with 2 ** 4 = 16 s, jittered down to no less than half.
    expect(run.delays).toContain(30);
    expect(run.delays.filter((d) => d >= 8 && d <= 16).length).toBeGreaterThan(0);

    const ledger = await db.select().from(deliveries);
    const byStatus = ledger.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
      {},
    );
    // Skipped: the 40 suppressed, the 20 whose filters matched nothing and reader0, who
    // unsubscribed in between; failed: the 20 addresses Resend refused.
    expect(byStatus).toEqual({ sent: sentCount, skipped: 40 + 20 + 1, failed: 20 });
  }, 30_000);

  it("puts the digest's papers, filters and one-click unsubscribe headers into the mail", async () => {
    const stub = stubResend();
    const [sub] = await seedSubscribers([
      { email: "filters@example.com", categories: ["cs.CL"], keywords: ["diffusion"] },
    ]);
    await deliver([
      { id: "x", attempts: 1, body: { kind: "digest", subscriberId: sub!.id, period: "daily:2026-06-12" } },
    ]);
    const [mail] = stub.delivered.get("filters@example.com")!;
    // cs.CL papers are the odd ones; "diffusion" is in every third title: 3, 9, 15, 21, 27.
    expect(mail!.text.match(/^\d+\. .*$/gm)).toEqual([
      "1. Paper 3 on diffusion",
      "2. Paper 9 on diffusion",
      "3. Paper 15 on diffusion",
      "4. Paper 21 on diffusion",
      "5. Paper 27 on diffusion",
    ]);
    expect(mail!.subject).toBe("5 top ML papers of Jun 12, 2026");
    expect(mail!.headers!["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(mail!.headers!["List-Unsubscribe"]).toMatch(
      /^<https:\/\/paperboy\.test\/unsubscribe\?token=[\w-]+\.[\w-]+>$/,
    );
    expect(mail!.html).toContain('href="https://paperboy.test/papers/2606.10003"');
    expect(mail!.html).toContain("style=");
    expect(mail!.html).not.toContain("<img");
  });

  it("marks addresses Resend refuses per item as suppressed and does not retry them", async () => {
    const db = createDb(env.DB);
    stubResend();
    const q = captureQueue();
    await enqueue(q.queue);
    expect((await drain(q.sent)).dead).toEqual([]);
    const row = await db
      .select()
      .from(suppressions)
      .where(eq(suppressions.emailHash, await suppressionHash(env.SUPPRESSION_SECRET, "invalid3@example.com")))
      .get();
    expect(row?.reason).toBe("invalid");
  });
});

describe("one queue batch", () => {
  it("acks a redelivered message whose digest was already sent, without calling Resend", async () => {
    const [sub] = await seedSubscribers([{ email: "once@example.com" }]);
    const stub = stubResend();
    const body = { kind: "digest", subscriberId: sub!.id, period: "daily:2026-06-12" };
    expect((await deliver([{ id: "a", attempts: 1, body }])).explicitAcks).toEqual(["a"]);
    const again = await deliver([{ id: "b", attempts: 1, body }]);
    expect(again.explicitAcks).toEqual(["b"]);
    expect(stub.calls).toHaveLength(1);
    expect(stub.delivered.get("once@example.com")).toHaveLength(1);
  });

  it("retries each message after 2 ** (attempts + 3) seconds with jitter after a 500, and honours a longer retry-after", async () => {
    const subs = await seedSubscribers([{ email: "r1@example.com" }, { email: "r2@example.com" }]);
    let fault: Fault = { kind: "500" };
    stubResend(() => fault);
    const msgs = subs.map((s, i) => ({
      id: `r${i}`,
      attempts: 3,
      body: { kind: "digest", subscriberId: s.id, period: "daily:2026-06-12" },
    }));
    const result = await deliver(msgs);
    expect(result.explicitAcks).toEqual([]);
    // Attempt 3: 2 ** 6 = 64 s, half of it fixed and half random.
    expect(result.retryMessages.map((r) => r.msgId)).toEqual(["r0", "r1"]);
    for (const r of result.retryMessages)
      expect(r.delaySeconds).toBeGreaterThanOrEqual(32), expect(r.delaySeconds).toBeLessThanOrEqual(64);
    expect(result.retryBatch.retry).toBe(false);
    fault = { kind: "429", retryAfter: 60 };
    const limited = await deliver(msgs.map((m) => ({ ...m, attempts: 1 })));
    expect(limited.retryMessages.map((r) => r.delaySeconds)).toEqual([60, 60]);
    const ledger = await createDb(env.DB)
      .select()
      .from(deliveries)
      .where(eq(deliveries.subscriberId, subs[0]!.id))
      .get();
    expect(ledger).toMatchObject({ status: "sending", leaseUntil: null });
    expect(ledger!.detail).toMatch(/rate_limit_exceeded/);
  });

  it("treats Resend's 409 for a reused key as already sent", async () => {
    const [sub] = await seedSubscribers([{ email: "accepted@example.com" }]);
    const stub = stubResend((call) => (call === 1 ? { kind: "lost-response" } : undefined));
    const body = { kind: "digest", subscriberId: sub!.id, period: "daily:2026-06-12" };
    const first = await deliver([{ id: "a", attempts: 1, body }]);
    expect(first.retryMessages.map((m) => m.msgId)).toEqual(["a"]);
    // Papers changed meanwhile, so the same key now comes with other bytes.
    await env.DB.prepare(
      "UPDATE daily_entries SET upstream_upvotes = upstream_upvotes + 1000 WHERE paper_id = '2606.10004'",
    ).run();
    const second = await deliver([{ id: "a", attempts: 2, body }]);
    expect(second.explicitAcks).toEqual(["a"]);
    expect(stub.delivered.get("accepted@example.com")).toHaveLength(1);
    const ledger = await createDb(env.DB).select().from(deliveries).where(eq(deliveries.subscriberId, sub!.id)).get();
    expect(ledger?.status).toBe("sent");
  });

  it("leaves a digest another invocation is sending to that invocation", async () => {
    const [sub] = await seedSubscribers([{ email: "leased@example.com" }]);
    const stub = stubResend();
    await env.DB.prepare(
      "INSERT INTO deliveries (subscriber_id, period, status, lease_until) VALUES (?, 'daily:2026-06-12', 'sending', ?)",
    )
      .bind(sub!.id, Date.now() + 60_000)
      .run();
    const result = await deliver([
      { id: "a", attempts: 1, body: { kind: "digest", subscriberId: sub!.id, period: "daily:2026-06-12" } },
    ]);
    // It comes back when the other invocation's lease has lapsed, to take the row over if it died.
    expect(result.retryMessages).toHaveLength(1);
    expect(result.retryMessages[0]!.delaySeconds).toBeGreaterThanOrEqual(60);
    expect(result.retryMessages[0]!.delaySeconds).toBeLessThanOrEqual(70);
    expect(stub.calls).toHaveLength(0);
  });

  it("acks a malformed message instead of retrying it forever", async () => {
    stubResend();
    const result = await deliver([
      { id: "bad", attempts: 1, body: { kind: "digest", subscriberId: "", period: "yesterday" } },
    ]);
    expect(result.explicitAcks).toEqual(["bad"]);
  });

  it("writes to the outbox instead of Resend when there is no key and DEV_MODE is on", async () => {
    const [sub] = await seedSubscribers([{ email: "local@example.com", status: "pending" }]);
    const stub = stubResend();
    const result = await deliver(
      [
        {
          id: "c",
          attempts: 1,
          body: { kind: "confirm", subscriberId: sub!.id, requestedAt: new Date().toISOString() },
        },
      ],
      mailerEnv({ RESEND_API_KEY: undefined, DEV_MODE: "true" }),
    );
    expect(result.explicitAcks).toEqual(["c"]);
    expect(stub.calls).toHaveLength(0);
    const mail = await env.DB.prepare("SELECT * FROM outbox WHERE \"to\" = 'local@example.com'").first<{
      subject: string;
      text: string;
    }>();
    expect(mail?.subject).toBe("Confirm your Paperboy subscription");
    expect(mail?.text).toMatch(/https:\/\/paperboy\.test\/subscribe\/confirm\?token=/);
  });

  it("refuses to run without a Resend key outside DEV_MODE, so nothing is acked", async () => {
    stubResend();
    await expect(
      deliver(
        [{ id: "d", attempts: 1, body: { kind: "confirm", subscriberId: "x", requestedAt: new Date().toISOString() } }],
        mailerEnv({ RESEND_API_KEY: undefined }),
      ),
    ).rejects.toThrow(/RESEND_API_KEY/);
  });

  it("replays a call of unknown outcome with all its members, even those whose messages are elsewhere", async () => {
    const subs = await seedSubscribers([
      { email: "g1@example.com" },
      { email: "g2@example.com" },
      { email: "g3@example.com" },
    ]);
    const stub = stubResend((call) =>
      call === 1 ? { kind: "500" } : call === 2 ? { kind: "lost-response" } : undefined,
    );
    const msgs = subs.map((sub, i) => ({
      id: `g${i}`,
      attempts: 1,
      body: { kind: "digest", subscriberId: sub.id, period: "daily:2026-06-12" },
    }));
    await deliver(msgs); // 500: nothing sent, the key stays for a replay
    await deliver(msgs.map((m) => ({ ...m, attempts: 2 }))); // sent, but the answer was lost
    expect(new Set(stub.calls.map((c) => c.key)).size).toBe(1);
    // Only the first message comes back; the call is replayed whole, under the same key.
    const replay = await deliver([{ ...msgs[0]!, attempts: 3 }]);
    expect(replay.explicitAcks).toEqual(["g0"]);
    expect(stub.calls.at(-1)).toMatchObject({ key: stub.calls[0]!.key, size: 3 });
    const rest = await deliver(msgs.slice(1).map((m) => ({ ...m, attempts: 3 })));
    expect(rest.explicitAcks).toEqual(["g1", "g2"]);
    expect(stub.calls).toHaveLength(3);
    for (const e of ["g1@example.com", "g2@example.com", "g3@example.com"])
      expect(stub.delivered.get(e)).toHaveLength(1);
  });

  it("records the dead-letter hand-off on the ledger after the last retry", async () => {
    const [sub] = await seedSubscribers([{ email: "doomed@example.com" }]);
    stubResend(() => ({ kind: "500" }));
    const result = await deliver([
      {
        id: "z",
        attempts: MAX_RETRIES + 1,
        body: { kind: "digest", subscriberId: sub!.id, period: "daily:2026-06-12" },
      },
    ]);
    expect(result.retryMessages.map((r) => r.msgId)).toEqual(["z"]);
    const row = await createDb(env.DB).select().from(deliveries).where(eq(deliveries.subscriberId, sub!.id)).get();
    expect(row).toMatchObject({ status: "sending" });
    expect(row!.detail).toMatch(/^dead-lettered after attempt 11: internal_server_error/);
  });

  it("sends a weekly subscriber the week's papers, and skips one who switched to daily after the enqueue", async () => {
    const [weekly, switched] = await seedSubscribers([
      { email: "weekly-reader@example.com", frequency: "weekly" },
      { email: "switched@example.com", frequency: "daily" },
    ]);
    const stub = stubResend();
    const body = (id: string) => ({ kind: "digest", subscriberId: id, period: "weekly:2026-W24" });
    const result = await deliver([
      { id: "w1", attempts: 1, body: body(weekly!.id) },
      { id: "w2", attempts: 1, body: body(switched!.id) },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["w1", "w2"]);
    const [mail] = stub.delivered.get("weekly-reader@example.com")!;
    expect(mail!.subject).toBe("10 top ML papers of Week 24 of 2026 (Jun 8 – Jun 14)");
    expect(stub.delivered.get("switched@example.com")).toBeUndefined();
    const row = await createDb(env.DB).select().from(deliveries).where(eq(deliveries.subscriberId, switched!.id)).get();
    expect(row).toMatchObject({ status: "skipped", detail: "subscriber now wants daily digests" });
  });

  it("mails a confirmed address its preferences link instead of a confirmation link", async () => {
    const [sub] = await seedSubscribers([{ email: "again@example.com" }]);
    const stub = stubResend();
    await deliver([
      {
        id: "c",
        attempts: 1,
        body: { kind: "confirm", subscriberId: sub!.id, requestedAt: "2026-06-12T10:00:00.000Z" },
      },
    ]);
    const [mail] = stub.delivered.get("again@example.com")!;
    expect(mail!.subject).toBe("You are already subscribed to Paperboy");
    expect(mail!.text).toContain("https://paperboy.test/preferences?token=");
    expect(mail!.text).not.toContain("/subscribe/confirm");
  });

  it("keeps the Idempotency-Key for a replay when the call may still send (409 in progress), and drops it after a 429", async () => {
    const [sub] = await seedSubscribers([{ email: "inflight@example.com" }]);
    let fault: Fault = { kind: "in-progress" };
    const stub = stubResend(() => fault);
    const msg = { id: "i", attempts: 1, body: { kind: "digest", subscriberId: sub!.id, period: "daily:2026-06-12" } };
    const ledgerRow = () =>
      createDb(env.DB).select().from(deliveries).where(eq(deliveries.subscriberId, sub!.id)).get();
    expect((await deliver([msg])).retryMessages.map((r) => r.msgId)).toEqual(["i"]);
    expect((await ledgerRow())!.idempotencyKey).toBe(stub.calls[0]!.key);
    fault = { kind: "429", retryAfter: 60 };
    await deliver([{ ...msg, attempts: 2 }]);
    expect((await ledgerRow())!.idempotencyKey).toBeNull();
  });
});
