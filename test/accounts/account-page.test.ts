import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import {
  accounts,
  consents,
  deliveries,
  papers,
  sessions,
  signinTokens,
  subscribers,
  suppressions,
  upvotes,
} from "#shared/db/schema";
import { suppressionHash } from "#shared/mail/address";
import { signinToken } from "#shared/mail/signin";
import worker from "../../workers/api/src/index";
import { ACCOUNT_CONSENT_TEXT } from "../../workers/api/src/subscribe/subscribe-form";
import { captureQueue, seedPapers } from "../mail/mail-support";
import { insertPapers } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import { ORIGIN, request } from "../support/request";

const db = () => createDb(env.DB);
beforeEach(emptyDatabase);
afterEach(() => vi.restoreAllMocks());

async function call(
  path: string,
  init: RequestInit = {},
  options: { form?: Record<string, string>; cookie?: string } = {},
) {
  const q = captureQueue();
  const headers = new Headers(init.headers);
  if (options.cookie) headers.set("Cookie", options.cookie);
  const res = await request(path, { ...init, headers }, { form: options.form, queue: q });
  return { res, text: await res.text(), queued: q.sent as { kind: string; tokenId: string }[] };
}

const sessionCookie = (res: Response) => /__Host-session=([^;]*)/.exec(res.headers.get("Set-Cookie") ?? "")?.[1];

/** Asks for a link, follows it with the button and returns the session cookie. */
async function signIn(email: string) {
  const { queued } = await call("/signin", { method: "POST" }, { form: { email } });
  const token = await signinToken(env.TOKEN_SECRET, queued[0]!.tokenId);
  const { res } = await call("/signin/verify", { method: "POST" }, { form: { token } });
  expect(res.status).toBe(303);
  const id = sessionCookie(res);
  expect(id).toBeTruthy();
  return `__Host-session=${id}`;
}

const post = (path: string, cookie: string | undefined, form: Record<string, string>, headers: HeadersInit = {}) =>
  call(path, { method: "POST", headers }, { cookie, form });
const editDigest = (cookie: string | undefined, form: Record<string, string>, headers: HeadersInit = {}) =>
  post("/account/subscription", cookie, form, headers);
const byEmail = (email: string) => db().select().from(subscribers).where(eq(subscribers.email, email)).get();
const hashOf = (email: string) => suppressionHash(env.SUPPRESSION_SECRET, email);

async function seedSubscriber(email: string, values: Partial<typeof subscribers.$inferInsert> = {}) {
  const id = crypto.randomUUID();
  await db()
    .insert(subscribers)
    .values({
      id,
      email,
      status: "confirmed",
      frequency: "daily",
      categories: ["cs.AI"],
      keywords: ["agents"],
      confirmedAt: "2026-06-01T00:00:00.000Z",
      ...values,
    });
  await db()
    .insert(consents)
    .values({
      subscriberId: id,
      formText: "the subscribe form",
      givenAt: "2026-06-01T00:00:00.000Z",
      confirmedAt: values.status === "pending" ? null : "2026-06-01T00:00:00.000Z",
    });
  return id;
}

function expectPrivate(res: Response) {
  expect(res.headers.get("Cache-Control")).toBe("private, no-store");
}

function expectBackToAccount(res: Response) {
  expect(res.status).toBe(303);
  expect(res.headers.get("Location")).toBe("/account");
  expectPrivate(res);
}

describe("the digest on the account page", () => {
  it("shows the subscription of the account's address and saves frequency and filters without a mailed link", async () => {
    const cookie = await signIn("reader@example.com");
    await seedSubscriber("reader@example.com");
    await seedSubscriber("someone-else@example.com", { categories: ["cs.RO"] });
    const page = await call("/account", {}, { cookie });
    expect(page.res.status).toBe(200);
    expectPrivate(page.res);
    expect(page.text).toContain('<strong data-testid="digest-status">confirmed</strong>');
    expect(page.text).toContain('action="/account/subscription"');
    expect(page.text).toContain('value="cs.AI"');
    expect(page.text).toContain('value="agents"');
    expect(page.text).not.toContain("cs.RO");
    expect(page.text).not.toContain('name="token"');

    const saved = await editDigest(cookie, {
      action: "save",
      frequency: "weekly",
      categories: "cs.CV, cs.LG",
      keywords: "diffusion, <b>bold</b>",
    });
    expectBackToAccount(saved.res);
    expect(await byEmail("reader@example.com")).toMatchObject({
      status: "confirmed",
      frequency: "weekly",
      categories: ["cs.CV", "cs.LG"],
      keywords: ["diffusion", "<b>bold</b>"],
    });
    expect(await byEmail("someone-else@example.com")).toMatchObject({ frequency: "daily", categories: ["cs.RO"] });
    const after = await call("/account", {}, { cookie });
    expect(after.text).toContain('value="weekly" checked=""');
    expect(after.text).toContain("cs.CV, cs.LG");
    expect(after.text).toContain("&lt;b&gt;bold&lt;/b&gt;");
    expect(after.text).not.toContain("<b>bold</b>");
    expect(saved.queued).toEqual([]);
  });

  it("unsubscribes, then resumes with a consent recorded as given and confirmed, and mails nothing", async () => {
    const cookie = await signIn("reader@example.com");
    const id = await seedSubscriber("reader@example.com", { frequency: "weekly" });
    const out = await editDigest(cookie, { action: "unsubscribe" });
    expectBackToAccount(out.res);
    const unsubscribed = (await byEmail("reader@example.com"))!;
    expect(unsubscribed).toMatchObject({ status: "unsubscribed", frequency: "weekly" });
    expect(unsubscribed.unsubscribedAt).not.toBeNull();
    const page = await call("/account", {}, { cookie });
    expect(page.text).toContain('<strong data-testid="digest-status">unsubscribed</strong>');
    expect(page.text).toContain('value="resume"');
    expect(page.text).toContain(ACCOUNT_CONSENT_TEXT);

    const back = await editDigest(cookie, { action: "resume" });
    expectBackToAccount(back.res);
    expect(back.queued).toEqual([]);
    const resumed = (await byEmail("reader@example.com"))!;
    expect(resumed).toMatchObject({
      id,
      status: "confirmed",
      frequency: "weekly",
      categories: ["cs.AI"],
      unsubscribedAt: null,
    });
    const rows = await db().select().from(consents).where(eq(consents.subscriberId, id));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ formText: ACCOUNT_CONSENT_TEXT, confirmedAt: rows[1]!.givenAt });
    expect(resumed.confirmedAt).toBe(rows[1]!.givenAt);
  });

  it("confirms a pending subscription at once: the sign-in already proved the address", async () => {
    const cookie = await signIn("pending@example.com");
    await seedSubscriber("pending@example.com", { status: "pending", confirmedAt: null });
    const page = await call("/account", {}, { cookie });
    expect(page.text).toContain('<strong data-testid="digest-status">pending</strong>');
    expect(page.text).toContain("Confirm subscription");
    expectBackToAccount((await editDigest(cookie, { action: "resume" })).res);
    const sub = (await byEmail("pending@example.com"))!;
    expect(sub.status).toBe("confirmed");
    expect(sub.confirmedAt).not.toBeNull();
  });

  it("subscribes an address that has no subscriber, confirmed at once with its consent, lifting an earlier erasure", async () => {
    const cookie = await signIn("new@example.com");
    await db()
      .insert(suppressions)
      .values({ emailHash: await hashOf("new@example.com"), reason: "erased" });
    const page = await call("/account", {}, { cookie });
    expect(page.text).toContain("You are not subscribed.");
    expect(page.text).toContain('value="subscribe"');
    expect(page.text).toContain(ACCOUNT_CONSENT_TEXT);

    const done = await editDigest(cookie, {
      action: "subscribe",
      frequency: "weekly",
      categories: "cs.LG",
      keywords: "",
    });
    expectBackToAccount(done.res);
    expect(done.queued).toEqual([]);
    const sub = (await byEmail("new@example.com"))!;
    expect(sub).toMatchObject({
      status: "confirmed",
      frequency: "weekly",
      categories: ["cs.LG"],
      keywords: [],
      unsubscribedAt: null,
    });
    expect(sub.confirmedAt).not.toBeNull();
    const [consent, ...more] = await db().select().from(consents).where(eq(consents.subscriberId, sub.id));
    expect(more).toEqual([]);
    expect(consent).toMatchObject({
      formText: ACCOUNT_CONSENT_TEXT,
      givenAt: sub.confirmedAt,
      confirmedAt: sub.confirmedAt,
    });
    expect(await db().select().from(suppressions)).toEqual([]);
    expect((await call("/account", {}, { cookie })).text).toContain(
      '<strong data-testid="digest-status">confirmed</strong>',
    );
  });

  it("refuses to subscribe or resume an address that bounced or complained, says so, and changes nothing", async () => {
    const bounced = await signIn("bounced@example.com");
    await db()
      .insert(suppressions)
      .values({ emailHash: await hashOf("bounced@example.com"), reason: "bounced" });
    const page = await call("/account", {}, { cookie: bounced });
    expect(page.text).toContain(
      "No mail goes to this address: mail to it bounced. It cannot be subscribed to the digest.",
    );
    expect(page.text).not.toContain('value="subscribe"');
    const refused = await editDigest(bounced, { action: "subscribe", frequency: "daily" });
    expect(refused.res.status).toBe(409);
    expectPrivate(refused.res);
    expect(refused.text).toContain("Not subscribed. No mail goes to this address: mail to it bounced.");
    expect(await byEmail("bounced@example.com")).toBeUndefined();
    expect(await db().select().from(consents)).toEqual([]);

    const complained = await signIn("complained@example.com");
    const id = await seedSubscriber("complained@example.com", {
      status: "unsubscribed",
      unsubscribedAt: "2026-06-02T00:00:00.000Z",
    });
    await db()
      .insert(suppressions)
      .values({ emailHash: await hashOf("complained@example.com"), reason: "complained" });
    const before = await byEmail("complained@example.com");
    expect((await call("/account", {}, { cookie: complained })).text).not.toContain('value="resume"');
    const again = await editDigest(complained, { action: "resume" });
    expect(again.res.status).toBe(409);
    expect(again.text).toContain("a mail we sent to it was reported as spam");
    expect(await byEmail("complained@example.com")).toEqual(before);
    expect(await db().select().from(consents).where(eq(consents.subscriberId, id))).toHaveLength(1);
    expect(await db().select().from(suppressions)).toHaveLength(2);
  });

  it("answers bad input with a 400 page that says what is wrong, and changes nothing", async () => {
    const cookie = await signIn("careful@example.com");
    await seedSubscriber("careful@example.com");
    const before = await byEmail("careful@example.com");
    const cases: [Record<string, string>, string][] = [
      [{ action: "save", frequency: "hourly" }, "frequency"],
      [{ action: "save", frequency: "daily", categories: "<b>nope</b>" }, "not an arXiv category like cs.LG"],
      [
        {
          action: "save",
          frequency: "daily",
          categories: Array.from({ length: 21 }, (_, i) => `cs.X${String.fromCharCode(65 + i)}`).join(","),
        },
        "categories",
      ],
      [{ action: "save", keywords: "x" }, "keywords"],
      [{ action: "erase" }, "action"],
      [{}, "action"],
      [{ action: "resume" }, "there is no cancelled or pending subscription to resume"],
      [{ action: "subscribe", frequency: "weekly" }, "already has a subscription"],
    ];
    for (const [form, message] of cases) {
      const { res, text } = await editDigest(cookie, form);
      expect(res.status, JSON.stringify(form)).toBe(400);
      expectPrivate(res);
      expect(text, JSON.stringify(form)).toContain("Nothing changed:");
      expect(text, JSON.stringify(form)).toContain(message);
      expect(text).not.toContain("<b>nope</b>");
    }
    expect(await byEmail("careful@example.com")).toEqual(before);
    expect(await db().select().from(consents)).toHaveLength(1);

    const none = await signIn("none@example.com");
    for (const action of ["save", "unsubscribe", "resume"]) {
      const { res } = await editDigest(none, { action, frequency: "daily" });
      expect(res.status, action).toBe(400);
    }
    expect(await byEmail("none@example.com")).toBeUndefined();
  });

  it("refuses a post from another site (403) and one without a session (401), privately and changing nothing", async () => {
    const cookie = await signIn("guarded@example.com");
    await seedSubscriber("guarded@example.com");
    const before = await byEmail("guarded@example.com");
    const cross = await editDigest(cookie, { action: "unsubscribe" }, { Origin: "https://evil.example" });
    expect(cross.res.status).toBe(403);
    expectPrivate(cross.res);
    const signedOut = await editDigest(undefined, { action: "unsubscribe" });
    expect(signedOut.res.status).toBe(401);
    expectPrivate(signedOut.res);
    expect(signedOut.text).toContain("Sign in");
    const forged = await editDigest("__Host-session=not-a-session", { action: "save", frequency: "weekly" });
    expect(forged.res.status).toBe(401);
    expect(await byEmail("guarded@example.com")).toEqual(before);

    const newcomer = await editDigest(undefined, { action: "subscribe", frequency: "daily" });
    expect(newcomer.res.status).toBe(401);
    expect(await db().select().from(subscribers)).toHaveLength(1);
  });
});

describe("deleting the account", () => {
  const upvote = (accountId: string, paperId: string) =>
    env.DB.prepare("INSERT INTO upvotes (account_id, paper_id) VALUES (?, ?)").bind(accountId, paperId).run();
  const localUpvotes = async (id: string) =>
    (await db().select({ n: papers.localUpvotes }).from(papers).where(eq(papers.id, id)).get())!.n;
  const accountOf = (email: string) => db().select().from(accounts).where(eq(accounts.email, email)).get();

  it("asks first: a page with a confirm box; a post without the box ticked is a 400 and deletes nothing", async () => {
    expect((await call("/account/delete")).res.headers.get("Location")).toBe("/signin");
    const cookie = await signIn("unsure@example.com");
    const page = await call("/account/delete", {}, { cookie });
    expect(page.res.status).toBe(200);
    expectPrivate(page.res);
    expect(page.text).toContain('action="/account/delete"');
    expect(page.text).toMatch(/<input type="checkbox" name="confirm" value="yes" required/);
    expect(page.text).not.toContain("<script");
    expect((await call("/account", {}, { cookie })).text).toContain('href="/account/delete"');
    for (const form of [{}, { confirm: "no" }] as Record<string, string>[]) {
      const { res, text } = await post("/account/delete", cookie, form);
      expect(res.status).toBe(400);
      expectPrivate(res);
      expect(text).toContain("Not deleted: tick the box to confirm.");
      expect(res.headers.get("Set-Cookie")).toBeNull();
    }
    expect(await accountOf("unsure@example.com")).toBeDefined();
    expect((await call("/account", {}, { cookie })).res.status).toBe(200);
  });

  it("erases the account, its sessions, votes, sign-in links and subscriber in one go, keeping only the suppression hash", async () => {
    await seedPapers(2);
    const [paperA, paperB] = ["2606.10000", "2606.10001"];
    const other = await signIn("other@example.com");
    const cookie = await signIn("leaving@example.com");
    const second = await signIn("leaving@example.com");
    await post("/account/profile", cookie, { handle: "leaving", displayName: "Soon Gone" });
    await editDigest(cookie, { action: "subscribe", frequency: "daily", categories: "cs.LG" });
    const sub = (await byEmail("leaving@example.com"))!;
    await db().insert(deliveries).values({ subscriberId: sub.id, period: "daily:2026-06-12", status: "sent" });
    await call("/signin", { method: "POST" }, { form: { email: "leaving@example.com" } }); // a link not used yet
    const leaving = (await accountOf("leaving@example.com"))!;
    const staying = (await accountOf("other@example.com"))!;
    await upvote(leaving.id, paperA);
    await upvote(leaving.id, paperB);
    await upvote(staying.id, paperA);
    expect([await localUpvotes(paperA), await localUpvotes(paperB)]).toEqual([2, 1]);
    expect(await db().select().from(signinTokens).where(eq(signinTokens.email, "leaving@example.com"))).toHaveLength(3);

    const { res } = await post("/account/delete", cookie, { confirm: "yes" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account/deleted?subscription=erased");
    expectPrivate(res);
    expect(res.headers.get("Set-Cookie")).toMatch(/^__Host-session=;.*Max-Age=0/);

    expect(await accountOf("leaving@example.com")).toBeUndefined();
    expect(await db().select().from(sessions).where(eq(sessions.accountId, leaving.id))).toEqual([]);
    expect(await db().select().from(upvotes).where(eq(upvotes.accountId, leaving.id))).toEqual([]);
    expect([await localUpvotes(paperA), await localUpvotes(paperB)]).toEqual([1, 0]);
    expect(await db().select().from(signinTokens).where(eq(signinTokens.email, "leaving@example.com"))).toEqual([]);
    expect(await byEmail("leaving@example.com")).toBeUndefined();
    expect(await db().select().from(consents).where(eq(consents.subscriberId, sub.id))).toEqual([]);
    expect(await db().select().from(deliveries).where(eq(deliveries.subscriberId, sub.id))).toEqual([]);
    expect(await db().select().from(suppressions)).toMatchObject([
      { emailHash: await hashOf("leaving@example.com"), reason: "erased" },
    ]);
    // The other account keeps everything.
    expect(await db().select().from(sessions).where(eq(sessions.accountId, staying.id))).toHaveLength(1);
    expect(await db().select().from(upvotes)).toMatchObject([{ accountId: staying.id, paperId: paperA }]);
    expect((await call("/account", {}, { cookie: other })).res.status).toBe(200);

    // No table holds the address, the handle or the display name any more.
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    ).all<{ name: string }>();
    for (const { name } of tables.results) {
      const rows = JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
      for (const trace of ["leaving@example.com", "Soon Gone", '"leaving"']) expect(rows, name).not.toContain(trace);
    }

    for (const old of [cookie, second]) {
      const page = await call("/account", {}, { cookie: old });
      expect(page.res.status).toBe(303);
      expect(page.res.headers.get("Location")).toBe("/signin");
      expect((await editDigest(old, { action: "subscribe", frequency: "daily" })).res.status).toBe(401);
      expect((await post("/account/delete", old, { confirm: "yes" })).res.status).toBe(401);
    }
    expect(await byEmail("leaving@example.com")).toBeUndefined();

    const done = await call("/account/deleted?subscription=erased");
    expect(done.res.status).toBe(200);
    expectPrivate(done.res);
    expect(done.text).toContain("Your account is deleted");
    expect(done.text).toContain("your upvotes");
    expect(done.text).toContain("your digest subscription");

    expect((await call("/u/leaving")).res.status).toBe(404);
    const taken = await post("/account/profile", other, { handle: "leaving" });
    expect(taken.res.status).toBe(200);
    expect(taken.text).toContain("Saved.");
    expect((await call("/u/leaving")).res.status).toBe(200);
  });

  it("deletes an account with no subscriber without adding a suppression, and keeps a stronger one", async () => {
    const cookie = await signIn("plain@example.com");
    const { res } = await post("/account/delete", cookie, { confirm: "yes" });
    expect(res.headers.get("Location")).toBe("/account/deleted");
    expect(await db().select().from(accounts)).toEqual([]);
    expect(await db().select().from(suppressions)).toEqual([]);
    expect((await call("/account/deleted")).text).not.toContain("your digest subscription");

    const complained = await signIn("complained@example.com");
    await seedSubscriber("complained@example.com");
    await db()
      .insert(suppressions)
      .values({ emailHash: await hashOf("complained@example.com"), reason: "complained" });
    await post("/account/delete", complained, { confirm: "yes" });
    expect(await byEmail("complained@example.com")).toBeUndefined();
    expect(await db().select().from(suppressions)).toMatchObject([{ reason: "complained" }]);
  });

  it("refuses a cross-site or signed-out delete, privately, and deletes nothing", async () => {
    const cookie = await signIn("kept@example.com");
    await seedSubscriber("kept@example.com");
    const cross = await post("/account/delete", cookie, { confirm: "yes" }, { Origin: "https://evil.example" });
    expect(cross.res.status).toBe(403);
    expectPrivate(cross.res);
    const signedOut = await post("/account/delete", undefined, { confirm: "yes" });
    expect(signedOut.res.status).toBe(401);
    expectPrivate(signedOut.res);
    expect(await accountOf("kept@example.com")).toBeDefined();
    expect(await byEmail("kept@example.com")).toBeDefined();
    expect(await db().select().from(sessions)).toHaveLength(1);
    expect(await db().select().from(suppressions)).toEqual([]);
  });
});

describe("erasure and the caches", () => {
  it("refreshes every cached page that showed the account: its comments' papers, its submissions' papers and days, its profile, the API", async () => {
    await insertPapers([
      { id: "2606.70001", day: "2026-06-10", title: "A paper it commented on" },
      { id: "2606.70002", day: "2026-06-10", title: "A paper it submitted" },
    ]);
    const cookie = await signIn("ann@example.com");
    await post("/account/profile", cookie, { handle: "erasable-ann", displayName: "Ann Erasable" });
    const ann = (await db().select().from(accounts).where(eq(accounts.email, "ann@example.com")).get())!;
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO comments (id, paper_id, account_id, body, created_at) VALUES ('c-ann', '2606.70001', ?1, 'a remark soon erased', ?2)",
      ).bind(ann.id, new Date().toISOString()),
      env.DB.prepare(
        "UPDATE daily_entries SET source = 'submission', submitter_account_id = ?1, submitter_name = 'erasable-ann', submitter_fullname = 'Ann Erasable' WHERE paper_id = '2606.70002'",
      ).bind(ann.id),
    ]);
    const shown = [
      "/papers/2606.70001",
      "/papers/2606.70002",
      "/papers/date/2026-06-10",
      "/api/daily_papers?date=2026-06-10",
      "/api/papers/2606.70002",
      "/api/daily_papers?submitter=erasable-ann",
      "/u/erasable-ann",
    ];
    const traces = ["Ann Erasable", "erasable-ann", "a remark soon erased"];
    for (const path of shown) {
      const page = await call(path);
      expect(page.res.status, path).toBe(200);
      expect(
        traces.some((t) => page.text.includes(t)),
        path,
      ).toBe(true);
    }
    expect((await call("/papers/2606.70001")).res.headers.get("X-Cache")).toBe("HIT");

    // Workers Cache exists only in production: its purge by tag is watched on the request's context.
    const ctx = createExecutionContext();
    const purge = vi.fn(async (_: { tags: string[] }) => ({}));
    Object.assign(ctx, { cache: { purge } });
    const headers = {
      Cookie: cookie,
      Origin: ORIGIN,
      "Content-Type": "application/x-www-form-urlencoded",
      "CF-Connecting-IP": "10.200.0.1",
    };
    const erased = await worker.fetch(
      new Request(`${ORIGIN}/account/delete`, { method: "POST", headers, body: "confirm=yes", redirect: "manual" }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(erased.status).toBe(303);

    for (const path of shown) {
      const page = await call(path);
      for (const t of traces) expect(page.text, path).not.toContain(t);
    }
    const tags = purge.mock.calls.flatMap(([o]) => o.tags);
    expect(tags).toEqual(
      expect.arrayContaining(["paper:2606.70001", "paper:2606.70002", "day:2026-06-10", "u:erasable-ann"]),
    );
  });
});
