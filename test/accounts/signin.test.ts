import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "#shared/crypto";
import { createDb } from "#shared/db/client";
import { accounts, mailDeadLetters, sessions, signinTokens, suppressions } from "#shared/db/schema";
import { suppressionHash } from "#shared/mail/address";
import { redriveDeadLetters } from "#shared/mail/dead-letters";
import { signinToken } from "#shared/mail/signin";
import { DEAD_LETTER_QUEUE } from "../../workers/mailer/src/env";
import { captureQueue, deliver, drain, mailerEnv, stubResend } from "../mail/mail-support";
import { ingestHfDaily } from "../site/site-support";
import { emptyDatabase } from "../support/database";
import { request } from "../support/request";

const db = () => createDb(env.DB);
beforeEach(emptyDatabase);
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

async function call(
  path: string,
  init: RequestInit = {},
  options: { form?: Record<string, string>; client?: string; cookie?: string } = {},
) {
  const q = captureQueue();
  const headers = new Headers(init.headers);
  if (options.cookie) headers.set("Cookie", options.cookie);
  const res = await request(path, { ...init, headers }, { form: options.form, client: options.client, queue: q });
  return { res, text: await res.text(), queued: q.sent as { kind: string; tokenId: string }[] };
}

const askSignin = (email: string, client?: string) => call("/signin", { method: "POST" }, { form: { email }, client });
const tokenOf = (tokenId: string) => signinToken(env.TOKEN_SECRET, tokenId);
const sessionCookie = (res: Response) => /__Host-session=([^;]*)/.exec(res.headers.get("Set-Cookie") ?? "")?.[1];

/** Asks for a link, follows it with the button and returns the session cookie. */
async function signIn(email: string) {
  const { queued } = await askSignin(email);
  const token = await tokenOf(queued[0]!.tokenId);
  const { res } = await call("/signin/verify", { method: "POST" }, { form: { token } });
  expect(res.status).toBe(303);
  const id = sessionCookie(res);
  expect(id).toBeTruthy();
  return `__Host-session=${id}`;
}

describe("asking for a sign-in link", () => {
  it("answers the same for a new, a known and a suppressed address, and stores only a hash of the token", async () => {
    await db().insert(accounts).values({ id: "a1", email: "known@example.com", handle: "known" });
    await db()
      .insert(suppressions)
      .values({ emailHash: await suppressionHash(env.SUPPRESSION_SECRET, "gone@example.com"), reason: "bounced" });
    const answers = await Promise.all(
      ["new@example.com", "known@example.com", "gone@example.com"].map(async (e) => (await askSignin(e)).text),
    );
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain("Check your inbox");
    const rows = await db().select().from(signinTokens);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const token = await tokenOf(row.id);
      expect(row.tokenHash).toBe(await sha256Hex(token));
      expect(JSON.stringify(row)).not.toContain(token.split(".")[1]);
      expect(row.expiresAt - Date.now()).toBeGreaterThan(14 * 60_000);
      expect(row.expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    }
  });

  it("queues one signin message per request and refuses a bad address with a page, changing nothing", async () => {
    const { queued } = await askSignin("a@example.com");
    expect(queued).toEqual([{ kind: "signin", tokenId: expect.any(String) }]);
    const bad = await askSignin("not an address");
    expect(bad.res.status).toBe(400);
    expect(bad.queued).toEqual([]);
    expect(await db().select().from(signinTokens)).toHaveLength(1);
  });

  it("refuses a cross-site form post", async () => {
    const { res, queued } = await call(
      "/signin",
      { method: "POST", headers: { Origin: "https://evil.example" } },
      { form: { email: "a@example.com" } },
    );
    expect(res.status).toBe(403);
    expect(queued).toEqual([]);
  });

  it("limits requests per address and per client", async () => {
    for (let i = 0; i < 5; i++) expect((await askSignin("same@example.com")).res.status).toBe(200);
    const sixth = await askSignin("same@example.com");
    expect(sixth.res.status).toBe(429);
    expect(sixth.res.headers.get("Retry-After")).toBeTruthy();
    expect(sixth.queued).toEqual([]);
    // One IPv6 /64 is one client, whatever address inside it.
    for (let i = 0; i < 20; i++)
      expect((await askSignin(`p${i}@example.com`, `2001:db8:1:2::${i + 1}`)).res.status).toBe(200);
    expect((await askSignin("other@example.com", "2001:db8:1:2::ffff")).res.status).toBe(429);
  });
});

describe("the link", () => {
  it("GET shows a button and signs no one in; POST signs in once", async () => {
    const { queued } = await askSignin("reader@example.com");
    const token = await tokenOf(queued[0]!.tokenId);
    const page = await call(`/signin/verify?token=${encodeURIComponent(token)}`);
    expect(page.res.status).toBe(200);
    expect(page.text).toContain('action="/signin/verify"');
    expect(sessionCookie(page.res)).toBeUndefined();
    expect(await db().select().from(sessions)).toHaveLength(0);

    const first = await call("/signin/verify", { method: "POST" }, { form: { token } });
    expect(first.res.status).toBe(303);
    expect(first.res.headers.get("Location")).toBe("/account");
    const cookie = first.res.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^__Host-session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    const [session] = await db().select().from(sessions);
    expect(session!.idHash).toBe(await sha256Hex(sessionCookie(first.res)!));

    const again = await call("/signin/verify", { method: "POST" }, { form: { token } });
    expect(again.res.status).toBe(400);
    expect(again.text).toContain("already used or has expired");
    expect((await call(`/signin/verify?token=${encodeURIComponent(token)}`)).res.status).toBe(400);
    expect(await db().select().from(sessions)).toHaveLength(1);
  });

  it("expires after 15 minutes", async () => {
    const { queued } = await askSignin("late@example.com");
    const token = await tokenOf(queued[0]!.tokenId);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 15 * 60_000 + 1000);
    expect((await call("/signin/verify", { method: "POST" }, { form: { token } })).res.status).toBe(400);
    expect(await db().select().from(accounts)).toHaveLength(0);
  });

  it("refuses a forged or unknown token", async () => {
    await askSignin("x@example.com");
    for (const token of ["nope", `${crypto.randomUUID()}.AAAA`, await signinToken("another-secret-0123456789", "x")]) {
      expect((await call("/signin/verify", { method: "POST" }, { form: { token } })).res.status).toBe(400);
    }
    expect(await db().select().from(sessions)).toHaveLength(0);
  });

  it("a first sign-in creates the account; a second one reuses it", async () => {
    await signIn("Person@Example.com");
    await signIn("person@example.com");
    const rows = await db().select().from(accounts);
    expect(rows).toMatchObject([{ email: "person@example.com", handle: null }]);
    expect(await db().select().from(sessions)).toHaveLength(2);
  });
});

describe("the sign-in mail", () => {
  it("goes out once, with a link that signs in, even when its message comes twice and is redelivered", async () => {
    const resend = stubResend();
    const { queued } = await askSignin("mail@example.com");
    await drain([queued[0], queued[0]]);
    await drain([queued[0]]);
    const mails = resend.delivered.get("mail@example.com")!;
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Sign in to Paperboy");
    const link = /https:\/\/paperboy\.test\/signin\/verify\?token=([^"\s&]+)/.exec(mails[0]!.text)![1]!;
    const row = (await db().select().from(signinTokens))[0]!;
    expect(row.mailStatus).toBe("sent");
    expect(
      (await call("/signin/verify", { method: "POST" }, { form: { token: decodeURIComponent(link) } })).res.status,
    ).toBe(303);
  });

  it("reaches an address whose account or subscription was erased (asking anew, as subscribing anew does), never one that bounced", async () => {
    const resend = stubResend();
    await db()
      .insert(suppressions)
      .values([
        { emailHash: await suppressionHash(env.SUPPRESSION_SECRET, "erased@example.com"), reason: "erased" },
        { emailHash: await suppressionHash(env.SUPPRESSION_SECRET, "bounced@example.com"), reason: "bounced" },
      ]);
    for (const email of ["erased@example.com", "bounced@example.com"]) await drain((await askSignin(email)).queued);
    expect(resend.delivered.get("erased@example.com")).toHaveLength(1);
    expect(resend.delivered.get("bounced@example.com")).toBeUndefined();
  });

  it("replays a call of unknown outcome under the same key instead of sending twice", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const resend = stubResend((call) => (call === 1 ? { kind: "lost-response" } : undefined));
    const { queued } = await askSignin("flaky@example.com");
    await drain([queued[0]]);
    expect(resend.calls.length).toBe(2);
    expect(resend.calls[0]!.key).toBe(resend.calls[1]!.key);
    expect(resend.delivered.get("flaky@example.com")).toHaveLength(1);
  });

  it("waits while another invocation holds the row, and sends nothing meanwhile", async () => {
    const resend = stubResend();
    const { queued } = await askSignin("held@example.com");
    await db()
      .update(signinTokens)
      .set({ mailStatus: "sending", leaseUntil: Date.now() + 60_000 });
    const result = await deliver([{ id: "dup", attempts: 1, body: queued[0] }]);
    expect(resend.calls).toHaveLength(0);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.retryMessages[0]!.delaySeconds).toBeGreaterThan(0);
  });

  it("out of retries: recorded as a dead letter, its row failed; a re-drive reopens it and sends it once", async () => {
    const { queued } = await askSignin("dead@example.com");
    await deliver([{ id: "d1", attempts: 11, body: queued[0] }], mailerEnv(), DEAD_LETTER_QUEUE);
    expect((await db().select().from(signinTokens))[0]).toMatchObject({ mailStatus: "failed" });
    const letters = await db().select().from(mailDeadLetters);
    expect(letters).toMatchObject([
      { source: "dead-letter-queue", error: "dead-lettered before the mailer recorded an attempt" },
    ]);
    const q = captureQueue();
    expect(await redriveDeadLetters(env.DB, q.queue)).toEqual({ redriven: 1, unparseable: 0 });
    expect((await db().select().from(signinTokens))[0]).toMatchObject({ mailStatus: "sending" });
    const resend = stubResend();
    await drain(q.sent);
    expect(resend.delivered.get("dead@example.com")).toHaveLength(1);
  });

  it("is not sent to a suppressed address", async () => {
    const resend = stubResend();
    await db()
      .insert(suppressions)
      .values({ emailHash: await suppressionHash(env.SUPPRESSION_SECRET, "bounced@example.com"), reason: "bounced" });
    const { queued } = await askSignin("bounced@example.com");
    await drain([queued[0]]);
    expect(resend.calls).toHaveLength(0);
    expect((await db().select().from(signinTokens))[0]).toMatchObject({
      mailStatus: "skipped",
      mailDetail: "address is suppressed",
    });
  });

  it("is written to the outbox locally", async () => {
    const { queued } = await askSignin("local@example.com");
    await drain([queued[0]], mailerEnv({ RESEND_API_KEY: undefined, DEV_MODE: "true" }));
    const outbox = await env.DB.prepare('SELECT subject, text FROM outbox WHERE "to" = ?')
      .bind("local@example.com")
      .all<{ subject: string; text: string }>();
    expect(outbox.results).toHaveLength(1);
    expect(outbox.results[0]!.text).toContain("/signin/verify?token=");
  });
});

describe("sessions", () => {
  it("/account without a session redirects to /signin, privately", async () => {
    const { res } = await call("/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/signin");
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
  });

  it("slides the expiry on use and ends after 30 days without use", async () => {
    const cookie = await signIn("slide@example.com");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 20 * 86_400_000);
    expect((await call("/account", {}, { cookie })).res.status).toBe(200);
    vi.setSystemTime(Date.now() + 20 * 86_400_000); // 40 days after sign-in, 20 after last use
    expect((await call("/account", {}, { cookie })).res.status).toBe(200);
    vi.setSystemTime(Date.now() + 30 * 86_400_000 + 1000);
    expect((await call("/account", {}, { cookie })).res.status).toBe(303);
  });

  it("sign out ends this session; sign out everywhere ends all of them", async () => {
    const a = await signIn("many@example.com");
    const b = await signIn("many@example.com");
    const c = await signIn("many@example.com");
    const page = await call("/account", {}, { cookie: a });
    expect(page.text.match(/last seen/g)).toHaveLength(3);
    expect(page.text).toContain("(this browser)");

    const out = await call("/signout", { method: "POST" }, { cookie: a, form: {} });
    expect(out.res.status).toBe(303);
    expect(out.res.headers.get("Set-Cookie")).toMatch(/__Host-session=;/);
    expect((await call("/account", {}, { cookie: a })).res.status).toBe(303);
    expect((await call("/account", {}, { cookie: b })).res.status).toBe(200);

    await call("/signout/everywhere", { method: "POST" }, { cookie: b, form: {} });
    for (const cookie of [b, c]) expect((await call("/account", {}, { cookie })).res.status).toBe(303);
    expect(await db().select().from(sessions)).toHaveLength(0);
  });

  it("refuses a cross-site sign-out everywhere", async () => {
    const cookie = await signIn("csrf@example.com");
    const { res } = await call(
      "/signout/everywhere",
      { method: "POST", headers: { Origin: "https://evil.example" } },
      { cookie, form: {} },
    );
    expect(res.status).toBe(403);
    expect(await db().select().from(sessions)).toHaveLength(1);
  });
});

describe("handles and profiles", () => {
  const setProfile = (cookie: string, form: Record<string, string>) =>
    call("/account/profile", { method: "POST" }, { cookie, form });

  it("a first sign-in asks for a handle; a good one names the public profile", async () => {
    const cookie = await signIn("new@example.com");
    expect((await call("/account", {}, { cookie })).text).toContain("Choose a handle");
    const saved = await setProfile(cookie, { handle: "ada-99", displayName: "Ada <Lovelace>" });
    expect(saved.res.status).toBe(200);
    expect(saved.text).toContain("Saved.");
    const profile = await call("/u/ada-99");
    expect(profile.res.status).toBe(200);
    expect(profile.text).toContain("@ada-99");
    expect(profile.text).toContain("Ada &lt;Lovelace&gt;");
    expect(profile.text).not.toContain("Ada <Lovelace>");
    expect(profile.text).not.toContain("new@example.com");
  });

  it("refuses handles that break the rules or are taken, and changes nothing", async () => {
    const first = await signIn("first@example.com");
    await setProfile(first, { handle: "taken" });
    const cookie = await signIn("second@example.com");
    const cases: [string, number, string][] = [
      ["ab", 400, "at least 3"],
      ["a".repeat(31), 400, "at most 30"],
      ["Upper", 400, "lower-case letters"],
      ["with space", 400, "lower-case letters"],
      ["dots.no", 400, "lower-case letters"],
      ["admin", 400, "reserved"],
      ["signin", 400, "reserved"],
      ["u", 400, "at least 3"],
      ["taken", 409, "taken"],
    ];
    for (const [handle, status, message] of cases) {
      const { res, text } = await setProfile(cookie, { handle });
      expect(res.status, handle).toBe(status);
      expect(text, handle).toContain(message);
    }
    expect(
      (await db().select().from(accounts).where(eq(accounts.email, "second@example.com")).get())!.handle,
    ).toBeNull();
    expect((await call("/u/nobody-here")).res.status).toBe(404);
    expect((await call("/u/NOT_VALID")).res.status).toBe(404);
  });

  it("a database failure while saving a handle is a 500 that says nothing of a taken handle, and changes nothing", async () => {
    const cookie = await signIn("flaky@example.com");
    // D1 fails the batch that writes the handle, with an error that is not a UNIQUE constraint.
    const DB = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "batch") return () => Promise.reject(new Error("D1_ERROR: Network connection lost."));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await request(
      "/account/profile",
      { method: "POST", headers: { Cookie: cookie } },
      { form: { handle: "free-handle" }, env: { DB } },
    );
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(text).not.toContain("taken");
    expect(text).not.toContain("Network connection lost");
    expect(logged).toHaveBeenCalled();
    expect(
      (await db().select().from(accounts).where(eq(accounts.email, "flaky@example.com")).get())!.handle,
    ).toBeNull();
  });

  it("a handle taken between the check and the write (UNIQUE) is still a 409", async () => {
    await signIn("first@example.com");
    const cookie = await signIn("second@example.com");
    // The other account takes the handle after this request's check, just before its write.
    const DB = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "batch")
          return async (statements: D1PreparedStatement[]) => {
            await db().update(accounts).set({ handle: "contested" }).where(eq(accounts.email, "first@example.com"));
            return target.batch(statements);
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const res = await request(
      "/account/profile",
      { method: "POST", headers: { Cookie: cookie } },
      { form: { handle: "contested" }, env: { DB } },
    );
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("this handle is taken");
    expect(
      (await db().select().from(accounts).where(eq(accounts.email, "second@example.com")).get())!.handle,
    ).toBeNull();
  });

  it("a profile change needs a session", async () => {
    expect((await call("/account/profile", { method: "POST" }, { form: { handle: "sneaky" } })).res.status).toBe(401);
    expect(await db().select().from(accounts)).toHaveLength(0);
  });
});

describe("caching", () => {
  it("a signed-in visit leaves no trace in public pages, and private pages are never stored", async () => {
    await ingestHfDaily();
    const cookie = await signIn("secret-person@example.com");
    await call(
      "/account/profile",
      { method: "POST" },
      { cookie, form: { handle: "secret-handle", displayName: "Hidden Name" } },
    );
    const account = await call("/account", {}, { cookie });
    expect(account.res.headers.get("Cache-Control")).toBe("private, no-store");
    expect(account.text).toContain("secret-handle");
    const publicPaths = ["/", "/papers/date/2026-06-12", "/papers/trending", "/about", "/search?q=model"];
    const signedIn = new Map<string, string>();
    for (const path of publicPaths) {
      const { res, text } = await call(path, {}, { cookie });
      expect(res.headers.get("Set-Cookie"), path).toBeNull();
      signedIn.set(path, text);
    }
    for (const path of publicPaths) {
      const anon = await call(path);
      for (const trace of ["secret-handle", "secret-person", "Hidden Name"])
        expect(anon.text, path).not.toContain(trace);
      expect(anon.text, path).toBe(signedIn.get(path));
    }
    // Private pages answered again without the cookie: nothing was stored for them.
    const anonAccount = await call("/account");
    expect(anonAccount.res.status).toBe(303);
    expect(anonAccount.text).not.toContain("secret-handle");
  });
});
