import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { createDb } from "#shared/db/client";
import { isUniqueViolation } from "#shared/db/errors";
import {
  accounts,
  dailyEntries,
  FOLLOW_KINDS,
  type FollowRow,
  follows,
  type SubscriberRow,
  subscribers,
} from "#shared/db/schema";
import { Filters } from "#shared/mail/messages";
import { type BlockingReason, blockingSuppression, subscribeVerified } from "#shared/mail/subscribers";
import { authorPath } from "#shared/papers/authors";
import { purgeAfterErasure } from "../cache/purge";
import { type AppEnv, readConfig } from "../env";
import { describeZodError } from "../errors";
import type { Format } from "../feeds/feed-format";
import { privateAlways, privateHtml } from "../http/private-page";
import { sameOrigin } from "../http/same-origin";
import { activeSessions, clearSessionCookie, currentSession, requireSession, type Session } from "../http/sessions";
import { feedAddresses } from "../readers/feed-addresses";
import { FollowForms } from "../readers/for-you-page";
import { PreferenceFields, SubscriptionControls } from "../subscribe/pages";
import { ACCOUNT_CONSENT_TEXT } from "../subscribe/subscribe-form";
import { ChoiceFields, changeSubscription, filterInput } from "../subscribe/subscription-change";
import { Notice, utcTime } from "../ui/components";
import { TitledPage } from "../ui/layout";
import { eraseAccount } from "./erase-account";
import { exportAccount } from "./export-account";
import { DisplayName, Handle, isUpstreamSubmitter } from "./handles";

/**
 * The account page: profile, the digest of the same address (no mailed link needed: the session
 * proves the address), sessions, and deleting the account. Every answer is `private, no-store`.
 */
export const accountPageRoutes = new Hono<AppEnv>();
accountPageRoutes.use("/account", privateAlways);
accountPageRoutes.use("/account/*", privateAlways);

const ProfileBody = z.object({ handle: Handle, displayName: DisplayName.optional() });
const SubscriptionBody = z.object({ action: z.enum(["save", "unsubscribe", "resume", "subscribe"]), ...ChoiceFields });
const DeleteBody = z.object({ confirm: z.literal("yes", "tick the box to confirm") });

const BLOCKED: Record<BlockingReason, string> = {
  bounced: "mail to it bounced",
  complained: "a mail we sent to it was reported as spam",
  invalid: "the mail service refused it as invalid",
};
const blockedNotice = (reason: BlockingReason) =>
  `No mail goes to this address: ${BLOCKED[reason]}. It cannot be subscribed to the digest.`;

type SessionView = { current: boolean; userAgent: string | null; createdAt: string; lastSeenAt: string };

function DigestSection(props: {
  email: string;
  subscriber: SubscriberRow | undefined;
  blocked: BlockingReason | null;
}) {
  const { subscriber: sub, blocked } = props;
  const canSubscribe = !blocked;
  return (
    <section aria-labelledby="digest">
      <h2 id="digest">Your digest</h2>
      <Notice text={blocked ? blockedNotice(blocked) : null} role="note" />
      {sub ? (
        <>
          <p>
            Status: <strong data-testid="digest-status">{sub.status}</strong> · {sub.frequency} · categories:{" "}
            <span data-testid="digest-categories">{sub.categories.join(", ") || "all"}</span> · keywords:{" "}
            <span data-testid="digest-keywords">{sub.keywords.join(", ") || "none"}</span>
          </p>
          {sub.status === "pending" && canSubscribe ? (
            <form method="post" action="/account/subscription">
              <p>
                This subscription waits for the confirmation we mailed. Your sign-in already proved the address, so you
                can confirm it here.
              </p>
              <p>
                <small>{ACCOUNT_CONSENT_TEXT}</small>
              </p>
              <button type="submit" name="action" value="resume">
                Confirm subscription
              </button>
            </form>
          ) : null}
          <form method="post" action="/account/digest-order">
            <p>
              {sub.rankedForMe
                ? "Your digest lists its papers ranked for you, by what you upvoted and follow (its filters still apply)."
                : "Your digest lists the most upvoted papers first."}{" "}
              <button type="submit" name="ranked" value={sub.rankedForMe ? "no" : "yes"}>
                {sub.rankedForMe ? "Most upvoted first instead" : "Rank it for me"}
              </button>
            </p>
          </form>
          {sub.status !== "unsubscribed" || canSubscribe ? (
            <SubscriptionControls
              {...sub}
              action="/account/subscription"
              hidden={{}}
              consentText={ACCOUNT_CONSENT_TEXT}
            />
          ) : null}
        </>
      ) : canSubscribe ? (
        <form method="post" action="/account/subscription">
          <p>{`You are not subscribed. Get the top papers mailed to ${props.email}:`}</p>
          <PreferenceFields frequency="daily" categories={[]} keywords={[]} />
          <p>
            <small>{ACCOUNT_CONSENT_TEXT}</small>
          </p>
          <button type="submit" name="action" value="subscribe">
            Subscribe
          </button>
        </form>
      ) : null}
    </section>
  );
}

const FOLLOW_NAMES = { author: "Authors", category: "Categories", topic: "Topics" } as const;

function ForYouSection(props: { follows: FollowRow[]; feeds: Record<Format, string> | null }) {
  return (
    <section aria-labelledby="for-you">
      <h2 id="for-you">For you</h2>
      <p>
        <a href="/for-you">For you</a> ranks the papers of the last two weeks by what you upvoted and what you follow.
      </p>
      {props.follows.length ? (
        FOLLOW_KINDS.map((kind) => {
          const list = props.follows.filter((f) => f.kind === kind);
          return list.length ? (
            <>
              <h3>{FOLLOW_NAMES[kind]} you follow</h3>
              <ul class="follows">
                {list.map((f) => (
                  <li>
                    {kind === "author" ? <a href={authorPath(f.label)}>{f.label}</a> : f.label}{" "}
                    <form method="post" action="/follows/delete" class="inline">
                      <input type="hidden" name="kind" value={f.kind} />
                      <input type="hidden" name="key" value={f.key} />
                      <button type="submit" aria-label={`Stop following ${f.label}`}>
                        Remove
                      </button>
                    </form>
                  </li>
                ))}
              </ul>
            </>
          ) : null;
        })
      ) : (
        <p>You follow no author, category or topic yet.</p>
      )}
      <FollowForms />
      <h3>Your private feed</h3>
      {props.feeds ? (
        <>
          <p>
            For you in a feed reader. These addresses are secret: anyone who has one reads your For you. Renew them if
            one leaked; the old ones stop working.
          </p>
          <ul>
            <li>
              RSS: <code>{props.feeds.rss}</code>
            </li>
            <li>
              Atom: <code>{props.feeds.atom}</code>
            </li>
            <li>
              JSON Feed: <code>{props.feeds.json}</code>
            </li>
          </ul>
        </>
      ) : (
        <p>A secret address that gives your For you to a feed reader (which has no cookie).</p>
      )}
      <form method="post" action="/account/feed">
        <button type="submit">{props.feeds ? "Renew the addresses" : "Make my feed's address"}</button>
      </form>
    </section>
  );
}

function AccountPage(props: {
  email: string;
  handle: string | null;
  displayName: string | null;
  sessions: SessionView[];
  subscriber: SubscriberRow | undefined;
  blocked: BlockingReason | null;
  follows: FollowRow[];
  feeds: Record<Format, string> | null;
  notice?: string;
}) {
  return (
    <TitledPage title="Your account">
      <Notice text={props.notice} />
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
          <input
            id="handle"
            name="handle"
            required
            minlength={3}
            maxlength={30}
            pattern="[a-z0-9\-]+"
            value={props.handle ?? ""}
          />
        </p>
        <p>3 to 30 lower-case letters, digits and hyphens.</p>
        <p>
          <label for="displayName">Display name</label>{" "}
          <input id="displayName" name="displayName" maxlength={60} value={props.displayName ?? ""} />
        </p>
        <button type="submit">Save</button>
      </form>
      <DigestSection email={props.email} subscriber={props.subscriber} blocked={props.blocked} />
      <ForYouSection follows={props.follows} feeds={props.feeds} />
      <h2>Where you are signed in</h2>
      <ul>
        {props.sessions.map((s) => (
          <li>{`${s.userAgent ?? "Unknown browser"}, since ${s.createdAt.slice(0, 10)}, last seen ${utcTime(s.lastSeenAt)} UTC${s.current ? " (this browser)" : ""}`}</li>
        ))}
      </ul>
      <form method="post" action="/signout">
        <button type="submit">Sign out</button>
      </form>
      <form method="post" action="/signout/everywhere">
        <button type="submit">Sign out everywhere</button>
      </form>
      <h2>Your data</h2>
      <p>
        <a href="/account/export.json" download="paperboy-account.json">
          Download everything Paperboy holds about you (JSON)
        </a>
      </p>
      <h2>Delete your account</h2>
      <p>
        <a href="/account/delete">Delete your account and everything it holds…</a>
      </p>
    </TitledPage>
  );
}

async function renderAccount(c: Context<AppEnv>, session: Session, notice?: string, status: 200 | 400 | 409 = 200) {
  const db = createDb(c.env.DB);
  const { email } = session.account;
  const config = readConfig(c.env);
  const [rows, subscriber, blocked, followed, feeds] = await Promise.all([
    activeSessions(db, session.account.id),
    db.select().from(subscribers).where(eq(subscribers.email, email)).get(),
    blockingSuppression(db, config.suppression, email),
    db.select().from(follows).where(eq(follows.accountId, session.account.id)).orderBy(follows.kind, follows.label),
    feedAddresses(config.SITE_URL, config.TOKEN_SECRET, session.account.feedKey),
  ]);
  const list = rows.map((s) => ({
    current: s.idHash === session.idHash,
    userAgent: s.userAgent,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
  }));
  return privateHtml(
    c,
    <AccountPage
      {...session.account}
      sessions={list}
      subscriber={subscriber}
      blocked={blocked}
      follows={followed}
      feeds={feeds}
      notice={notice}
    />,
    status,
  );
}

accountPageRoutes.get("/account", async (c) => {
  const session = await currentSession(createDb(c.env.DB), c);
  if (!session) return c.redirect("/signin", 303);
  const fromSubmit = c.req.query("next") === "submit" && !session.account.handle;
  return renderAccount(
    c,
    session,
    fromSubmit ? "Choose a handle first: a submitted paper shows who submitted it." : undefined,
  );
});

accountPageRoutes.post("/account/profile", sameOrigin, async (c) => {
  const session = await requireSession(c);
  const parsed = ProfileBody.safeParse(await c.req.parseBody());
  if (!parsed.success)
    return renderAccount(c, session, `Not saved: ${parsed.error.issues[0]?.message ?? "invalid form"}.`, 400);
  const db = createDb(c.env.DB);
  const { handle, displayName } = parsed.data;
  const taken = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.handle, handle)).get();
  if (taken && taken.id !== session.account.id)
    return renderAccount(c, session, "Not saved: this handle is taken.", 409);
  if (handle !== session.account.handle && (await isUpstreamSubmitter(db, handle))) {
    return renderAccount(
      c,
      session,
      "Not saved: this handle is the name of a Hugging Face submitter of papers featured here; choose another.",
      409,
    );
  }
  try {
    // The name on the papers it submitted changes with the account, in the same transaction.
    await db.batch([
      db
        .update(accounts)
        .set({ handle, displayName: displayName || null })
        .where(eq(accounts.id, session.account.id)),
      db
        .update(dailyEntries)
        .set({ submitterName: handle, submitterFullname: displayName || null })
        .where(eq(dailyEntries.submitterAccountId, session.account.id)),
    ]);
  } catch (err) {
    // Someone took the handle between the check and the write; any other failure is a 500.
    if (!isUniqueViolation(err)) throw err;
    return renderAccount(c, session, "Not saved: this handle is taken.", 409);
  }
  return renderAccount(
    c,
    { ...session, account: { ...session.account, handle, displayName: displayName || null } },
    "Saved.",
  );
});

/** The digest of the account's own address: save, unsubscribe, resume (or confirm a pending one), subscribe. */
accountPageRoutes.post("/account/subscription", sameOrigin, async (c) => {
  const session = await requireSession(c);
  const parsed = SubscriptionBody.safeParse(await c.req.parseBody());
  if (!parsed.success) return renderAccount(c, session, `Nothing changed: ${describeZodError(parsed.error)}.`, 400);
  const form = parsed.data;
  const refuse = (notice: string) => renderAccount(c, session, `Nothing changed: ${notice}`, 400);
  const db = createDb(c.env.DB);
  const { suppression } = readConfig(c.env);
  const email = session.account.email;
  const sub = await db.select().from(subscribers).where(eq(subscribers.email, email)).get();
  const now = new Date().toISOString();
  let filters: Filters | undefined;
  if (form.action === "save" || form.action === "subscribe") {
    const checked = Filters.safeParse(filterInput(form));
    if (!checked.success) return refuse(`${describeZodError(checked.error)}.`);
    filters = checked.data;
  }
  if (form.action === "save") {
    if (!sub) return refuse("this address has no subscription yet.");
    await changeSubscription(db, sub, { action: "save", frequency: form.frequency, filters: filters! }, now);
  } else if (form.action === "unsubscribe") {
    if (sub?.status !== "pending" && sub?.status !== "confirmed") return refuse("this address is not subscribed.");
    await changeSubscription(db, sub, { action: "unsubscribe" }, now);
  } else {
    if (form.action === "resume" && (!sub || sub.status === "confirmed"))
      return refuse("there is no cancelled or pending subscription to resume.");
    if (form.action === "subscribe" && sub) return refuse("this address already has a subscription: change it below.");
    const choices = form.action === "subscribe" ? { frequency: form.frequency ?? "daily", ...filters! } : undefined;
    const result = await subscribeVerified(db, suppression, { email, choices, consentText: ACCOUNT_CONSENT_TEXT, now });
    if (!result.ok) return renderAccount(c, session, `Not subscribed. ${blockedNotice(result.reason)}`, 409);
  }
  return c.redirect("/account", 303);
});

const DigestOrderBody = z.object({ ranked: z.enum(["yes", "no"], { error: "choose yes or no" }) });

/** "Ranked for me": the digest of the account's address in the order of its For-you model, or not. */
accountPageRoutes.post("/account/digest-order", sameOrigin, async (c) => {
  const session = await requireSession(c);
  const parsed = DigestOrderBody.safeParse(await c.req.parseBody());
  if (!parsed.success) return renderAccount(c, session, `Nothing changed: ${describeZodError(parsed.error)}.`, 400);
  const changed = await createDb(c.env.DB)
    .update(subscribers)
    .set({ rankedForMe: parsed.data.ranked === "yes", updatedAt: new Date().toISOString() })
    .where(eq(subscribers.email, session.account.email))
    .returning({ id: subscribers.id });
  if (!changed.length) return renderAccount(c, session, "Nothing changed: this address has no subscription yet.", 400);
  return c.redirect("/account#digest", 303);
});

function DeletePage(props: { email: string; handle: string | null; notice?: string }) {
  return (
    <TitledPage title="Delete your account">
      <Notice text={props.notice} />
      <p>Deleting erases, at once and for good:</p>
      <ul>
        <li>{`your account${props.handle ? ` (@${props.handle}, free for anyone to take afterwards)` : ""}, its address ${props.email} and display name;`}</li>
        <li>all its sessions: you are signed out everywhere;</li>
        <li>your upvotes, which leave the papers' counts;</li>
        <li>what For you knows: your follows, your "not for me" marks, your ranking and your private feed;</li>
        <li>the text of your comments: each shows as "[deleted]", so that replies to it stay in place;</li>
        <li>your name on the papers you submitted (they stay featured, without a submitter);</li>
        <li>the digest subscription of this address, its preferences and consent records, if there is one;</li>
        <li>the sign-in links mailed to this address.</li>
      </ul>
      <p>
        If there is a subscription, we keep only a keyed one-way hash of the address, so that we never mail it again
        unless you subscribe anew.
      </p>
      <form method="post" action="/account/delete">
        <p>
          <label>
            <input type="checkbox" name="confirm" value="yes" required /> Yes, delete my account and everything above.
          </label>
        </p>
        <button type="submit">Delete my account</button>
      </form>
      <p>
        <a href="/account">Keep my account</a>
      </p>
    </TitledPage>
  );
}

accountPageRoutes.get("/account/export.json", async (c) => {
  const session = await currentSession(createDb(c.env.DB), c);
  if (!session) return c.redirect("/signin", 303);
  c.header("Content-Disposition", 'attachment; filename="paperboy-account.json"');
  return c.json(await exportAccount(createDb(c.env.DB), session.account));
});

accountPageRoutes.get("/account/delete", async (c) => {
  const session = await currentSession(createDb(c.env.DB), c);
  if (!session) return c.redirect("/signin", 303);
  return privateHtml(c, <DeletePage {...session.account} />);
});

accountPageRoutes.post("/account/delete", sameOrigin, async (c) => {
  const session = await requireSession(c);
  const parsed = DeleteBody.safeParse(await c.req.parseBody());
  if (!parsed.success)
    return privateHtml(c, <DeletePage {...session.account} notice="Not deleted: tick the box to confirm." />, 400);
  const config = readConfig(c.env);
  const { subscriber, shown } = await eraseAccount(createDb(c.env.DB), config.suppression, session.account);
  // The erasure is committed; a purge that fails only leaves pages stale for their few seconds.
  await purgeAfterErasure(c, config.SITE_URL, shown, session.account.handle).catch((err: unknown) => {
    console.error("purging after an erasure failed", err);
  });
  clearSessionCookie(c);
  return c.redirect(subscriber ? "/account/deleted?subscription=erased" : "/account/deleted", 303);
});

// Reached without a session (it has just ended); says only what any deletion erases.
accountPageRoutes.get("/account/deleted", (c) => {
  const subscription = c.req.query("subscription") === "erased";
  return privateHtml(
    c,
    <TitledPage title="Your account is deleted">
      <p>We erased:</p>
      <ul>
        <li>your account: its address, handle and display name (the handle is free again);</li>
        <li>all its sessions: you are signed out everywhere;</li>
        <li>your upvotes, which are out of the papers' counts;</li>
        <li>your follows, "not for me" marks, For-you ranking and private feed;</li>
        <li>the text of your comments, which show as "[deleted]";</li>
        <li>your name on the papers you submitted;</li>
        <li>the sign-in links mailed to the address.</li>
        {subscription ? (
          <li>
            your digest subscription, its preferences and consent records. We keep only a keyed one-way hash of the
            address, so that we never mail it again unless you subscribe anew.
          </li>
        ) : null}
      </ul>
      <p>
        <a href="/">Back to the latest papers</a>
      </p>
    </TitledPage>,
  );
});
