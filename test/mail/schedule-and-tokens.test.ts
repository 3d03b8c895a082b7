import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dayPeriod, isoWeekOf, parseDigestKey, todayUtc } from "../../shared/domain/periods";
import { renderDigest } from "../../shared/mail/render";
import { signToken, verifyToken } from "../../shared/mail/tokens";
import { duePeriods, enqueueDueDigests, runDigestSchedule } from "../../shared/mail/digest-schedule";
import { pacedTransport, reserveSlot } from "../../workers/mailer/src/pacer";
import { captureQueue, seedSubscribers } from "./mail-support";

const at = (iso: string) => new Date(iso);
const periods = (iso: string) => duePeriods(at(iso)).map((p) => p.period);
const isoWeek = (time: Date) => isoWeekOf(todayUtc(time));
const periodDays = (key: string) => {
  const { from, to } = parseDigestKey(key)!.period;
  return { from, to };
};

describe("when digests fall due", () => {
  it("names ISO weeks and the days they cover, across a year boundary", () => {
    expect(isoWeek(at("2026-06-12T10:00:00Z"))).toBe("2026-W24");
    expect(isoWeek(at("2021-01-03T00:00:00Z"))).toBe("2020-W53");
    expect(periodDays("weekly:2026-W24")).toEqual({ from: "2026-06-08", to: "2026-06-14" });
    expect(periodDays("weekly:2020-W53")).toEqual({ from: "2020-12-28", to: "2021-01-03" });
    expect(periodDays("daily:2026-06-12")).toEqual({ from: "2026-06-12", to: "2026-06-12" });
  });

  it("makes yesterday's daily digest due from 06:00 UTC, not before, and keeps each due for 48 hours", () => {
    expect(periods("2026-06-13T05:59:00Z")).toEqual(["daily:2026-06-10", "daily:2026-06-11"]);
    expect(periods("2026-06-13T06:00:00Z")).toEqual(["daily:2026-06-11", "daily:2026-06-12"]);
  });

  it("makes last week's weekly digest due on Monday from 06:00 UTC and catches up for 48 hours", () => {
    // 2026-06-15 is a Monday; the week before is 2026-W24.
    expect(periods("2026-06-15T06:15:00Z")).toContain("weekly:2026-W24");
    expect(periods("2026-06-15T05:15:00Z")).not.toContain("weekly:2026-W24");
    expect(periods("2026-06-17T05:15:00Z")).toContain("weekly:2026-W24");
    expect(periods("2026-06-17T06:15:00Z")).not.toContain("weekly:2026-W24");
    expect(periods("2026-06-14T06:15:00Z").filter((p) => p.startsWith("weekly"))).toEqual([]);
  });

  it("enqueues a due digest once, catching up a missed run, and not for subscribers confirmed after it fell due", async () => {
    await env.DB.prepare("DELETE FROM subscribers").run();
    const [early, late] = await seedSubscribers([{ email: "early@example.com" }, { email: "late@example.com" }]);
    await env.DB.prepare("UPDATE subscribers SET confirmed_at = ? WHERE id = ?").bind("2026-06-01T00:00:00.000Z", early!.id).run();
    await env.DB.prepare("UPDATE subscribers SET confirmed_at = ? WHERE id = ?").bind("2026-06-13T07:00:00.000Z", late!.id).run();
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
    const [stale, fresh, confirmed] = await seedSubscribers([{ email: "stale@example.com", status: "pending" }, { email: "fresh@example.com", status: "pending" }, { email: "kept@example.com" }]);
    await env.DB.prepare("UPDATE subscribers SET updated_at = '2026-06-01T00:00:00.000Z' WHERE id IN (?, ?)").bind(stale!.id, confirmed!.id).run();
    await env.DB.prepare("UPDATE subscribers SET updated_at = '2026-06-10T00:00:00.000Z' WHERE id = ?").bind(fresh!.id).run();
    await env.DB.prepare("INSERT INTO consents (subscriber_id, form_text, given_at) VALUES (?, 'text', '2026-06-01T00:00:00.000Z')").bind(stale!.id).run();
    const q = captureQueue();
    const outcome = await runDigestSchedule({ DB: env.DB, MAIL_QUEUE: q.queue }, at("2026-06-13T06:15:00Z"));
    expect(outcome.purged).toBe(1);
    const left = await env.DB.prepare("SELECT email FROM subscribers ORDER BY email").all<{ email: string }>();
    expect(left.results.map((r) => r.email)).toEqual(["fresh@example.com", "kept@example.com"]);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM consents WHERE subscriber_id = ?").bind(stale!.id).first<{ n: number }>())!.n).toBe(0);
    expect(outcome.digests.map((d) => d.period)).toEqual(["daily:2026-06-11", "daily:2026-06-12"]);
  });
});

describe("signed tokens", () => {
  const secret = "a-secret-for-the-token-tests";

  it("verify for their purpose and subject until they expire", async () => {
    const now = Date.parse("2026-06-12T00:00:00Z");
    const t = await signToken(secret, "prefs", "sub-1", now);
    expect(await verifyToken(secret, "prefs", t, now + 1000)).toEqual({ ok: true, subject: "sub-1" });
    expect(await verifyToken(secret, "unsub", t, now)).toEqual({ ok: false, reason: "wrong_purpose" });
    expect(await verifyToken(secret, "prefs", t, now + 366 * 86_400_000)).toEqual({ ok: false, reason: "expired" });
    expect(await verifyToken("another-secret-of-length", "prefs", t, now)).toEqual({ ok: false, reason: "forged" });
  });

  it("refuse a changed subject or garbage", async () => {
    const t = await signToken(secret, "unsub", "sub-1");
    const [body, sig] = t.split(".");
    const claims = JSON.parse(atob(body!.replaceAll("-", "+").replaceAll("_", "/")));
    const forgedBody = btoa(JSON.stringify({ ...claims, s: "sub-2" })).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    expect(await verifyToken(secret, "unsub", `${forgedBody}.${sig}`)).toEqual({ ok: false, reason: "forged" });
    for (const junk of ["", ".", "a.b.c", "!!!.???", `${body}.`]) expect((await verifyToken(secret, "unsub", junk)).ok).toBe(false);
  });

  it("refuse to sign with a short secret", async () => {
    await expect(signToken("short", "prefs", "x")).rejects.toThrow(/at least 16/);
  });
});

describe("the send pacer", () => {
  it("hands out slots one interval apart, also to callers that ask at the same moment", async () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    const slots = await Promise.all(Array.from({ length: 5 }, () => reserveSlot(env.DB, "test-pacer", 200, now)));
    expect(slots.sort((a, b) => a - b)).toEqual([now, now + 200, now + 400, now + 600, now + 800]);
    // Idle for a while: the next slot is now, not in the past.
    expect(await reserveSlot(env.DB, "test-pacer", 200, now + 10_000)).toBe(now + 10_000);
  });

  it("waits for its slot before a call, and refuses a call like a 429 when the slot is too far away", async () => {
    await env.DB.prepare("DELETE FROM send_pacer").run();
    const calls: string[] = [];
    const slept: number[] = [];
    const inner = { sendBatch: async (_: unknown[], key: string) => (calls.push(key), { ok: true as const, items: [] }) };
    // 1 request a second: the first call goes at once, the second waits a second, the third would wait two.
    const paced = pacedTransport(inner, { d1: env.DB, requestsPerSecond: 1, maxWaitMs: 1500, sleep: async (ms) => void slept.push(ms) });
    expect(await paced.sendBatch([], "k1")).toMatchObject({ ok: true });
    expect(await paced.sendBatch([], "k2")).toMatchObject({ ok: true });
    expect(await paced.sendBatch([], "k3")).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 2 });
    expect(calls).toEqual(["k1", "k2"]);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(900);
  });
});

describe("digest rendering", () => {
  it("escapes titles, authors and filters in the HTML and keeps a plain-text part", async () => {
    const mail = await renderDigest({
      siteUrl: "https://paperboy.test",
      period: dayPeriod("2026-06-12"),
      frequency: "daily",
      papers: [{ id: "2606.00001", title: '<img src=x onerror="alert(1)">Attention', abstract: "A & B", authors: ["<b>Eve</b>"], categories: [], upvotes: 3, day: "2026-06-12" }],
      filters: { categories: [], keywords: ["<script>"] },
      links: { preferences: "https://paperboy.test/preferences?token=a.b", unsubscribe: "https://paperboy.test/unsubscribe?token=a.b" },
    });
    expect(mail.html).not.toContain("<img");
    expect(mail.html).not.toContain("<b>Eve</b>");
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;img src=x");
    expect(mail.text).toContain('1. <img src=x onerror="alert(1)">Attention');
    expect(mail.text).toContain("Unsubscribe: https://paperboy.test/unsubscribe?token=a.b");
  });
});
