import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { consents, deliveries, outbox, subscribers, suppressions } from "#shared/db/schema";
import { suppressionHash } from "#shared/mail/address";
import { signToken } from "#shared/mail/tokens";
import type { Env } from "../../workers/api/src/env";
import { captureQueue, deliver, mailerEnv, seedPapers, stubResend } from "../mail/mail-support";
import { emptyDatabase } from "../support/database";
import { request } from "../support/request";

const SITE = "http://paperboy.test";
const db = () => createDb(env.DB);
beforeEach(emptyDatabase);
afterEach(() => vi.restoreAllMocks());

/** A request to the API app with a capture queue; each call comes from a new client unless `client` is given. */
async function call(
  path: string,
  init: RequestInit & { form?: Record<string, string>; client?: string } = {},
  envOverrides: Partial<Env> = {},
) {
  const { form, client, ...rest } = init;
  const q = captureQueue();
  const res = await request(`${SITE}${path}`, rest, { form, client, queue: q, env: envOverrides });
  return {
    res,
    text: await res.text(),
    queued: q.sent as { kind: string; subscriberId: string; requestedAt: string }[],
  };
}

const subscribe = (form: Record<string, string>, extra: { client?: string; headers?: HeadersInit } = {}) =>
  call("/subscribe", { method: "POST", form: { frequency: "daily", ...form }, ...extra });
const byEmail = (email: string) => db().select().from(subscribers).where(eq(subscribers.email, email)).get();
const token = async (purpose: "confirm" | "prefs" | "unsub", id: string, now?: number) =>
  signToken(env.TOKEN_SECRET, purpose, id, now);
/** An address that subscribed and confirmed through the forms, as a reader does. */
async function subscribeAndConfirm(email: string) {
  await subscribe({ email });
  const sub = (await byEmail(email))!;
  await call("/subscribe/confirm", { method: "POST", form: { token: await token("confirm", sub.id) } });
}

describe("subscribing", () => {
  it("GET /subscribe shows the form with the consent text and no script", async () => {
    const { res, text } = await call("/subscribe");
    expect(res.status).toBe(200);
    expect(text).toContain('action="/subscribe"');
    expect(text).toContain("Every mail has a one-click unsubscribe link.");
    expect(text).not.toContain("<script");
  });

  it("POST /subscribe creates a pending subscriber with a consent record and queues a confirmation mail", async () => {
    const { res, text, queued } = await subscribe({
      email: "  New@Example.com ",
      frequency: "weekly",
      categories: "cs.LG, cs.CL",
      keywords: "diffusion",
    });
    expect(res.status).toBe(200);
    expect(text).toContain("Check your inbox");
    const sub = await byEmail("new@example.com");
    expect(sub).toMatchObject({
      status: "pending",
      frequency: "weekly",
      categories: ["cs.LG", "cs.CL"],
      keywords: ["diffusion"],
      confirmedAt: null,
    });
    const [consent] = await db().select().from(consents).where(eq(consents.subscriberId, sub!.id));
    expect(consent).toMatchObject({ confirmedAt: null });
    expect(consent!.formText).toMatch(/one-click unsubscribe/);
    expect(queued).toEqual([{ kind: "confirm", subscriberId: sub!.id, requestedAt: consent!.givenAt }]);
  });

  it("answers the same for a new, a pending and a confirmed address, and leaves a confirmed one's preferences alone", async () => {
    await db()
      .insert(subscribers)
      .values({
        id: "confirmed-1",
        email: "known@example.com",
        status: "confirmed",
        frequency: "daily",
        categories: ["cs.AI"],
        keywords: [],
      });
    await subscribe({ email: "new@example.com" });
    const fresh = await subscribe({ email: "fresh@example.com" });
    const pending = await subscribe({ email: "new@example.com" });
    const confirmed = await subscribe({ email: "known@example.com", frequency: "weekly", categories: "cs.CV" });
    for (const r of [fresh, pending, confirmed]) expect(r.res.status).toBe(200);
    expect(pending.text).toBe(fresh.text);
    expect(confirmed.text).toBe(fresh.text);
    expect(await byEmail("known@example.com")).toMatchObject({
      status: "confirmed",
      frequency: "daily",
      categories: ["cs.AI"],
    });
    expect(confirmed.queued).toEqual([expect.objectContaining({ kind: "confirm", subscriberId: "confirmed-1" })]);
  });

  it("refuses a form posted from another site (CSRF) and stores nothing", async () => {
    const cross = await subscribe({ email: "csrf@example.com" }, { headers: { Origin: "https://evil.example" } });
    expect(cross.res.status).toBe(403);
    const none = await call("/subscribe", {
      method: "POST",
      body: "email=csrf%40example.com",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(none.res.status).toBe(403);
    expect(await byEmail("csrf@example.com")).toBeUndefined();
    expect([...cross.queued, ...none.queued]).toEqual([]);
  });

  it("answers 400 with a readable page for an invalid address or category, and stores nothing", async () => {
    const bad = await subscribe({ email: "not-an-address" });
    expect(bad.res.status).toBe(400);
    expect(bad.res.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(bad.text).toContain("enter a valid email address");
    const badCategory = await subscribe({ email: "cat@example.com", categories: "<b>nope</b>" });
    expect(badCategory.res.status).toBe(400);
    expect(badCategory.text).not.toContain("<b>nope</b>");
    expect(await byEmail("cat@example.com")).toBeUndefined();
  });

  it("limits confirmation mails per address, whoever asks", async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await subscribe({ email: "bombed@example.com" }));
    expect(results.map((r) => r.res.status)).toEqual([200, 200, 200, 429]);
    expect(results[3]!.queued).toEqual([]);
  });

  it("limits subscription requests per client", async () => {
    const statuses = [];
    for (let i = 0; i < 21; i++)
      statuses.push((await subscribe({ email: `many${i}@example.com` }, { client: "203.0.113.9" })).res.status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect(await byEmail("many20@example.com")).toBeUndefined();
  });

  it("counts every address of one IPv6 /64 as one client, as the API's limit does", async () => {
    const statuses = [];
    for (let i = 0; i < 21; i++)
      statuses.push(
        (await subscribe({ email: `v6-${i}@example.com` }, { client: `2001:db8:77:1:${(i + 1).toString(16)}::1` })).res,
      );
    expect(statuses.slice(0, 20).map((r) => r.status)).toEqual(Array(20).fill(200));
    const limited = statuses[20]!;
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(await byEmail("v6-20@example.com")).toBeUndefined();
    // Another /64 is another client.
    expect((await subscribe({ email: "v6-other@example.com" }, { client: "2001:db8:77:2::1" })).res.status).toBe(200);
  });
});

describe("confirming", () => {
  beforeEach(async () => {
    await subscribe({ email: "new@example.com" });
    await subscribe({ email: "fresh@example.com" });
  });

  it("GET shows a button and changes nothing; POST confirms, records consent and lifts an earlier suppression", async () => {
    const sub = (await byEmail("new@example.com"))!;
    await db()
      .insert(suppressions)
      .values({ emailHash: await suppressionHash(env.SUPPRESSION_SECRET, "new@example.com"), reason: "erased" });
    const t = await token("confirm", sub.id);
    const page = await call(`/subscribe/confirm?token=${t}`);
    expect(page.res.status).toBe(200);
    expect(page.text).toContain("Confirm subscription");
    expect((await byEmail("new@example.com"))!.status).toBe("pending");
    const done = await call("/subscribe/confirm", { method: "POST", form: { token: t } });
    expect(done.res.status).toBe(200);
    expect(done.text).toContain("You are subscribed");
    const after = (await byEmail("new@example.com"))!;
    expect(after.status).toBe("confirmed");
    expect(after.confirmedAt).not.toBeNull();
    const rows = await db().select().from(consents).where(eq(consents.subscriberId, sub.id));
    expect(rows.some((r) => r.confirmedAt !== null)).toBe(true);
    expect(
      await db()
        .select()
        .from(suppressions)
        .where(eq(suppressions.emailHash, await suppressionHash(env.SUPPRESSION_SECRET, "new@example.com")))
        .get(),
    ).toBeUndefined();
  });

  it("refuses forged, expired and wrong-purpose tokens with a 400 page and no change", async () => {
    const sub = (await byEmail("fresh@example.com"))!;
    const good = await token("confirm", sub.id);
    const forged = `${good.slice(0, -3)}${good.endsWith("A") ? "B" : "A"}AA`;
    const expired = await token("confirm", sub.id, Date.now() - 8 * 86_400_000);
    const wrongPurpose = await token("unsub", sub.id);
    const otherSecret = await signToken("another-secret-of-some-length", "confirm", sub.id);
    for (const t of [forged, expired, wrongPurpose, otherSecret, "garbage", ""]) {
      const r = await call("/subscribe/confirm", { method: "POST", form: { token: t } });
      expect(r.res.status).toBe(400);
    }
    expect((await call(`/subscribe/confirm?token=${expired}`)).text).toContain("This link has expired.");
    expect((await byEmail("fresh@example.com"))!.status).toBe("pending");
  });
});

describe("preferences", () => {
  beforeEach(() => subscribeAndConfirm("new@example.com"));

  it("changes frequency and filters through the signed link, escaping what it shows", async () => {
    const sub = (await byEmail("new@example.com"))!;
    const t = await token("prefs", sub.id);
    const r = await call("/preferences", {
      method: "POST",
      form: {
        token: t,
        action: "save",
        frequency: "weekly",
        categories: "cs.CV",
        keywords: "<script>alert(1)</script>",
      },
    });
    expect(r.res.status).toBe(200);
    expect(r.text).toContain("Preferences saved.");
    expect(r.text).not.toContain("<script>alert(1)</script>");
    expect(r.text).toContain("&lt;script&gt;");
    expect(await byEmail("new@example.com")).toMatchObject({
      frequency: "weekly",
      categories: ["cs.CV"],
      keywords: ["<script>alert(1)</script>"],
    });
  });

  it("refuses a cross-site post to /preferences", async () => {
    const sub = (await byEmail("new@example.com"))!;
    const r = await call("/preferences", {
      method: "POST",
      form: { token: await token("prefs", sub.id), action: "unsubscribe" },
      headers: { Origin: "https://evil.example" },
    });
    expect(r.res.status).toBe(403);
    expect((await byEmail("new@example.com"))!.status).toBe("confirmed");
  });

  it("unsubscribes and subscribes again from the preferences page", async () => {
    const sub = (await byEmail("new@example.com"))!;
    const t = await token("prefs", sub.id);
    await call("/preferences", { method: "POST", form: { token: t, action: "unsubscribe" } });
    expect((await byEmail("new@example.com"))!.status).toBe("unsubscribed");
    await call("/preferences", { method: "POST", form: { token: t, action: "resume" } });
    expect((await byEmail("new@example.com"))!.status).toBe("confirmed");
  });

  it("erases the subscriber, consents and ledger, keeping only a hashed suppression entry", async () => {
    const sub = (await byEmail("new@example.com"))!;
    await db().insert(deliveries).values({ subscriberId: sub.id, period: "daily:2026-06-12", status: "sent" });
    const r = await call("/preferences", {
      method: "POST",
      form: { token: await token("prefs", sub.id), action: "erase" },
    });
    expect(r.res.status).toBe(200);
    expect(await byEmail("new@example.com")).toBeUndefined();
    expect(await db().select().from(consents).where(eq(consents.subscriberId, sub.id))).toEqual([]);
    expect(await db().select().from(deliveries).where(eq(deliveries.subscriberId, sub.id))).toEqual([]);
    const hash = await suppressionHash(env.SUPPRESSION_SECRET, "new@example.com");
    expect(await db().select().from(suppressions).where(eq(suppressions.emailHash, hash)).get()).toMatchObject({
      reason: "erased",
    });
    const everything = JSON.stringify(await env.DB.prepare("SELECT * FROM suppressions").all());
    expect(everything).not.toContain("new@example.com");
    expect((await call(`/preferences?token=${await token("prefs", sub.id)}`)).res.status).toBe(404);
  });
});

describe("unsubscribing", () => {
  beforeEach(async () => {
    await db().insert(subscribers).values({
      id: "leaver",
      email: "leaver@example.com",
      status: "confirmed",
      frequency: "daily",
      categories: [],
      keywords: [],
    });
  });

  it("GET shows a page with a button and does not unsubscribe", async () => {
    const r = await call(`/unsubscribe?token=${await token("unsub", "leaver")}`);
    expect(r.res.status).toBe(200);
    expect(r.text).toContain("Unsubscribe");
    expect((await byEmail("leaver@example.com"))!.status).toBe("confirmed");
  });

  it("one-click POST without Origin or cookie answers 200 with an empty body and no cookie, at once", async () => {
    const r = await call(`/unsubscribe?token=${await token("unsub", "leaver")}`, {
      method: "POST",
      body: "List-Unsubscribe=One-Click",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.res.status).toBe(200);
    expect(r.text).toBe("");
    expect(r.res.headers.get("Set-Cookie")).toBeNull();
    expect(await byEmail("leaver@example.com")).toMatchObject({ status: "unsubscribed" });
  });

  it("refuses a forged one-click token and changes nothing", async () => {
    await db().update(subscribers).set({ status: "confirmed" }).where(eq(subscribers.id, "leaver"));
    const forged = await signToken("not-the-real-secret-at-all", "unsub", "leaver");
    const r = await call(`/unsubscribe?token=${forged}`, {
      method: "POST",
      body: "List-Unsubscribe=One-Click",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.res.status).toBe(400);
    expect((await byEmail("leaver@example.com"))!.status).toBe("confirmed");
  });

  it("stops a digest that was already queued", async () => {
    await seedPapers(5);
    const stub = stubResend();
    await call(`/unsubscribe?token=${await token("unsub", "leaver")}`, {
      method: "POST",
      body: "List-Unsubscribe=One-Click",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    const result = await deliver([
      { id: "q", attempts: 1, body: { kind: "digest", subscriberId: "leaver", period: "daily:2026-06-12" } },
    ]);
    expect(result.explicitAcks).toEqual(["q"]);
    expect(stub.calls).toHaveLength(0);
  });
});

describe("the local outbox", () => {
  it("is not there unless DEV_MODE is true", async () => {
    for (const DEV_MODE of ["false", undefined, "yes"])
      expect((await call("/dev/outbox", {}, { DEV_MODE })).res.status).toBe(404);
    expect((await call("/dev/outbox/1", {}, { DEV_MODE: "false" })).res.status).toBe(404);
  });

  it("shows the whole flow: subscribe, the confirmation mail, confirm", async () => {
    const dev = { DEV_MODE: "true" } as Partial<Env>;
    const { queued } = await subscribe({ email: "local-dev@example.com" });
    const local = mailerEnv({ RESEND_API_KEY: undefined, DEV_MODE: "true", SITE_URL: SITE });
    await deliver([{ id: "c", attempts: 1, body: queued[0] }], local);
    const list = await call("/dev/outbox", {}, dev);
    expect(list.text).toContain("Confirm your Paperboy subscription");
    const mail = await db().select().from(outbox).where(eq(outbox.to, "local-dev@example.com")).get();
    const shown = await call(`/dev/outbox/${mail!.id}`, {}, dev);
    const link = /href="http:\/\/paperboy\.test(\/subscribe\/confirm\?token=[^"]+)"/.exec(shown.text)![1]!;
    const page = await call(link.replaceAll("&amp;", "&"));
    const t = /name="token" value="([^"]+)"/.exec(page.text)![1]!;
    await call("/subscribe/confirm", { method: "POST", form: { token: t } });
    expect((await byEmail("local-dev@example.com"))!.status).toBe("confirmed");

    await seedPapers(5);
    const queuedDigests = await call(
      "/dev/digests",
      { method: "POST", form: { day: "2026-06-12", frequency: "daily" } },
      dev,
    );
    expect(queuedDigests.text).toContain("for daily:2026-06-12 queued");
    await deliver(
      queuedDigests.queued.map((body, i) => ({ id: `d${i}`, attempts: 1, body })),
      local,
    );
    const digest = await db().select().from(outbox).where(eq(outbox.subject, "5 top ML papers of Jun 12, 2026")).all();
    expect(digest.map((m) => m.to)).toContain("local-dev@example.com");
    expect(digest.find((m) => m.to === "local-dev@example.com")!.headers["List-Unsubscribe-Post"]).toBe(
      "List-Unsubscribe=One-Click",
    );
  });
});
