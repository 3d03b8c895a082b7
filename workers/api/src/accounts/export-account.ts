import { desc, eq } from "drizzle-orm";
import type { Db } from "#shared/db/client";
import {
  type AccountRow,
  comments,
  consents,
  dailyEntries,
  follows,
  notForMe,
  readerRankings,
  sessions,
  subscribers,
  upvotes,
} from "#shared/db/schema";
import { LIKED_MAX } from "#shared/readers/reader-store";

/**
 * Everything Paperboy holds about an account, as one JSON document (the account page's "download
 * your data"): the account, its sessions (without their secrets), upvotes, comments, submitted
 * papers, the digest subscription of its address with its consents, and For you's data (follows,
 * "not for me" marks, the kept ranking and what it was built from). Read in one batch, so that the
 * parts agree with each other.
 */
export async function exportAccount(db: Db, account: AccountRow, now = new Date()) {
  const id = account.id;
  const [sessionRows, upvoteRows, commentRows, submitted, subscriber, followRows, marks, ranking] = await db.batch([
    db
      .select({ userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt })
      .from(sessions)
      .where(eq(sessions.accountId, id)),
    db
      .select({ paperId: upvotes.paperId, at: upvotes.createdAt })
      .from(upvotes)
      .where(eq(upvotes.accountId, id))
      .orderBy(desc(upvotes.createdAt)),
    db
      .select({
        id: comments.id,
        paperId: comments.paperId,
        parentId: comments.parentId,
        body: comments.body,
        createdAt: comments.createdAt,
        editedAt: comments.editedAt,
        deletedAt: comments.deletedAt,
      })
      .from(comments)
      .where(eq(comments.accountId, id))
      .orderBy(desc(comments.createdAt)),
    db
      .select({ paperId: dailyEntries.paperId, day: dailyEntries.day })
      .from(dailyEntries)
      .where(eq(dailyEntries.submitterAccountId, id)),
    db.select().from(subscribers).where(eq(subscribers.email, account.email)),
    db
      .select({ kind: follows.kind, name: follows.label, key: follows.key, since: follows.createdAt })
      .from(follows)
      .where(eq(follows.accountId, id)),
    db
      .select({ paperId: notForMe.paperId, at: notForMe.createdAt })
      .from(notForMe)
      .where(eq(notForMe.accountId, id))
      .orderBy(desc(notForMe.createdAt)),
    db.select().from(readerRankings).where(eq(readerRankings.accountId, id)),
  ]);
  const sub = subscriber[0];
  const consentRows = sub
    ? await db
        .select({ formText: consents.formText, givenAt: consents.givenAt, confirmedAt: consents.confirmedAt })
        .from(consents)
        .where(eq(consents.subscriberId, sub.id))
    : [];
  const kept = ranking[0];
  return {
    exportedAt: now.toISOString(),
    account: {
      email: account.email,
      handle: account.handle,
      displayName: account.displayName,
      createdAt: account.createdAt,
      privateFeed: account.feedKey ? "made (its address is on the account page)" : null,
    },
    sessions: sessionRows,
    upvotes: upvoteRows,
    comments: commentRows,
    submittedPapers: submitted,
    subscription: sub
      ? {
          status: sub.status,
          frequency: sub.frequency,
          categories: sub.categories,
          keywords: sub.keywords,
          rankedForMe: sub.rankedForMe,
          createdAt: sub.createdAt,
          confirmedAt: sub.confirmedAt,
          unsubscribedAt: sub.unsubscribedAt,
          consents: consentRows,
        }
      : null,
    forYou: {
      follows: followRows,
      notForMe: marks,
      model: {
        about: `For you ranks by the centroid of the vectors of your most recent upvotes (at most ${LIKED_MAX}), minus the papers near your 'not for me' marks, plus what you follow.`,
        upvotesUsed: Math.min(upvoteRows.length, LIKED_MAX),
        ranking: kept ? { builtAt: kept.builtAt, vectorSpace: kept.space || null, papers: kept.ranking } : null,
      },
    },
  };
}
