import { eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import type { Child } from "hono/jsx";
import { z } from "zod";
import type { MailMessage } from "#shared/contracts";
import { createDb } from "#shared/db/client";
import { accounts, signinTokens } from "#shared/db/schema";
import { upvotedPapers } from "#shared/papers/queries";
import { sha256Hex } from "#shared/crypto";
import { EmailAddress, suppressionHash } from "#shared/mail/address";
import { SIGNIN_TTL_MS, signinToken, signinTokenHash } from "#shared/mail/signin";
import { readConfig, type AppEnv } from "../env";
import { ApiError, badRequest, notFound, validate } from "../errors";
import { clientKey } from "../security/client-limit";
import { setCache } from "../cache/cache-policy";
import { Cards } from "../site/components";
import { Layout } from "../site/layout";
import { enforceLimits } from "../subscribe/rate-limit";
import { sameOrigin } from "../subscribe/subscribe-routes";
import { DisplayName, Handle } from "./handles";
import { activeSessions, currentSession, endAllSessions, endSession, startSession } from "./sessions";

/**
 * Sign-in by email link, sessions, the account page and public profiles. Nothing here goes
 * through the site's cache layers: private pages say `private, no-store`, and the public profile
 * never reads the session.
 */
export const accountRoutes = new Hono<AppEnv>();

const LIMITS = { perClient: 20, perAddress: 5, windowSeconds: 3600 };
/** How many of a person's upvoted papers their profile lists, most recent first. */
const PROFILE_UPVOTES = 50;
const PRIVATE = "private, no-store";

const SigninBody = z.object({ email: EmailAddress });
const TokenBody = z.object({ token: z.string().min(1).max(200) });
const ProfileBody = z.object({ handle: Handle, displayName: DisplayName.optional() });

function Page(props: { title: string; children: Child }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      {props.children}
    </Layout>
  );
}

const privateHtml = (c: Context<AppEnv>, node: Child, status: 200 | 400 | 409 = 200) => {
  c.header("Cache-Control", PRIVATE);
  return c.html(<>{node}</>, status);
};

const invalidLink = () => badRequest("invalid_link", "This sign-in link is not valid, was already used or has expired. Ask for a new one.");

accountRoutes.get("/signin", (c) =>
  privateHtml(
    c,
    <Page title="Sign in">
      <form method="post" action="/signin">
        <p>
          <label for="email">Email address</label> <input id="email" name="email" type="email" required autocomplete="email" />
        </p>
        <p>We mail you a link that signs you in. It works once, for 15 minutes. No password.</p>
        <button type="submit">Mail me a sign-in link</button>
      </form>
    </Page>,
  ),
);

accountRoutes.post("/signin", sameOrigin, async (c) => {
  const { email } = validate(SigninBody, await c.req.parseBody(), "invalid_form");
  const config = readConfig(c.env);
  await enforceLimits(
    c.env.DB,
    [
      { key: `signin:client:${await sha256Hex(clientKey(c.req.raw))}`, max: LIMITS.perClient, windowSeconds: LIMITS.windowSeconds },
      { key: `signin:address:${await suppressionHash(config.suppression.current, email)}`, max: LIMITS.perAddress, windowSeconds: LIMITS.windowSeconds },
    ],
    Date.now(),
    "Too many sign-in requests. Please wait a while and try again.",
  );
  const id = crypto.randomUUID();
  const tokenHash = await signinTokenHash(await signinToken(config.TOKEN_SECRET, id));
  await createDb(c.env.DB).insert(signinTokens).values({ id, tokenHash, email, expiresAt: Date.now() + SIGNIN_TTL_MS, mailStatus: "queued" });
  const message: MailMessage = { kind: "signin", tokenId: id };
  await c.env.MAIL_QUEUE.send(message);
  // The same answer for every address, known or not, suppressed or not: no enumeration.
  return privateHtml(
    c,
    <Page title="Check your inbox">
      <p>If the address can receive mail, a sign-in link is on its way. It works once, for 15 minutes.</p>
    </Page>,
  );
});

/** The unused, unexpired sign-in row of a link, or null. */
async function liveToken(c: Context<AppEnv>, token: string) {
  const row = await createDb(c.env.DB)
    .select()
    .from(signinTokens)
    .where(eq(signinTokens.tokenHash, await signinTokenHash(token)))
    .get();
  return row && !row.usedAt && row.expiresAt > Date.now() ? row : null;
}

accountRoutes.get("/signin/verify", async (c) => {
  const token = c.req.query("token") ?? "";
  if (!token || token.length > 200 || !(await liveToken(c, token))) throw invalidLink();
  // A button, not an action on GET: mail scanners follow links, people press buttons.
  return privateHtml(
    c,
    <Page title="Sign in">
      <form method="post" action="/signin/verify">
        <input type="hidden" name="token" value={token} />
        <button type="submit">Sign in to Paperboy</button>
      </form>
    </Page>,
  );
});

accountRoutes.post("/signin/verify", sameOrigin, async (c) => {
  const { token } = validate(TokenBody, await c.req.parseBody(), "invalid_form");
  const now = Date.now();
  // Used once: the UPDATE marks the row only if nobody did before, in one statement.
  const used = await c.env.DB.prepare("UPDATE signin_tokens SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?3 RETURNING email")
    .bind(new Date(now).toISOString(), await signinTokenHash(token), now)
    .first<{ email: string }>();
  if (!used) throw invalidLink();
  const db = createDb(c.env.DB);
  await db.insert(accounts).values({ id: crypto.randomUUID(), email: used.email }).onConflictDoNothing({ target: accounts.email });
  const account = await db.select().from(accounts).where(eq(accounts.email, used.email)).get();
  if (!account) throw invalidLink();
  await startSession(db, c, account.id, now);
  c.header("Cache-Control", PRIVATE);
  return c.redirect("/account", 303);
});

/** The signed-in account, or a redirect to /signin. */
async function requireSession(c: Context<AppEnv>) {
  const session = await currentSession(createDb(c.env.DB), c);
  if (!session) throw new ApiError(401, "unauthorized", "Sign in to see your account.");
  return session;
}

function AccountPage(props: { email: string; handle: string | null; displayName: string | null; sessions: { current: boolean; userAgent: string | null; createdAt: string; lastSeenAt: string }[]; notice?: string }) {
  return (
    <Page title="Your account">
      {props.notice ? (
        <p role="status">
          <strong>{props.notice}</strong>
        </p>
      ) : null}
      {props.handle ? (
        <p>
          Signed in as <a href={`/u/${props.handle}`}>{`@${props.handle}`}</a>
          {props.displayName ? ` (${props.displayName})` : ""} with {props.email}.
        </p>
      ) : (
        <p>{`Welcome! You signed in with ${props.email}. Choose a handle: it names your public profile.`}</p>
      )}
      <form method="post" action="/account/profile">
        <p>
          <label for="handle">Handle</label>{" "}
          <input id="handle" name="handle" required minlength={3} maxlength={30} pattern="[a-z0-9\-]+" value={props.handle ?? ""} />
        </p>
        <p>3 to 30 lower-case letters, digits and hyphens.</p>
        <p>
          <label for="displayName">Display name</label> <input id="displayName" name="displayName" maxlength={60} value={props.displayName ?? ""} />
        </p>
        <button type="submit">Save</button>
      </form>
      <h2>Where you are signed in</h2>
      <ul>
        {props.sessions.map((s) => (
          <li>{`${s.userAgent ?? "Unknown browser"}, since ${s.createdAt.slice(0, 10)}, last seen ${s.lastSeenAt.slice(0, 16).replace("T", " ")} UTC${s.current ? " (this browser)" : ""}`}</li>
        ))}
      </ul>
      <form method="post" action="/signout">
        <button type="submit">Sign out</button>
      </form>
      <form method="post" action="/signout/everywhere">
        <button type="submit">Sign out everywhere</button>
      </form>
    </Page>
  );
}

async function renderAccount(c: Context<AppEnv>, session: Awaited<ReturnType<typeof requireSession>>, notice?: string, status: 200 | 400 | 409 = 200) {
  const rows = await activeSessions(createDb(c.env.DB), session.account.id);
  const list = rows.map((s) => ({ current: s.idHash === session.idHash, userAgent: s.userAgent, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt }));
  return privateHtml(c, <AccountPage {...session.account} sessions={list} notice={notice} />, status);
}

accountRoutes.get("/account", async (c) => {
  const session = await currentSession(createDb(c.env.DB), c);
  if (!session) {
    c.header("Cache-Control", PRIVATE);
    return c.redirect("/signin", 303);
  }
  return renderAccount(c, session);
});

accountRoutes.post("/account/profile", sameOrigin, async (c) => {
  const session = await requireSession(c);
  const parsed = ProfileBody.safeParse(await c.req.parseBody());
  if (!parsed.success) return renderAccount(c, session, `Not saved: ${parsed.error.issues[0]?.message ?? "invalid form"}.`, 400);
  const db = createDb(c.env.DB);
  const { handle, displayName } = parsed.data;
  const taken = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.handle, handle)).get();
  if (taken && taken.id !== session.account.id) return renderAccount(c, session, "Not saved: this handle is taken.", 409);
  try {
    await db.update(accounts).set({ handle, displayName: displayName || null }).where(eq(accounts.id, session.account.id));
  } catch {
    // Someone took the handle between the check and the write (UNIQUE).
    return renderAccount(c, session, "Not saved: this handle is taken.", 409);
  }
  return renderAccount(c, { ...session, account: { ...session.account, handle, displayName: displayName || null } }, "Saved.");
});

accountRoutes.post("/signout", sameOrigin, async (c) => {
  const db = createDb(c.env.DB);
  const session = await currentSession(db, c);
  if (session) await endSession(db, c, session);
  c.header("Cache-Control", PRIVATE);
  return c.redirect("/", 303);
});

accountRoutes.post("/signout/everywhere", sameOrigin, async (c) => {
  const db = createDb(c.env.DB);
  const session = await requireSession(c);
  await endAllSessions(db, c, session.account.id);
  c.header("Cache-Control", PRIVATE);
  return c.redirect("/", 303);
});

// Public: the same bytes for everyone, so it never reads the session cookie.
accountRoutes.get("/u/:handle", async (c) => {
  const handle = Handle.safeParse(c.req.param("handle"));
  if (!handle.success) throw notFound("there is no profile with this handle");
  const db = createDb(c.env.DB);
  const account = await db.select({ id: accounts.id, handle: accounts.handle, displayName: accounts.displayName }).from(accounts).where(eq(accounts.handle, handle.data)).get();
  if (!account?.handle) throw notFound("there is no profile with this handle");
  const upvoted = await upvotedPapers(db, account.id, PROFILE_UPVOTES);
  setCache(c, "counts");
  return c.html(
    <Layout title={`@${account.handle}`} votes>
      <h1>{`@${account.handle}`}</h1>
      {account.displayName ? <p>{account.displayName}</p> : null}
      <h2>Upvoted papers</h2>
      {upvoted.length ? (
        <Cards items={upvoted} level={3} showDay />
      ) : (
        <p>No upvotes yet.</p>
      )}
    </Layout>,
  );
});
