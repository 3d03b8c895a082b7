import { type Context, Hono } from "hono";
import { createDb } from "#shared/db/client";
import { freshenAfterWrite } from "../cache/purge";
import { readConfig } from "../env";
import { ApiError, notFound } from "../errors";
import { paperIdFrom } from "../http/paper-id";
import { PRIVATE } from "../http/private-page";
import { enforceLimits } from "../http/rate-limit";
import { sameOrigin } from "../http/same-origin";
import { type SignedInEnv, signedInGate } from "../http/session-gate";
import { currentSession, type Session } from "../http/sessions";
import { rankAgainSoon } from "../readers/rank-soon";
import { Layout } from "../ui/layout";
import { castVote, upvotedBy, type VoteIntent } from "./vote-store";

/**
 * Upvotes: a form for pages without JavaScript (`POST /papers/{id}/upvote`, a toggle answered
 * with 303 back to the card), and the private JSON the page script uses (`/api/me`,
 * `PUT|DELETE /api/me/upvotes/{id}`). Public pages never read the session; everything here
 * is `private, no-store`.
 */
export const voteFormRoutes = new Hono<SignedInEnv>();
export const meRoutes = new Hono<SignedInEnv>();

export const VOTE_LIMIT = { max: 60, windowSeconds: 60 };
/** How many of an account's upvotes /api/me lists, most recent first. */
export const ME_UPVOTED_MAX = 1000;

/** The page the vote came from (its Referer, when it is ours), else the paper's page. */
function backTo(c: Context<SignedInEnv>, paperId: string): string {
  const referer = c.req.header("Referer");
  if (referer) {
    try {
      const url = new URL(referer);
      if (url.origin === new URL(c.req.url).origin) return url.pathname + url.search;
    } catch {
      // not a URL: fall through
    }
  }
  return `/papers/${paperId}`;
}

async function vote(c: Context<SignedInEnv>, session: Session, paperId: string, intent: VoteIntent) {
  await enforceLimits(
    c.env.DB,
    // An account id is a random UUID, no address or IP: the key needs no hash.
    [{ key: `vote:account:${session.account.id}`, ...VOTE_LIMIT }],
    "Too many votes in a short time. Please wait a minute and try again.",
  );
  const cast = await castVote(createDb(c.env.DB), session.account.id, paperId, intent);
  if (!cast) throw notFound(`paper ${paperId} is not in the catalog`);
  // the vote's own batch said whether the voter reads For you: no other read for anyone else
  const { readsForYou, ...result } = cast;
  if (readsForYou) rankAgainSoon(c, session.account.id);
  const back = backTo(c, paperId);
  // The voter's next view of this page shows the vote; every other copy expires within VOTE_VISIBLE_S.
  await freshenAfterWrite(readConfig(c.env).SITE_URL, paperId, back);
  c.header("Cache-Control", PRIVATE);
  return { result, back };
}

const voter = signedInGate((c) => {
  const paperId = paperIdFrom(c.req.param("id") ?? "").id;
  c.header("Cache-Control", PRIVATE);
  return c.html(
    <Layout title="Sign in to upvote" nav={null}>
      <h1>Sign in to upvote</h1>
      <p class="notice">Upvotes belong to accounts, so that each person counts once.</p>
      <p>
        <a href="/signin">Sign in with your email address</a> · <a href={`/papers/${paperId}`}>Back to the paper</a>
      </p>
    </Layout>,
    401,
  );
});

voteFormRoutes.post("/papers/:id{.+}/upvote", sameOrigin, voter, async (c) => {
  const paperId = paperIdFrom(c.req.param("id")).id;
  const { back } = await vote(c, c.var.session, paperId, "toggle");
  return c.redirect(`${back}#paper-${paperId}`, 303);
});

/** Writes from the page's script must come from the page: no other origin may vote for someone. */
meRoutes.use("*", async (c, next) => {
  const origin = c.req.header("Origin");
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && origin && origin !== new URL(c.req.url).origin) {
    throw new ApiError(403, "forbidden", "votes are accepted only from this site's own pages");
  }
  await next();
  c.header("Cache-Control", PRIVATE);
});

const signedIn = signedInGate(() => {
  throw new ApiError(401, "unauthorized", "sign in first: this needs a session cookie");
});

/** Who the signed-in person is and what they upvoted; `account: null` for everyone else. */
meRoutes.get("/", async (c) => {
  const db = createDb(c.env.DB);
  const session = await currentSession(db, c);
  if (!session) return c.json({ account: null, upvoted: [] });
  const { handle, displayName } = session.account;
  return c.json({ account: { handle, displayName }, upvoted: await upvotedBy(db, session.account.id, ME_UPVOTED_MAX) });
});

meRoutes.put("/upvotes/:id{.+}", signedIn, async (c) => {
  return c.json((await vote(c, c.var.session, paperIdFrom(c.req.param("id")).id, "vote")).result);
});

meRoutes.delete("/upvotes/:id{.+}", signedIn, async (c) => {
  return c.json((await vote(c, c.var.session, paperIdFrom(c.req.param("id")).id, "unvote")).result);
});
