import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  accounts,
  dailyEntries,
  type FollowRow,
  follows,
  notForMe,
  papers,
  readerRankings,
  upvotes,
} from "../db/schema";
import { authorKey } from "../papers/authors";
import { upvotesSql, visible } from "../papers/queries";
import { tokensOf } from "../papers/search-query";
import { answeringSpaceSql } from "../vectors/paper-vectors";
import type { VectorIndex } from "../vectors/vectors";
import { type Candidate, hasSignal, type RankedPaper, type ReaderModel, rankForReader } from "./for-you";

/**
 * A reader's For you in D1: what their model is made of, the papers it ranks, and the ranking kept
 * until it is stale. Every bound below holds whatever the person's history or the catalog's size,
 * so that a rebuild reads a bounded number of rows.
 */

/** The most recent upvotes a model learns from: a taste of a year or two, not of a decade. */
export const LIKED_MAX = 200;
/** The most recent "not for me" marks it takes. */
export const MARKS_MAX = 100;
/** The most follows an account holds (the follow form refuses the next). */
export const FOLLOWS_MAX = 100;
/** For you ranks the papers published in the catalog's last 14 days ... */
export const WINDOW_DAYS = 14;
/** ... at most this many, the newest (14 days of arXiv's ML categories are about 2,600 papers today). */
export const WINDOW_MAX = 5000;
/** How many ranked papers are kept; the page shows the first FOR_YOU_SHOWN. */
export const FOR_YOU_KEPT = 100;

/** A statement for the batch of a write that changes what a reader's model is made of. */
export const touchReader = (db: Db, accountId: string, condition?: SQL) =>
  db
    .update(accounts)
    .set({ readerInputs: sql`${accounts.readerInputs} + 1` })
    .where(and(eq(accounts.id, accountId), condition));

/** The catalog's newest visible publication time: walks papers_published_idx from the end. */
const newestSql = sql<string | null>`(SELECT ${papers.published} FROM ${papers} WHERE ${visible}
  ORDER BY ${papers.published} DESC LIMIT 1)`;

export interface ForYou {
  /** Papers best first, with their reasons. */
  ranked: RankedPaper[];
  /** What the reader gave: upvotes (with a vector or not) and follows. */
  signals: number;
  builtAt: string;
}

/** A topic's words as a paper must hold them: tokensOf, as the search reads a paper. */
export const topicWords = (label: string) => [...new Set(tokensOf(label))];

function modelOf(
  follows: FollowRow[],
  liked: { paperId: string; title: string }[],
  marked: string[],
  vectors: Map<string, Float32Array>,
): ReaderModel {
  return {
    liked: liked.flatMap((l) => {
      const vector = vectors.get(l.paperId);
      return vector ? [{ ...l, vector }] : [];
    }),
    marked: marked.flatMap((id) => vectors.get(id) ?? []),
    authors: new Map(follows.filter((f) => f.kind === "author").map((f) => [f.key, f.label])),
    categories: new Set(follows.filter((f) => f.kind === "category").map((f) => f.key)),
    topics: follows.filter((f) => f.kind === "topic").map((f) => ({ label: f.label, words: topicWords(f.key) })),
    seen: new Set([...liked.map((l) => l.paperId), ...marked]),
  };
}

/**
 * The reader's For you: the kept ranking when it is fresh, else a rebuild (read the model's
 * inputs and the window's papers, rank, keep), in the space that answers, read through `index`;
 * without one the ranking is by follows alone. One batch when fresh; a rebuild adds a second, a
 * read of vectors and the write.
 */
export async function forYou(db: Db, index: VectorIndex, accountId: string, now = new Date()): Promise<ForYou> {
  const [state, kept, followed, upvoted] = await db.batch([
    db
      .select({ inputs: accounts.readerInputs, newest: newestSql, space: answeringSpaceSql })
      .from(accounts)
      .where(eq(accounts.id, accountId)),
    db.select().from(readerRankings).where(eq(readerRankings.accountId, accountId)),
    db.select().from(follows).where(eq(follows.accountId, accountId)).limit(FOLLOWS_MAX),
    db
      .select({ paperId: upvotes.paperId, title: papers.title })
      .from(upvotes)
      .innerJoin(papers, eq(papers.id, upvotes.paperId))
      .where(eq(upvotes.accountId, accountId))
      .orderBy(desc(upvotes.createdAt))
      .limit(LIKED_MAX),
  ]);
  const inputs = state[0]?.inputs ?? 0;
  const newest = state[0]?.newest ?? "";
  const space = state[0]?.space ?? "";
  const signals = followed.length + upvoted.length;
  const row = kept[0];
  if (row && row.inputs === inputs && row.newest === newest && row.space === space)
    return { ranked: row.ranking as RankedPaper[], signals, builtAt: row.builtAt };

  const withWords = followed.some((f) => f.kind === "topic");
  const [marked, window] = await db.batch([
    db
      .select({ paperId: notForMe.paperId })
      .from(notForMe)
      .where(eq(notForMe.accountId, accountId))
      .orderBy(desc(notForMe.createdAt))
      .limit(MARKS_MAX),
    db
      .select({
        id: papers.id,
        authors: papers.authors,
        categories: papers.categories,
        text: withWords ? sql<string>`${papers.title} || ' ' || ${papers.abstract}` : sql<string>`''`,
        upvotes: upvotesSql,
      })
      .from(papers)
      .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
      .where(
        and(visible, sql`${papers.published} >= strftime('%Y-%m-%dT%H:%M:%fZ', ${newest}, ${`-${WINDOW_DAYS} days`})`),
      )
      .orderBy(desc(papers.published))
      .limit(WINDOW_MAX),
  ]);
  const markedIds = marked.map((m) => m.paperId);
  const found = space
    ? await index.vectorsOf(space, [
        ...new Set([...upvoted.map((u) => u.paperId), ...markedIds, ...window.map((w) => w.id)]),
      ])
    : new Map<string, Float32Array>();
  const model = modelOf(followed, upvoted, markedIds, found);
  const candidates: Candidate[] = window.map((w) => ({
    paperId: w.id,
    vector: found.get(w.id) ?? null,
    authors: w.authors,
    authorKeys: w.authors.map(authorKey),
    categories: w.categories,
    words: withWords ? new Set(tokensOf(w.text)) : null,
    upvotes: Number(w.upvotes),
  }));
  const ranked = hasSignal(model) ? rankForReader(model, candidates, FOR_YOU_KEPT) : [];
  const builtAt = now.toISOString();
  const values = { accountId, inputs, newest, space, builtAt, ranking: ranked };
  await db
    .insert(readerRankings)
    .values(values)
    .onConflictDoUpdate({ target: readerRankings.accountId, set: { inputs, newest, space, builtAt, ranking: ranked } });
  return { ranked, signals, builtAt };
}
