import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { createDb, type Db } from "#shared/db/client";
import { accounts, FOLLOW_KINDS } from "#shared/db/schema";
import { papersInOrder, trendingPapers } from "#shared/papers/queries";
import { feedKeyOf } from "#shared/readers/feed-token";
import { type ForYou, forYou } from "#shared/readers/reader-store";
import { vectorIndexFrom } from "#shared/vectors/from-env";
import { toHfDailyPaper } from "../api/hf-shape";
import { readConfig } from "../env";
import { ApiError, describeZodError, notFound } from "../errors";
import { FORMATS, type Format, send, toEntry } from "../feeds/feed-format";
import { paperIdFrom } from "../http/paper-id";
import { PRIVATE, privateAlways, privateHtml } from "../http/private-page";
import { enforceLimits } from "../http/rate-limit";
import { sameOrigin } from "../http/same-origin";
import { type SignedInEnv, signedInGate } from "../http/session-gate";
import { Notice } from "../ui/components";
import { TitledPage } from "../ui/layout";
import { addFollow, FollowBody, markNotForMe, removeFollow } from "./follow-store";
import { type ForYouItem, ForYouPage, PICKS_WANTED } from "./for-you-page";
import { rankAgainSoon } from "./rank-soon";

/**
 * Papers for you: follows (`POST /follows`, `/follows/delete`), "not for me" marks
 * (`POST /papers/{id}/not-for-me`), the page (`/for-you`), its JSON (`/api/me/for-you`) and its
 * private feed (`/for-you/feed/{token}.{rss|atom|json}`), and the feed's renewal. All of it is the
 * person's own: `private, no-store`, never through a shared cache, never read by a public page.
 */
export const readerRoutes = new Hono<SignedInEnv>();
for (const path of ["/follows", "/follows/*", "/for-you", "/for-you/*", "/api/me/for-you", "/account/feed"])
  readerRoutes.use(path, privateAlways);

/** Follows, unfollows and marks, together, per account: a person clicking, not a script. */
export const READER_LIMIT = { max: 30, windowSeconds: 60 };
/** How many ranked papers the page shows, and the most the JSON and the feed give. */
export const FOR_YOU_SHOWN = 30;
const MAX_API_LIMIT = 100;
/** A private feed's file: the token, then one of the feeds' formats. */
const FEED_FILE = new RegExp(`^(.+)\\.(${FORMATS.join("|")})$`);

const signedInPage = signedInGate((c) =>
  privateHtml(
    c,
    <TitledPage title="Sign in first">
      <p class="notice">
        For you, follows and marks belong to an account: they rank the papers of the last two weeks for you alone.
      </p>
      <p>
        <a href="/signin">Sign in with your email address</a> · <a href="/">Back to the latest papers</a>
      </p>
    </TitledPage>,
    401,
  ),
);
const signedInJson = signedInGate(() => {
  throw new ApiError(401, "unauthorized", "sign in first: this needs a session cookie");
});

const answer = (c: Context<SignedInEnv>, title: string, text: string, status: 200 | 400 | 404 | 409) =>
  privateHtml(
    c,
    <TitledPage title={title}>
      <Notice text={text} />
      <p>
        <a href="/for-you">For you</a> · <a href="/account#for-you">Your follows</a>
      </p>
    </TitledPage>,
    status,
  );

const limitWrites = (c: Context<SignedInEnv>) =>
  enforceLimits(
    c.env.DB,
    // An account id is a random UUID, no address or IP: the key needs no hash.
    [{ key: `reader:account:${c.var.session.account.id}`, ...READER_LIMIT }],
    "Too many follows or marks in a short time. Please wait a minute and try again.",
  );

const KIND_NAMES = { author: "the author", category: "the category", topic: "the topic" } as const;

readerRoutes.post("/follows", sameOrigin, signedInPage, async (c) => {
  const parsed = FollowBody.safeParse(await c.req.parseBody());
  if (!parsed.success) return answer(c, "Not followed", `Nothing changed: ${describeZodError(parsed.error)}.`, 400);
  await limitWrites(c);
  const follow = parsed.data;
  const what = `${KIND_NAMES[follow.kind]} ${follow.label}`;
  const outcome = await addFollow(createDb(c.env.DB), c.var.session.account.id, follow);
  if (outcome === "followed") rankAgainSoon(c, c.var.session.account.id);
  if (outcome === "followed")
    return answer(c, "Followed", `You now follow ${what}. Its papers come first in your For you.`, 200);
  if (outcome === "already") return answer(c, "Already followed", `You already follow ${what}. Nothing changed.`, 409);
  if (outcome === "unknown-author")
    return answer(
      c,
      "Not followed",
      `No paper in the catalog has an author named ${follow.label}. Nothing changed.`,
      404,
    );
  return answer(
    c,
    "Not followed",
    "You follow as many authors, categories and topics as an account can (100). Remove one first. Nothing changed.",
    409,
  );
});

const UnfollowBody = z.object({ kind: z.enum(FOLLOW_KINDS), key: z.string().min(1).max(200) });

readerRoutes.post("/follows/delete", sameOrigin, signedInPage, async (c) => {
  const parsed = UnfollowBody.safeParse(await c.req.parseBody());
  if (!parsed.success) return answer(c, "Not removed", `Nothing changed: ${describeZodError(parsed.error)}.`, 400);
  await limitWrites(c);
  const { kind, key } = parsed.data;
  if (!(await removeFollow(createDb(c.env.DB), c.var.session.account.id, kind, key)))
    return answer(c, "Not removed", "You do not follow this. Nothing changed.", 404);
  rankAgainSoon(c, c.var.session.account.id);
  return c.redirect("/account#for-you", 303);
});

readerRoutes.post("/papers/:id{.+}/not-for-me", sameOrigin, signedInPage, async (c) => {
  const paperId = paperIdFrom(c.req.param("id")).id;
  await limitWrites(c);
  const marked = await markNotForMe(createDb(c.env.DB), c.var.session.account.id, paperId);
  if (marked === null) throw notFound(`paper ${paperId} is not in the catalog`);
  if (marked) rankAgainSoon(c, c.var.session.account.id);
  c.header("Cache-Control", PRIVATE);
  return c.redirect("/for-you", 303);
});

/** The person's ranking with its papers as the site lists them (papersInOrder leaves out one hidden since). */
async function rankedItems(db: Db, ranking: ForYou, limit: number): Promise<ForYouItem[]> {
  const top = ranking.ranked.slice(0, limit);
  const reasons = new Map(top.map((r) => [r.paperId, r.reasons]));
  const items = await papersInOrder(db, [...reasons.keys()]);
  return items.map((item) => ({ item, reasons: reasons.get(item.paper.id) ?? [] }));
}

readerRoutes.get("/for-you", signedInPage, async (c) => {
  const db = createDb(c.env.DB);
  const ranking = await forYou(db, vectorIndexFrom(c.env, db), c.var.session.account.id);
  const [items, starters] = await Promise.all([
    rankedItems(db, ranking, FOR_YOU_SHOWN),
    ranking.signals < PICKS_WANTED ? trendingPapers(db, { limit: 10 }) : [],
  ]);
  return privateHtml(
    c,
    <ForYouPage items={items} signals={ranking.signals} builtAt={ranking.builtAt} starters={starters} />,
  );
});

const ApiLimit = z.coerce.number().int().min(1).max(MAX_API_LIMIT).default(FOR_YOU_SHOWN);

readerRoutes.get("/api/me/for-you", signedInJson, async (c) => {
  const limit = ApiLimit.safeParse(c.req.query("limit") || undefined);
  if (!limit.success)
    throw new ApiError(400, "invalid_request", `limit must be a whole number from 1 to ${MAX_API_LIMIT}`);
  const db = createDb(c.env.DB);
  const ranking = await forYou(db, vectorIndexFrom(c.env, db), c.var.session.account.id);
  const items = await rankedItems(db, ranking, limit.data);
  return c.json({
    builtAt: ranking.builtAt,
    signals: ranking.signals,
    papers: items.map(({ item, reasons }) => ({ ...toHfDailyPaper(item), reasons })),
  });
});

readerRoutes.get("/for-you/feed/:file", async (c) => {
  const match = FEED_FILE.exec(c.req.param("file"));
  const config = readConfig(c.env);
  const key = match ? await feedKeyOf(config.TOKEN_SECRET, match[1]!) : null;
  const db = createDb(c.env.DB);
  const account = key
    ? await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.feedKey, key)).get()
    : undefined;
  // one answer for a malformed, forged or renewed address: nothing says which
  if (!match || !account) throw notFound("there is no feed at this address (it may have been renewed)");
  const format = match[2] as Format;
  const ranking = await forYou(db, vectorIndexFrom(c.env, db), account.id);
  const items = await rankedItems(db, ranking, FOR_YOU_SHOWN);
  const site = config.SITE_URL;
  return send(c, format, {
    title: "Paperboy · For you",
    description: "The papers of the last two weeks, ranked for you.",
    self: `${site}/for-you/feed/${match[1]}.${format}`,
    alternate: `${site}/for-you`,
    entries: items.map(({ item }) => toEntry(site, item)),
  });
});

/** A new feed address: the old one stops working at once. */
readerRoutes.post("/account/feed", sameOrigin, signedInPage, async (c) => {
  await createDb(c.env.DB)
    .update(accounts)
    .set({ feedKey: crypto.randomUUID() })
    .where(eq(accounts.id, c.var.session.account.id));
  return c.redirect("/account#for-you", 303);
});
