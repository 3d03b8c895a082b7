import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { enqueueDueDigests, runDigestSchedule } from "#shared/mail/digest-schedule";
import { captureQueue, seedSubscribers } from "../../mail/mail-support";

const at = (iso: string) => new Date(iso);

describe("when digests fall due", () => {
  it("enqueues a due digest once, catching up a missed run, and not for subscribers confirmed after it fell due", async () => {
    await env.DB.prepare("DELETE FROM subscribers").run();
    const [early, late] = await seedSubscribers([{ email: "early@example.com" }, { email: "late@example.com" }]);
    await env.DB.prepare("UPDATE subscribers SET confirmed_at = ? WHERE id = ?")
      .bind("2026-06-01T00:00:00.000Z", early!.id)
      .run();
    await env.DB.prepare("UPDATE subscribers SET confirmed_at = ? WHERE id = ?")
      .bind("2026-06-13T07:00:00.000Z", late!.id)
      .run();
    // The 06:15 run of 2026-06-13 never happened; the next one, an hour later, sends it.
    const q = captureQueue();
    const outcome = await enqueueDueDigests({ DB: env.DB, MAIL_QUEUE: q.queue }, at("2026-06-13T07:15:00Z"));
    expect(outcome).toEqual([
      { period: "daily:2026-06-11", enqueued: 1 },
      { period: "daily:2026-06-12", enqueued: 1 },
    ]);
    expect(q.sent).toEqual([
      { kind: "digest", subscriberId: early!.id, period: "daily:2026-06-11" },
      { kind: "digest", subscriberId: early!.id, period: "daily:2026-06-12" },
    ]);
    const again = captureQueue();
    await enqueueDueDigests({ DB: env.DB, MAIL_QUEUE: again.queue }, at("2026-06-13T08:15:00Z"));
    expect(again.sent).toEqual([]);
  });
});

describe("the digest schedule", () => {
  it("deletes pending addresses whose confirmation link has expired, with their consent, and keeps the rest", async () => {
    await env.DB.prepare("DELETE FROM subscribers").run();
    const [stale, fresh, confirmed] = await seedSubscribers([
      { email: "stale@example.com", status: "pending" },
      { email: "fresh@example.com", status: "pending" },
      { email: "kept@example.com" },
    ]);
    await env.DB.prepare("UPDATE subscribers SET updated_at = '2026-06-01T00:00:00.000Z' WHERE id IN (?, ?)")
      .bind(stale!.id, confirmed!.id)
      .run();
    await env.DB.prepare("UPDATE subscribers SET updated_at = '2026-06-10T00:00:00.000Z' WHERE id = ?")
      .bind(fresh!.id)
      .run();
    await env.DB.prepare(
      "INSERT INTO consents (subscriber_id, form_text, given_at) VALUES (?, 'text', '2026-06-01T00:00:00.000Z')",
    )
      .bind(stale!.id)
      .run();
    const q = captureQueue();
    const outcome = await runDigestSchedule({ DB: env.DB, MAIL_QUEUE: q.queue }, at("2026-06-13T06:15:00Z"));
    expect(outcome.purged).toBe(1);
    const left = await env.DB.prepare("SELECT email FROM subscribers ORDER BY email").all<{ email: string }>();
    expect(left.results.map((r) => r.email)).toEqual(["fresh@example.com", "kept@example.com"]);
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM consents WHERE subscriber_id = ?")
        .bind(stale!.id)
        .first<{ n: number }>())!.n,
    ).toBe(0);
    expect(outcome.digests.map((d) => d.period)).toEqual(["daily:2026-06-11", "daily:2026-06-12"]);
  });
});
