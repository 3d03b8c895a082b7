import { and, desc, eq, exists, type SQL, sql } from "drizzle-orm";
import type { Db } from "#shared/db/client";
import { dailyEntries, papers, readerRankings, upvotes } from "#shared/db/schema";
import { upvotesSql, visible } from "#shared/papers/queries";
import { touchReader } from "#shared/readers/reader-store";

/** What a vote leaves behind: whether this account's vote stands, and the counts shown. */
export interface VoteResult {
  paperId: string;
  voted: boolean;
  upvotes: number;
  localUpvotes: number;
  /** Whether the voter reads For you (has a kept ranking): then it is ranked again ahead of their next view. */
  readsForYou: boolean;
}

/** What someone asks for: a vote, no vote, or the other of what they have (the form without JavaScript). */
export type VoteIntent = "vote" | "unvote" | "toggle";

/**
 * Casts, withdraws or toggles one account's vote on one paper, in one D1 batch (a transaction):
 * the upvotes table's triggers move papers.local_upvotes in the statement that adds or removes the
 * row, so any number of concurrent votes leave the count equal to the rows. A toggle deletes, then
 * inserts only when the delete changed nothing (SQLite's changes() sees the previous statement).
 * The counts are read back in the same batch with the catalog's own `upvotesSql`.
 * A paper a curator hid is as unknown: every statement of the batch requires the paper visible, so
 * nothing is written and no row read back (no second round trip to check it first).
 * Returns null when the paper is not in the catalog or hidden.
 */
export async function castVote(
  db: Db,
  accountId: string,
  paperId: string,
  intent: VoteIntent,
): Promise<VoteResult | null> {
  // The paper's row is the source of the insert: no row, no vote (an unknown paper is not an error of the foreign key).
  const shown = and(eq(papers.id, paperId), visible);
  const insertIf = (condition?: SQL) =>
    db.insert(upvotes).select(
      db
        .select({
          accountId: sql<string>`${accountId}`.as("account_id"),
          paperId: papers.id,
          createdAt: sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`.as("created_at"),
        })
        .from(papers)
        .where(and(shown, condition)),
    );
  const paperShown = exists(db.select({ one: sql`1` }).from(papers).where(shown));
  const remove = db
    .delete(upvotes)
    .where(and(eq(upvotes.accountId, accountId), eq(upvotes.paperId, paperId), paperShown));
  const read = db
    .select({
      localUpvotes: papers.localUpvotes,
      upvotes: upvotesSql,
      voted: sql<number>`EXISTS (SELECT 1 FROM ${upvotes} WHERE account_id = ${accountId} AND paper_id = ${paperId})`,
      readsForYou: sql<number>`EXISTS (SELECT 1 FROM ${readerRankings} WHERE account_id = ${accountId})`,
    })
    .from(papers)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(shown);
  // the voter's For-you model learns from their upvotes: its ranking is stale from this batch on
  const touch = touchReader(db, accountId, paperShown);
  const rows =
    intent === "vote"
      ? (await db.batch([insertIf().onConflictDoNothing(), touch, read]))[2]
      : intent === "unvote"
        ? (await db.batch([remove, touch, read]))[2]
        : (await db.batch([remove, insertIf(sql`changes() = 0`), touch, read]))[3];
  const row = rows[0];
  if (!row) return null;
  return {
    paperId,
    voted: Number(row.voted) === 1,
    upvotes: Number(row.upvotes),
    localUpvotes: row.localUpvotes,
    readsForYou: Number(row.readsForYou) === 1,
  };
}

/** The papers an account upvoted, most recent first. */
export async function upvotedBy(db: Db, accountId: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ paperId: upvotes.paperId })
    .from(upvotes)
    .where(eq(upvotes.accountId, accountId))
    .orderBy(desc(upvotes.createdAt), upvotes.paperId)
    .limit(limit)
    .all();
  return rows.map((r) => r.paperId);
}
