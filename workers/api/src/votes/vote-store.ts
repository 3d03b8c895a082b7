import { desc, eq } from "drizzle-orm";
import type { Db } from "#shared/db/client";
import { upvotes } from "#shared/db/schema";

/** What a vote leaves behind: whether this account's vote stands, and the counts shown. */
export interface VoteResult {
  paperId: string;
  voted: boolean;
  upvotes: number;
  localUpvotes: number;
}

/** What someone asks for: a vote, no vote, or the other of what they have (the form without JavaScript). */
export type VoteIntent = "vote" | "unvote" | "toggle";

const INSERT = `INSERT INTO upvotes (account_id, paper_id) SELECT ?1, id FROM papers WHERE id = ?2`;
const DELETE = `DELETE FROM upvotes WHERE account_id = ?1 AND paper_id = ?2`;
const READ = `SELECT p.local_upvotes AS localUpvotes,
    p.local_upvotes + coalesce((SELECT upstream_upvotes FROM daily_entries WHERE paper_id = p.id), 0) AS upvotes,
    EXISTS (SELECT 1 FROM upvotes WHERE account_id = ?1 AND paper_id = ?2) AS voted
  FROM papers p WHERE p.id = ?2`;

/**
 * Casts, withdraws or toggles one account's vote on one paper, in one D1 batch (a transaction):
 * the upvotes table's triggers move papers.local_upvotes in the statement that adds or removes the
 * row, so any number of concurrent votes leave the count equal to the rows. A toggle deletes, then
 * inserts only when the delete changed nothing (SQLite's changes() sees the previous statement).
 * Returns null when the paper is not in the catalog.
 */
export async function castVote(d1: D1Database, accountId: string, paperId: string, intent: VoteIntent): Promise<VoteResult | null> {
  const write =
    intent === "vote"
      ? [d1.prepare(`${INSERT} ON CONFLICT DO NOTHING`)]
      : intent === "unvote"
        ? [d1.prepare(DELETE)]
        : [d1.prepare(DELETE), d1.prepare(`${INSERT} AND changes() = 0`)];
  const results = await d1.batch<{ localUpvotes: number; upvotes: number; voted: number }>([...write, d1.prepare(READ)].map((s) => s.bind(accountId, paperId)));
  const row = results.at(-1)?.results[0];
  if (!row) return null;
  return { paperId, voted: row.voted === 1, upvotes: row.upvotes, localUpvotes: row.localUpvotes };
}

/** The papers an account upvoted, most recent first. */
export async function upvotedBy(db: Db, accountId: string, limit: number): Promise<string[]> {
  const rows = await db.select({ paperId: upvotes.paperId }).from(upvotes).where(eq(upvotes.accountId, accountId)).orderBy(desc(upvotes.createdAt), upvotes.paperId).limit(limit).all();
  return rows.map((r) => r.paperId);
}
