import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { MailMessage } from "#shared/contracts";
import { createDb } from "#shared/db/client";
import { accounts, signinTokens } from "#shared/db/schema";
import { EmailAddress, suppressionHash } from "#shared/mail/address";
import { SIGNIN_TTL_MS, signinToken, signinTokenHash } from "#shared/mail/signin";
import { submittedPapers, upvotedPapers } from "#shared/papers/queries";
import { profileTag, setCache } from "../cache/cache-policy";
import { type AppEnv, readConfig } from "../env";
import { badRequest, notFound, validate } from "../errors";
import { PRIVATE, privateHtml } from "../http/private-page";
import { clientAndAddressLimits, enforceLimits } from "../http/rate-limit";
import { sameOrigin } from "../http/same-origin";
import { currentSession, endAllSessions, endSession, requireSession, startSession } from "../http/sessions";
import { Cards } from "../ui/components";
import { Layout, TitledPage } from "../ui/layout";
import { accountPageRoutes } from "./account-page";
import { Handle } from "./handles";

/**
 * Sign-in by email link, sessions and public profiles; the account page is in account-page.tsx. Nothing here goes
 * through the site's cache layers: private pages say `private, no-store`, and the public profile
 * never reads the session.
 */
export const accountRoutes = new Hono<AppEnv>();
accountRoutes.route("/", accountPageRoutes);

const LIMITS = { perClient: 20, perAddress: 5, windowSeconds: 3600 };
/** How many of a person's submitted and of their upvoted papers their profile lists, most recent first. */
const PROFILE_PAPERS = 50;

const SigninBody = z.object({ email: EmailAddress });
const TokenBody = z.object({ token: z.string().min(1).max(200) });

const invalidLink = () =>
  badRequest("invalid_link", "This sign-in link is not valid, was already used or has expired. Ask for a new one.");

accountRoutes.get("/signin", (c) =>
  privateHtml(
    c,
    <TitledPage title="Sign in">
      <form method="post" action="/signin">
        <p>
          <label for="email">Email address</label>{" "}
          <input id="email" name="email" type="email" required autocomplete="email" />
        </p>
        <p>We mail you a link that signs you in. It works once, for 15 minutes. No password.</p>
        <button type="submit">Mail me a sign-in link</button>
      </form>
    </TitledPage>,
  ),
);

accountRoutes.post("/signin", sameOrigin, async (c) => {
  const { email } = validate(SigninBody, await c.req.parseBody(), "invalid_form");
  const config = readConfig(c.env);
  await enforceLimits(
    c.env.DB,
    await clientAndAddressLimits(c.req.raw, "signin", await suppressionHash(config.suppression.current, email), LIMITS),
    "Too many sign-in requests. Please wait a while and try again.",
  );
  const id = crypto.randomUUID();
  const tokenHash = await signinTokenHash(await signinToken(config.TOKEN_SECRET, id));
  await createDb(c.env.DB)
    .insert(signinTokens)
    .values({ id, tokenHash, email, expiresAt: Date.now() + SIGNIN_TTL_MS, mailStatus: "queued" });
  const message: MailMessage = { kind: "signin", tokenId: id };
  await c.env.MAIL_QUEUE.send(message);
  // The same answer for every address, known or not, suppressed or not: no enumeration.
  return privateHtml(
    c,
    <TitledPage title="Check your inbox">
      <p>If the address can receive mail, a sign-in link is on its way. It works once, for 15 minutes.</p>
    </TitledPage>,
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
    <TitledPage title="Sign in">
      <form method="post" action="/signin/verify">
        <input type="hidden" name="token" value={token} />
        <button type="submit">Sign in to Paperboy</button>
      </form>
    </TitledPage>,
  );
});

accountRoutes.post("/signin/verify", sameOrigin, async (c) => {
  const { token } = validate(TokenBody, await c.req.parseBody(), "invalid_form");
  const now = Date.now();
  // Used once: the UPDATE marks the row only if nobody did before, in one statement.
  const used = await c.env.DB.prepare(
    "UPDATE signin_tokens SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?3 RETURNING email",
  )
    .bind(new Date(now).toISOString(), await signinTokenHash(token), now)
    .first<{ email: string }>();
  if (!used) throw invalidLink();
  const db = createDb(c.env.DB);
  await db
    .insert(accounts)
    .values({ id: crypto.randomUUID(), email: used.email })
    .onConflictDoNothing({ target: accounts.email });
  const account = await db.select().from(accounts).where(eq(accounts.email, used.email)).get();
  if (!account) throw invalidLink();
  await startSession(db, c, account.id, now);
  c.header("Cache-Control", PRIVATE);
  return c.redirect("/account", 303);
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
  const account = await db
    .select({ id: accounts.id, handle: accounts.handle, displayName: accounts.displayName })
    .from(accounts)
    .where(eq(accounts.handle, handle.data))
    .get();
  if (!account?.handle) throw notFound("there is no profile with this handle");
  const [submitted, upvoted] = await Promise.all([
    submittedPapers(db, account.id, PROFILE_PAPERS),
    upvotedPapers(db, account.id, PROFILE_PAPERS),
  ]);
  setCache(c, "counts", [profileTag(account.handle)]);
  return c.html(
    <Layout title={`@${account.handle}`} votes>
      <h1>{`@${account.handle}`}</h1>
      {account.displayName ? <p>{account.displayName}</p> : null}
      {submitted.length ? (
        <>
          <h2>Submitted papers</h2>
          <Cards items={submitted} level={3} showDay />
        </>
      ) : null}
      <h2>Upvoted papers</h2>
      {upvoted.length ? <Cards items={upvoted} level={3} showDay /> : <p>No upvotes yet.</p>}
    </Layout>,
  );
});
