import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  accounts,
  dailyEntries,
  type FollowKind,
  type FollowRow,
  follows,
  notForMe,
  papers,
  readerRankings,
  sessions,
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

/** What the models of `accountIds` are made of, read for them all at once (a digest batch's readers, or one). */
interface Inputs {
  follows: FollowRow[];
  liked: { paperId: string; title: string }[];
  marked: string[];
}

/**
 * The inputs of these readers' models, in one statement whatever their number: each reader's
 * follows, LIKED_MAX latest upvotes (with their titles, a card's reason) and MARKS_MAX latest
 * marks, those made by `asOf` (an ISO time; all by default).
 */
async function readInputs(db: Db, accountIds: string[], asOf = "9999"): Promise<Map<string, Inputs>> {
  const ids = sql`(SELECT value FROM json_each(${JSON.stringify(accountIds)}))`;
  const rows = await db.all<{ t: "f" | "u" | "m"; account: string; a: string; b: string; c: string; d: string }>(sql`
    SELECT 'f' AS t, account_id AS account, kind AS a, key AS b, label AS c, created_at AS d FROM ${follows}
    WHERE account_id IN ${ids} AND created_at <= ${asOf}
    UNION ALL
    SELECT 'u', account_id, paper_id, title, NULL, NULL FROM (
      SELECT u.account_id, u.paper_id, p.title,
        row_number() OVER (PARTITION BY u.account_id ORDER BY u.created_at DESC) AS n
      FROM ${upvotes} AS u JOIN ${papers} AS p ON p.id = u.paper_id
      WHERE u.account_id IN ${ids} AND u.created_at <= ${asOf})
    WHERE n <= ${LIKED_MAX}
    UNION ALL
    SELECT 'm', account_id, paper_id, NULL, NULL, NULL FROM (
      SELECT account_id, paper_id, row_number() OVER (PARTITION BY account_id ORDER BY created_at DESC) AS n
      FROM ${notForMe} WHERE account_id IN ${ids} AND created_at <= ${asOf})
    WHERE n <= ${MARKS_MAX}`);
  const inputs = new Map<string, Inputs>(accountIds.map((id) => [id, { follows: [], liked: [], marked: [] }]));
  for (const r of rows) {
    const mine = inputs.get(r.account);
    if (r.t === "f")
      mine?.follows.push({ accountId: r.account, kind: r.a as FollowKind, key: r.b, label: r.c, createdAt: r.d });
    else if (r.t === "u") mine?.liked.push({ paperId: r.a, title: r.b });
    else mine?.marked.push(r.a);
  }
  return inputs;
}

/** The ids whose vectors the models of `inputs` need. */
const inputPapers = (inputs: Iterable<Inputs>) =>
  [...inputs].flatMap((i) => [...i.liked.map((l) => l.paperId), ...i.marked]);

function modelOf({ follows, liked, marked }: Inputs, vectors: Map<string, Float32Array>): ReaderModel {
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

/** A paper as a model ranks it. */
export interface RankablePaper {
  id: string;
  authors: string[];
  categories: string[];
  /** Its title and abstract, read only when a reader saved a topic. */
  text?: string | null;
  upvotes: number;
}

/** A text's words as Candidate.words holds them. */
const wordsOf = (text: string) => ` ${tokensOf(text).join(" ")} `;

function candidatesOf(rows: RankablePaper[], vectors: Map<string, Float32Array>, withWords: boolean): Candidate[] {
  return rows.map((w) => ({
    paperId: w.id,
    vector: vectors.get(w.id) ?? null,
    authors: w.authors,
    authorKeys: w.authors.map(authorKey),
    categories: w.categories,
    words: withWords && w.text ? wordsOf(w.text) : null,
    upvotes: w.upvotes,
  }));
}

/** The stored vectors of `ids` in `space`; none (and the ranking by follows alone) when the index fails. */
async function vectorsFor(index: VectorIndex, space: string, ids: string[]): Promise<Map<string, Float32Array> | null> {
  if (!space) return new Map();
  try {
    return await index.vectorsOf(space, [...new Set(ids)]);
  } catch (err) {
    console.error("For you: reading vectors failed; ranking by follows alone", err);
    return null;
  }
}

/**
 * `papers` in each reader's order (a digest "ranked for me"): what their model ranks first, then
 * the rest in the order given. Readers without a model's input keep the order given. The model is
 * made of what the reader gave by `asOf` (a digest's period end: a mail rendered again, to replay
 * a call of unknown outcome, gets the same order whatever they upvoted since). One statement for
 * the readers' inputs and one read of vectors, however many readers.
 */
export async function orderForReaders(
  db: Db,
  index: VectorIndex,
  space: string | null,
  accountIds: string[],
  papers: RankablePaper[],
  asOf: string,
): Promise<Map<string, string[]>> {
  const inputs = await readInputs(db, accountIds, asOf);
  const vectors =
    (await vectorsFor(index, space ?? "", [...inputPapers(inputs.values()), ...papers.map((p) => p.id)])) ?? new Map();
  const withWords = [...inputs.values()].some((i) => i.follows.some((f) => f.kind === "topic"));
  const candidates = candidatesOf(papers, vectors, withWords);
  const orders = new Map<string, string[]>();
  for (const [accountId, input] of inputs) {
    const model = modelOf(input, vectors);
    // a digest lists papers the reader upvoted too: only "not for me" leaves the ranking
    model.seen = new Set(input.marked);
    const first = hasSignal(model) ? rankForReader(model, candidates, candidates.length).map((r) => r.paperId) : [];
    const ranked = new Set(first);
    orders.set(accountId, [...first, ...papers.map((p) => p.id).filter((id) => !ranked.has(id))]);
  }
  return orders;
}

/** The window's papers as every reader's rebuild ranks them, with their vectors. */
interface Window {
  key: string;
  at: number;
  candidates: Candidate[];
  /** False when the index failed: ranked by follows alone, and neither kept here nor by a reader. */
  complete: boolean;
  /** The candidates with their words, once a reader with a saved topic asked. */
  withWords?: Candidate[];
}

/**
 * The window of the last one an isolate read: the same for every reader until a paper is written,
 * another space answers or WINDOW_TTL_MS passes (its counts of upvotes only break ties; a paper a
 * curator hides meanwhile is left out when the ranking is shown). A rebuild then reads only its
 * reader's inputs: 2,630 papers' rows and vectors (the real catalog's window) cost several day
 * listings to read, a few megabytes to keep.
 */
let lastWindow: Window | null = null;
export const WINDOW_TTL_MS = 10 * 60_000;

async function windowOf(db: Db, index: VectorIndex, space: string, newest: string, last: number): Promise<Window> {
  const key = `${space}|${newest}|${last}`;
  if (lastWindow?.key === key && lastWindow.complete && Date.now() - lastWindow.at < WINDOW_TTL_MS) return lastWindow;
  const rows = await db
    .select({
      id: papers.id,
      authors: papers.authors,
      categories: papers.categories,
      upvotes: sql<number>`${upvotesSql}`.mapWith(Number),
    })
    .from(papers)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(
      and(visible, sql`${papers.published} >= strftime('%Y-%m-%dT%H:%M:%fZ', ${newest}, ${`-${WINDOW_DAYS} days`})`),
    )
    .orderBy(desc(papers.published))
    .limit(WINDOW_MAX);
  const vectors = await vectorsFor(
    index,
    space,
    rows.map((r) => r.id),
  );
  const window = {
    key,
    at: Date.now(),
    candidates: candidatesOf(rows, vectors ?? new Map(), false),
    complete: !!vectors,
  };
  if (window.complete) lastWindow = window;
  return window;
}

/** The window's candidates with their words (read once per window: 14 days of abstracts are megabytes). */
async function withWords(db: Db, window: Window): Promise<Candidate[]> {
  if (!window.withWords) {
    const texts = new Map(
      (
        await db
          .select({ id: papers.id, text: sql<string>`${papers.title} || ' ' || ${papers.abstract}` })
          .from(papers)
          .where(
            sql`${papers.id} IN (SELECT value FROM json_each(${JSON.stringify(window.candidates.map((c) => c.paperId))}))`,
          )
      ).map((r) => [r.id, wordsOf(r.text)]),
    );
    window.withWords = window.candidates.map((c) => ({ ...c, words: texts.get(c.paperId) ?? null }));
  }
  return window.withWords;
}

/**
 * The reader's For you: the kept ranking when it is fresh, else a rebuild (read the model's
 * inputs, the window's papers (windowOf), rank, keep), in the space that answers, read through
 * `index`; without one the ranking is by follows alone. One batch when fresh; a rebuild adds the
 * reader's one statement of inputs, a read of their upvotes' and marks' vectors and the write.
 */
export async function forYou(db: Db, index: VectorIndex, accountId: string, now?: Date): Promise<ForYou>;
/** With `ahead`: only for a reader who has a kept ranking (someone who reads For you), built anew when stale. */
export async function forYou(
  db: Db,
  index: VectorIndex,
  accountId: string,
  now: Date,
  ahead: "ahead",
): Promise<ForYou | null>;
export async function forYou(
  db: Db,
  index: VectorIndex,
  accountId: string,
  now = new Date(),
  ahead?: "ahead",
): Promise<ForYou | null> {
  const [state, kept] = await db.batch([
    db
      .select({
        inputs: accounts.readerInputs,
        newest: newestSql,
        space: answeringSpaceSql,
        // the catalog's last row: a paper written since (an ingest, a backfill) makes a new window
        last: sql<number>`(SELECT max(${papers.num}) FROM ${papers})`,
        signals: sql<number>`(SELECT count(*) FROM ${follows} WHERE ${follows.accountId} = ${accountId})
          + (SELECT count(*) FROM ${upvotes} WHERE ${upvotes.accountId} = ${accountId})`,
      })
      .from(accounts)
      .where(eq(accounts.id, accountId)),
    db.select().from(readerRankings).where(eq(readerRankings.accountId, accountId)),
  ]);
  const inputs = state[0]?.inputs ?? 0;
  const newest = state[0]?.newest ?? "";
  const space = state[0]?.space ?? "";
  const signals = Number(state[0]?.signals ?? 0);
  const row = kept[0];
  if (row && row.inputs === inputs && row.newest === newest && row.space === space)
    return { ranked: row.ranking as RankedPaper[], signals, builtAt: row.builtAt };
  if (ahead && !row) return null;

  const [mine, window] = await Promise.all([
    readInputs(db, [accountId]),
    windowOf(db, index, space, newest, Number(state[0]?.last ?? 0)),
  ]);
  const input = mine.get(accountId)!;
  const found = await vectorsFor(index, space, inputPapers([input]));
  const model = modelOf(input, found ?? new Map());
  const candidates = model.topics.length ? await withWords(db, window) : window.candidates;
  const ranked = hasSignal(model) ? rankForReader(model, candidates, FOR_YOU_KEPT) : [];
  const builtAt = now.toISOString();
  // a ranking made without the vectors (the index failed) is not kept: the next view tries again
  if (found && window.complete)
    await db
      .insert(readerRankings)
      .values({ accountId, inputs, newest, space, builtAt, ranking: ranked })
      .onConflictDoUpdate({
        target: readerRankings.accountId,
        set: { inputs, newest, space, builtAt, ranking: ranked },
      });
  return { ranked, signals, builtAt };
}

/** How many readers the hourly cron ranks ahead at most (about 20 ms of CPU each). */
export const RANK_AHEAD_READERS = 200;
/** A reader is someone whose session was seen in this many days. */
const ACTIVE_DAYS = 14;

/**
 * The hourly cron's part (the ingest worker): the kept rankings that a newer paper made stale, of
 * people seen in the last 14 days, most recently built first, ranked again, so that their first
 * view after the day's papers arrive finds it ready. At most `limit` a run; the rest wait for the
 * next run or their own view. Returns how many it ranked.
 */
export async function rankAhead(db: Db, index: VectorIndex, now: Date, limit = RANK_AHEAD_READERS): Promise<number> {
  const since = new Date(now.getTime() - ACTIVE_DAYS * 86_400_000).toISOString();
  const stale = await db
    .select({ id: readerRankings.accountId })
    .from(readerRankings)
    .where(
      and(
        sql`${readerRankings.newest} IS NOT ${newestSql}`,
        sql`EXISTS (SELECT 1 FROM ${sessions} WHERE ${sessions.accountId} = ${readerRankings.accountId}
          AND ${sessions.lastSeenAt} >= ${since})`,
      ),
    )
    .orderBy(desc(readerRankings.builtAt))
    .limit(limit);
  for (const { id } of stale) await forYou(db, index, id, now, "ahead");
  return stale.length;
}
