/**
 * The read side of the catalog, shared by the site and the JSON API. Every function takes the
 * database first and narrow arguments, and returns plain objects: the whole paper row, its daily
 * entry (or null), and the upvotes shown (local + upstream).
 *
 * Each listing is one SQL statement, so that an uncached page costs at most two D1 queries.
 */
import { and, asc, desc, eq, getTableColumns, gte, isNull, lte, type SQL, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { alone, type Db, type JointReader, jointReader } from "../db/client";
import { accounts, comments, type DailyEntryRow, dailyEntries, type PaperRow, papers, upvotes } from "../db/schema";
import { TRENDING_GRAVITY, TRENDING_WINDOW_DAYS } from "../domain/trending";
import type { VectorArm } from "../vectors/query-arm";
import { fuseBelowFirst } from "./fusion";
import {
  ftsString,
  indexCase,
  MAX_TERM_LENGTH,
  MAX_TERMS,
  meaningText,
  type ParsedQuery,
  parseQuery,
  STOPWORDS,
  stem,
  TOKEN,
  tokensOf,
} from "./search-query";
import { bestByImpact, type IndexedTerms, readIndexedTerms, termOf } from "./term-index";

export type SortOrder = "upvotes" | "trending" | "newest";
export const SORT_ORDERS: readonly SortOrder[] = ["upvotes", "trending", "newest"];

export interface ListedPaper {
  paper: PaperRow;
  /** The daily entry when the paper was featured on some day. */
  entry: DailyEntryRow | null;
  /** What the site shows: localUpvotes + the upstream count last seen. */
  upvotes: number;
  localUpvotes: number;
  /** What the site shows: the paper's visible comments here (not deleted, not hidden) + upstream's count. */
  numComments: number;
}

/** Upvotes cast on Paperboy, counted by the upvotes table's triggers (migrations/0005_upvotes.sql). */
const localUpvotesSql = sql<number>`${papers.localUpvotes}`;
/** "Upvotes", everywhere (pages, API, feeds, trending, digests): local upvotes plus the upstream count last seen. */
export const upvotesSql = sql<number>`(${localUpvotesSql} + coalesce(${dailyEntries.upstreamUpvotes}, 0))`;

/**
 * Comments, everywhere (cards, paper pages, API, feeds): the visible comments written here, counted
 * per row on comments_paper_idx, plus upstream's count. A subquery in the listing's one statement,
 * so that no page pays a second query for it.
 */
export const numCommentsSql = sql<number>`((SELECT count(*) FROM ${comments} WHERE ${comments.paperId} = ${papers.id} AND ${comments.deletedAt} IS NULL AND ${comments.hiddenAt} IS NULL) + coalesce(${dailyEntries.numComments}, 0))`;

function trendingSql(now: Date): SQL<number> {
  // shared/domain/trending.ts, in SQL: (upvotes + 1) / (max(0, age in days) + 2) ^ gravity.
  const nowIso = now.toISOString();
  return sql<number>`((${upvotesSql} + 1) / pow(max(0.0, julianday(${nowIso}) - julianday(${dailyEntries.day})) + 2, ${TRENDING_GRAVITY}))`;
}

function orderFor(sort: SortOrder, now: Date): (SQL | AnySQLiteColumn)[] {
  if (sort === "trending") return [desc(trendingSql(now)), desc(dailyEntries.day), papers.id];
  if (sort === "newest") return [desc(papers.published), papers.id];
  return [desc(upvotesSql), desc(dailyEntries.day), papers.id];
}

/**
 * A listed paper's columns. No two may share a name: a D1 batch answers rows as objects keyed by
 * column name, which drizzle reads back in order (d1ToRawMapping), so a repeated name (both tables'
 * created_at, papers.local_upvotes twice) would drop a value and shift every one after it.
 */
const listedColumns = {
  paper: papers,
  entry: { ...getTableColumns(dailyEntries), createdAt: sql<string>`${dailyEntries.createdAt}`.as("entry_created_at") },
  upvotes: upvotesSql,
  localUpvotes: sql<number>`${localUpvotesSql}`.as("listed_local_upvotes"),
  numComments: numCommentsSql,
};

/** What the public sees: every listing, search and page leaves out papers a curator hid. */
export const visible = isNull(papers.hiddenAt);

/**
 * The nearest day `op` `than` that has a visible paper, as a subquery (null when none): a day whose
 * papers a curator all hid is no day with papers, for the home page, navigation and every default.
 * Walks daily_entries_day_idx from `than` and stops at the first visible entry.
 */
function visibleDaySql(op: "<" | "<=" | ">" | ">=", than: SQL | string): SQL<string | null> {
  const order = op.startsWith("<") ? sql`DESC` : sql`ASC`;
  const shown = sql`${dailyEntries} INNER JOIN ${papers} ON ${papers.id} = ${dailyEntries.paperId}`;
  const day = dailyEntries.day;
  return sql<string | null>`(SELECT ${day} FROM ${shown} WHERE ${visible} AND ${day} ${sql.raw(op)} ${than}
    ORDER BY ${day} ${order} LIMIT 1)`;
}

/** A listed row as the pages take it. */
export function asListed<
  T extends {
    entry: DailyEntryRow | null;
    upvotes: number;
    localUpvotes: number;
    numComments: number;
    paper: PaperRow;
  },
>(r: T): ListedPaper {
  return {
    paper: r.paper,
    entry: r.entry,
    upvotes: Number(r.upvotes),
    localUpvotes: Number(r.localUpvotes),
    numComments: Number(r.numComments),
  };
}

/** The latest day with a visible paper. */
export async function latestDayWithPapers(db: Db): Promise<string | null> {
  return (await latestDays(db, 1))[0] ?? null;
}

export interface DayListing {
  /** The day requested. */
  requested: string;
  /** The day shown: the requested one, or the nearest earlier day with papers; null when none. */
  day: string | null;
  prev: string | null;
  next: string | null;
  items: ListedPaper[];
}

/**
 * The papers of `day`, or of the nearest earlier day that has some, with the previous and next
 * days that have papers. One statement; a second only when no day at or before `day` has papers.
 */
export async function dayListing(
  db: Db,
  day: string,
  opts: { sort?: SortOrder; limit?: number; now?: Date } = {},
): Promise<DayListing> {
  const target = visibleDaySql("<=", day);
  const rows = await db
    .select({
      ...listedColumns,
      shown: sql<string>`${target}`,
      prev: visibleDaySql("<", target),
      next: visibleDaySql(">", target),
    })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(and(sql`${dailyEntries.day} = ${target}`, visible))
    .orderBy(...orderFor(opts.sort ?? "upvotes", opts.now ?? new Date()))
    .limit(opts.limit ?? 200)
    .all();
  const first = rows[0];
  if (first) return { requested: day, day: first.shown, prev: first.prev, next: first.next, items: rows.map(asListed) };
  const after = await db.get<{ next: string | null }>(sql`SELECT ${visibleDaySql(">=", day)} AS next`);
  return { requested: day, day: null, prev: null, next: after?.next ?? null, items: [] };
}

/** The latest day with papers (the home page): dayListing of the far future. */
export function latestDayListing(db: Db, opts: { sort?: SortOrder; limit?: number; now?: Date } = {}) {
  return dayListing(db, "9999-12-31", opts);
}

export interface PeriodListing {
  items: ListedPaper[];
  /** Whether another page follows this one. */
  more: boolean;
}

/**
 * A `submitter` filter: the Paperboy account that holds the name as its handle, if one does, else
 * the upstream submitter of that name (entries without an account), never both (README,
 * `submitter=`). A handle that is an upstream name is refused; this keeps them apart when an
 * upstream name comes later.
 */
function submittedBy(name: string): SQL {
  const account = sql`(SELECT ${accounts.id} FROM ${accounts} WHERE ${accounts.handle} = ${name})`;
  return sql`CASE WHEN ${account} IS NOT NULL THEN ${dailyEntries.submitterAccountId} = ${account}
    ELSE ${dailyEntries.submitterAccountId} IS NULL AND ${dailyEntries.submitterName} = ${name} END`;
}

/** Papers featured from `from` to `to` (inclusive days), sorted, one page (0-based `page`). */
export async function periodListing(
  db: Db,
  range: { from: string; to: string },
  opts: { sort?: SortOrder; page?: number; limit?: number; submitter?: string; now?: Date } = {},
): Promise<PeriodListing> {
  const limit = opts.limit ?? 50;
  const rows = await db
    .select(listedColumns)
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(
      and(
        gte(dailyEntries.day, range.from),
        lte(dailyEntries.day, range.to),
        opts.submitter ? submittedBy(opts.submitter) : undefined,
        visible,
      ),
    )
    .orderBy(...orderFor(opts.sort ?? "upvotes", opts.now ?? new Date()))
    .limit(limit + 1)
    .offset((opts.page ?? 0) * limit)
    .all();
  return { items: rows.slice(0, limit).map(asListed), more: rows.length > limit };
}

/** The days that have visible papers, as a query to order. */
const visibleDays = (db: Db) =>
  db
    .selectDistinct({ day: dailyEntries.day })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(visible);

/** The last `n` days that have visible papers, newest first. */
export async function latestDays(db: Db, n: number): Promise<string[]> {
  const rows = await visibleDays(db).orderBy(desc(dailyEntries.day)).limit(n).all();
  return rows.map((r) => r.day);
}

/** Every day that has visible papers, oldest first (the sitemap's). */
export async function featuredDays(db: Db): Promise<string[]> {
  const rows = await visibleDays(db).orderBy(asc(dailyEntries.day)).all();
  return rows.map((r) => r.day);
}

const latestVisibleDay = visibleDaySql("<=", "9999-12-31");
const TRENDING_WINDOW = `-${TRENDING_WINDOW_DAYS} days`;

/**
 * Trending now: papers featured in the TRENDING_WINDOW_DAYS days up to the latest day with visible papers,
 * best score first (shared/domain/trending.ts).
 */
export async function trendingPapers(db: Db, opts: { limit?: number; now?: Date } = {}): Promise<ListedPaper[]> {
  const now = opts.now ?? new Date();
  const rows = await db
    .select(listedColumns)
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(and(sql`${dailyEntries.day} >= date(${latestVisibleDay}, ${TRENDING_WINDOW})`, visible))
    .orderBy(...orderFor("trending", now))
    .limit(opts.limit ?? 30)
    .all();
  return rows.map(asListed);
}

/** One paper with its entry; a hidden one only for curators (`includeHidden`). */
export async function paperById(
  db: Db,
  id: string,
  opts: { includeHidden?: boolean } = {},
): Promise<ListedPaper | null> {
  return (await paperByIdWith(db, id, {}, opts)).item;
}

/**
 * paperById, and values of other tables read in the same statement (`extra`, scalar subqueries by
 * name): one round trip for all, and one statement (the paper page's first).
 */
export async function paperByIdWith<T extends Record<string, unknown>>(
  db: Db,
  id: string,
  extra: { [K in keyof T]: SQL<T[K]> },
  opts: { includeHidden?: boolean } = {},
): Promise<{ item: ListedPaper | null; extra: T | null }> {
  const row = await db
    .select({ ...listedColumns, extra })
    .from(papers)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(and(eq(papers.id, id), opts.includeHidden ? undefined : visible))
    .get();
  return row ? { item: asListed(row), extra: row.extra as T } : { item: null, extra: null };
}

/** The papers an account submitted, latest day first (a public profile's list). */
export async function submittedPapers(db: Db, accountId: string, limit = 50): Promise<ListedPaper[]> {
  const rows = await db
    .select(listedColumns)
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(and(eq(dailyEntries.submitterAccountId, accountId), visible))
    .orderBy(desc(dailyEntries.day), papers.id)
    .limit(limit)
    .all();
  return rows.map(asListed);
}

/** The papers an account upvoted, most recently upvoted first (a public profile's list). */
export async function upvotedPapers(db: Db, accountId: string, limit = 50): Promise<ListedPaper[]> {
  const rows = await db
    .select(listedColumns)
    .from(upvotes)
    .innerJoin(papers, eq(papers.id, upvotes.paperId))
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(and(eq(upvotes.accountId, accountId), visible))
    .orderBy(desc(upvotes.createdAt), papers.id)
    .limit(limit)
    .all();
  return rows.map(asListed);
}

// ---- Full-text search ----

/** Marks around highlighted terms in titleHighlight and snippet: control characters no paper contains. */
export const MARK_START = "\u0001";
export const MARK_END = "\u0002";

export interface SearchHit extends ListedPaper {
  /** The title with matched words between MARK_START and MARK_END. */
  titleHighlight: string;
  /** A passage of the abstract around the matches, marked the same way. */
  snippet: string;
}

/** What ranked a search: the words alone, the words with the vector arm, or the words alone because the arm failed. */
export type SearchRanking = "words" | "hybrid" | "words-fallback";

export interface SearchResult {
  hits: SearchHit[];
  more: boolean;
  ranking: SearchRanking;
}

export interface SearchOptions {
  page?: number;
  limit?: number;
  /** The postings budget of a search on FTS5 alone (ftsCandidates); the term index has its own (INDEX_BUDGET). */
  budget?: number;
  /** Hybrid search's vector arm (shared/vectors/query-arm.ts), asked for sentence-like queries only. */
  vectorArm?: VectorArm | null;
}

/**
 * The most postings a search's passes read: the probe reads at most the budget / (number of words)
 * + 1 postings per word, and the bm25 pass ranks only the rarest words whose doclists together hold
 * at most the budget (see searchPapers), whatever the catalog's size. The bm25 pass costs about
 * half a microsecond a posting (node:sqlite on the eval:search catalog). A sentence's budget is
 * POSTINGS_BUDGET: it holds enough rare words to find its paper (eval:search, docs/benchmarks.md:
 * at 100,000 a sentence found its paper a little more often, MRR@10 0.99 against 0.97, for three
 * times the SQL). A short query (SHORT_QUERY words or fewer: a topic, a name, a few title words)
 * gets SHORT_QUERY_BUDGET: its few words are commoner, and at 30,000 a few title words found their
 * paper less often (0.944 against 0.952).
 */
export const POSTINGS_BUDGET = 30_000;
export const SHORT_QUERY_BUDGET = 60_000;
/**
 * The most candidates the bm25 arm picks (10 pages of 20), and the phrase arm as many. Rescoring
 * reads each one's text, so the worker's time grows with it; fewer (120) cost topics 0.02 of nDCG@10.
 */
export const RANKED_CANDIDATES = 200;
/**
 * A sentence's (more than SHORT_QUERY words) candidates: its rare words pick its paper among the
 * first few, so fewer do as well and cost less to read and rescore (on FTS5, profile:search on 300
 * sentences: MRR@10 0.968 at 200, 0.970 at 100, 0.968 at 60; on the term index, the paper among
 * the candidates for 0.980 of sentences at 100, 0.977 at 60), and leave three pages of 20.
 */
export const SENTENCE_CANDIDATES = 60;
/** The matches a query of only common words picks: the ones most recently added to the catalog (10 pages). */
export const COMMON_WINDOW = 200;
/** An FTS5 query that matches nothing at once: the arm of a search that does not apply. */
const MATCH_NOTHING = '""';

/** The listed papers of a ranking subquery that yields (num, ord), in its order. */
function listedInRankOrder(db: Db, ranked: SQL) {
  return db
    .select(listedColumns)
    .from(papers)
    .innerJoin(sql`(${ranked}) AS ranked`, sql`${papers.num} = ranked.num`)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(visible)
    .orderBy(sql`ranked.ord`);
}

type ListedRow = Awaited<ReturnType<typeof listedInRankOrder>>[number];

/** The visible papers among `ids`, in the order given (a vector index's neighbours): one bound parameter, whatever their number. */
export async function papersInOrder(db: Db, ids: string[]): Promise<ListedPaper[]> {
  return ids.length ? (await papersInOrderQuery(db, ids)).map(asListed) : [];
}

/** papersInOrder's one statement, to run in a batch with others (asListed reads its rows). */
export const papersInOrderQuery = (db: Db, ids: string[]) =>
  listedInRankOrder(
    db,
    sql`SELECT p.num AS num, j.key AS ord FROM json_each(${JSON.stringify(ids)}) AS j JOIN ${papers} AS p ON p.id = j.value`,
  );

/**
 * Best match first, for any query, at a cost bounded whatever its words' frequencies. Two D1
 * statements on the term index (indexedCandidates), once it holds all but at most TAIL_PAPERS of
 * the catalog; else, on FTS5 alone (ftsCandidates), after the index's read, two more:
 * 1. Document frequencies: each word's matches added last are read on the FTS index, at most
 *    budget / words + 1 of them (FTS5 walks a doclist lazily and stops at the LIMIT), so the probes
 *    read at most budget + words postings in all (the budget: POSTINGS_BUDGET, or
 *    SHORT_QUERY_BUDGET for a short query). A word found fewer times is
 *    counted exactly; a commoner one is estimated from the span of rowids its last matches cover.
 * 2. Candidates, with their text, by one of two arms:
 *    - some words are rare: the rarest words, taken in order of df while their dfs add up to at most
 *      the budget (every word counted exactly fits, as words x cap = budget; a commoner one
 *      counts by its estimate). The RANKED_CANDIDATES best by bm25 (title 10, authors 4, abstract 1)
 *      over an OR of those words and of the quoted phrases that hold one, and as many by the short
 *      query's whole phrase when it holds one. bm25 reads each
 *      element's doclist to weigh it: the words' doclists, at most the budget's postings (up to
 *      an estimate's error for the words past the probe's cap), plus doclist seeks into the phrases'
 *      other words. Missing words (df 0) and the commonest drop out of the OR: no empty answer for
 *      one missing word, and no read of every posting of a common word.
 *    - no word fits the budget: bm25 would read every posting (its idf alone counts every match), so
 *      the COMMON_WINDOW matches most recently added of the phrase (quoted, else the short query
 *      whole), then of all words, then of any word. FTS5 walks the doclists from the end in rowid
 *      order and stops at the window.
 *    Excluded words are tested per candidate by a rowid lookup (a seek), never by reading their doclist.
 * Then the candidates (at most 2 x RANKED_CANDIDATES) are rescored in the worker from their text
 * with every word of the query (rescore): no posting is read for that.
 * An arXiv id or address answers that paper (one statement, on the papers' id index).
 */
export async function searchPapers(db: Db, q: string, opts: SearchOptions = {}): Promise<SearchResult> {
  const parsed = parseQuery(q);
  const limit = opts.limit ?? 20;
  const offset = (opts.page ?? 0) * limit;
  const terms = queryTerms(parsed);
  let listed: ListedPaper[];
  let ranking: SearchRanking = "words";
  if (parsed.arxivId) {
    listed = offset
      ? []
      : (await listedInRankOrder(db, sql`SELECT num, 1 AS ord FROM papers WHERE id = ${parsed.arxivId}`)).map(asListed);
  } else if (parsed.words.length) {
    const budget = opts.budget ?? (parsed.words.length <= SHORT_QUERY ? SHORT_QUERY_BUDGET : POSTINGS_BUDGET);
    const arm = parsed.words.length > SHORT_QUERY ? (opts.vectorArm ?? null) : null;
    // the arm's preface read with the words' index; then the arm's statement (the best vectors) and
    // the words' candidates in one batch where the arm needs nothing else first (jointReader)
    const indexed = await readIndexedTerms(db, [...new Set(parsed.words.map(termOf))], INDEX_BUDGET, arm?.preface);
    const read = arm ? jointReader(db) : alone;
    const near = arm ? askArm(arm, q, indexed.alongside, read) : null;
    const words = rescore(parsed, await candidates(db, parsed, budget, indexed, read)).map(asListed);
    ({ listed, ranking } = await withVectorArm(db, parsed, words, near, offset + limit + 1));
    listed = listed.slice(offset, offset + limit + 1);
  } else {
    return { hits: [], more: false, ranking };
  }
  return {
    hits: listed.slice(0, limit).map((p) => ({
      ...p,
      titleHighlight: markTerms(p.paper.title, terms),
      snippet: snippetOf(p.paper.abstract, terms),
    })),
    more: listed.length > limit,
    ranking,
  };
}

/** The arm's answer: ids, null where it does not apply, or "failed" (logged: an error, garbage, or late). */
function askArm(
  arm: VectorArm,
  q: string,
  preface: string | null,
  read: JointReader,
): Promise<string[] | null | "failed"> {
  return arm.near(meaningText(q), preface, read).catch((err) => {
    console.warn("search: the vector arm failed; words alone answer", err instanceof Error ? err.message : err);
    return "failed" as const;
  });
}

/**
 * The words' ranking with the arm's papers fused below its first places (fusion.ts), its first
 * `wanted` papers. A paper only the arm found is read here (one statement, unless some were left
 * out) and left out when it holds an excluded word or is hidden, as the words' arm leaves them out.
 */
async function withVectorArm(
  db: Db,
  parsed: ParsedQuery,
  words: ListedPaper[],
  near: Promise<string[] | null | "failed"> | null,
  wanted: number,
): Promise<{ listed: ListedPaper[]; ranking: SearchRanking }> {
  const ids = await near;
  if (!ids) return { listed: words, ranking: "words" };
  if (ids === "failed") return { listed: words, ranking: "words-fallback" };
  const byId = new Map(words.map((p) => [p.paper.id, p]));
  const order = fuseBelowFirst(
    words.map((p) => p.paper.id),
    ids,
  );
  const excluded = new Set(parsed.excluded.map(stem));
  const holdsExcluded = ({ paper }: ListedPaper) =>
    tokensOf(`${paper.title} ${paper.authors.join(" ")} ${paper.abstract}`).some((t) => excluded.has(stem(t)));
  const listed: ListedPaper[] = [];
  for (let at = 0; listed.length < wanted && at < order.length; ) {
    const window = order.slice(at, at + wanted - listed.length);
    at += window.length;
    const found = new Map(
      (
        await papersInOrder(
          db,
          window.filter((id) => !byId.has(id)),
        )
      ).map((p) => [p.paper.id, p]),
    );
    for (const id of window) {
      const p = byId.get(id) ?? found.get(id);
      if (p && (byId.has(id) || !holdsExcluded(p))) listed.push(p);
    }
  }
  return { listed, ranking: "hybrid" };
}

interface Candidates {
  rows: ListedRow[];
  /** Each word's document frequency, exact or estimated. */
  df: Map<string, number>;
  /** The number of papers, estimated by the highest num. */
  total: number;
  /** Every word was common: the candidates are the newest matches, ordered by where the words stand rather than by bm25. */
  common: boolean;
}

/**
 * Papers after the term index's last segment that a search reads on FTS5 beside the index (the
 * tail: papers ingested since the index's last step, normally none). When more wait, the index is
 * behind (never built, or its steps failing) and the search ranks on FTS5 alone (ftsCandidates).
 */
export const TAIL_PAPERS = 2000;
/** The tail's matches of any word a search adds to the index's candidates, newest first. */
const TAIL_CANDIDATES = 50;
/**
 * The most postings of the term index a search reads: its words' lists, rarest first, while they
 * fit. A list holds at most LIST_LENGTH postings a segment, so a short query's words all fit.
 */
export const INDEX_BUDGET = 20_000;
/** A phrase's rarest word in at most this many papers: its matches are read on FTS5 (indexedCandidates). */
export const PHRASE_DF = 20_000;

/** bm25's idf, as FTS5 computes it: a word in `n` of `total` papers. */
const idfOf = (total: number, n: number) => Math.max(1e-6, Math.log((total - n + 0.5) / (n + 0.5)));

/** The candidates on the term index, once it covers all but TAIL_PAPERS of the catalog; else on FTS5 alone. */
async function candidates(
  db: Db,
  parsed: ParsedQuery,
  budget: number,
  indexed: IndexedTerms,
  read: JointReader,
): Promise<Candidates> {
  return indexed.covered > 0 && indexed.total - indexed.covered <= TAIL_PAPERS
    ? indexedCandidates(db, parsed, indexed, read)
    : ftsCandidates(db, parsed, budget);
}

/** An excluded word's test on a candidate `num`: a rowid seek into its doclist, never a read of it. */
const notExcludedSql = (excluded: string[], num: SQL) =>
  excluded.length
    ? sql`AND NOT EXISTS (SELECT 1 FROM papers_fts AS x WHERE x.papers_fts MATCH ${excluded.map(ftsString).join(" OR ")} AND x.rowid = ${num})`
    : sql``;

/**
 * Candidates from the term index (term-index.ts), in two statements whatever the catalog's size:
 * the words' rows (readIndexedTerms), then the best papers by idf x impact over the rarest words'
 * lists (at most INDEX_BUDGET postings), with the tail's newest matches, read with their text.
 */
async function indexedCandidates(
  db: Db,
  parsed: ParsedQuery,
  indexed: IndexedTerms,
  read: JointReader,
): Promise<Candidates> {
  const { words, excluded } = parsed;
  const { total, covered } = indexed;
  const count = words.length > SHORT_QUERY ? SENTENCE_CANDIDATES : RANKED_CANDIDATES;
  const best = bestByImpact(indexed.lists, (term) => idfOf(total, indexed.df.get(term) ?? 0), count, total);
  // The phrases that come first (quoted, or a short query whole): their newest matches on FTS5, a
  // walk of the phrases' doclists from the end that stops at RANKED_CANDIDATES, and only when each
  // phrase has a word at most PHRASE_DF papers hold (a rare phrase walks that word's doclist whole).
  // A phrase's papers the words' lists miss are what topics need most; ranking them by bm25 instead
  // cost 8.3 ms a topic against 0.9 (topic nDCG@10 0.324 against 0.307, docs/benchmarks.md).
  const tiers = tierPhrases(parsed);
  const phraseDf = (p: string[]) => Math.min(...p.map((w) => indexed.df.get(termOf(w)) ?? 0));
  const phraseMatch =
    tiers.length && tiers.every((p) => phraseDf(p) <= PHRASE_DF) ? tiers.map(ftsString).join(" AND ") : MATCH_NOTHING;
  // the tail only when there is one: past the last num, FTS5 still walks an OR's doclists to find nothing
  const ranked = sql`
    SELECT c.num AS num, min(c.ord) AS ord FROM (
      SELECT j.value AS num, j.key AS ord FROM json_each(${JSON.stringify(best)}) AS j
      UNION ALL
      SELECT * FROM (SELECT rowid AS num, ${count} AS ord FROM papers_fts WHERE papers_fts MATCH ${phraseMatch}
        ORDER BY rowid DESC LIMIT ${RANKED_CANDIDATES})
      UNION ALL
      SELECT * FROM (SELECT rowid AS num, ${count} AS ord FROM papers_fts
        WHERE papers_fts MATCH ${covered < total ? words.map(ftsString).join(" OR ") : MATCH_NOTHING} AND rowid > ${covered}
        ORDER BY rowid DESC LIMIT ${TAIL_CANDIDATES})) AS c
    WHERE true ${notExcludedSql(excluded, sql`c.num`)}
    GROUP BY c.num`;
  return {
    rows: await read(listedInRankOrder(db, ranked)),
    df: new Map(words.map((w) => [w, indexed.df.get(termOf(w)) ?? 0])),
    total: Math.max(1, total),
    common: false,
  };
}

/** Candidates ranked on FTS5 alone: the catalog before its term index is built, or while it is behind. */
async function ftsCandidates(db: Db, parsed: ParsedQuery, budget: number): Promise<Candidates> {
  const { words, excluded } = parsed;
  const cap = Math.max(1, Math.floor(budget / words.length));
  const values = sql.join(
    words.map((w) => sql`(${ftsString(w)})`),
    sql`, `,
  );
  const probes = await db.all<{ term: string; seen: string; total: number | null }>(sql`
    SELECT column1 AS term, (SELECT max(num) FROM papers) AS total,
      (SELECT count(*) || ' ' || coalesce(min(r), 0) FROM (
        SELECT rowid AS r FROM papers_fts WHERE papers_fts MATCH column1 ORDER BY rowid DESC LIMIT ${cap + 1})) AS seen
    FROM (VALUES ${values})`);
  const total = Math.max(1, Number(probes[0]?.total ?? 1));
  const counted = new Map(
    probes.map((p) => {
      const [seen = 0, oldest = 0] = String(p.seen).split(" ").map(Number);
      // the last `seen` matches span rowids oldest..total: as dense over the whole catalog
      return [
        p.term,
        seen <= cap ? seen : Math.min(total, Math.round((seen * total) / Math.max(1, total - oldest + 1))),
      ];
    }),
  );
  const df = new Map(words.map((w) => [w, counted.get(ftsString(w)) ?? 0]));
  // The rarest words whose doclists together hold at most the budget: every word counted exactly
  // (df <= cap) fits, as words x cap = budget; then commoner ones while their estimates still fit.
  const rare = new Set<string>();
  let postings = 0;
  for (const w of words.filter((x) => df.get(x)! >= 1).sort((a, b) => df.get(a)! - df.get(b)!)) {
    if (postings + df.get(w)! > budget) break;
    postings += df.get(w)!;
    rare.add(w);
  }
  // The quoted phrases only: adjacent-word pairs would cost the bm25 pass more than half its time
  // (a phrase seeks into its commoner words' doclists) for no better candidates; rescore counts them.
  const phrases = parsed.phrases;
  const tiers = tierPhrases(parsed);
  const notExcluded = notExcludedSql(excluded, sql`f.rowid`);
  let ranked: SQL;
  if (rare.size) {
    const elements = [...[...rare].map(ftsString), ...phrases.filter((p) => p.some((t) => rare.has(t))).map(ftsString)];
    const tierMatch = tiers.map(ftsString).join(" AND ");
    const tierRare = tiers.length > 0 && tiers.every((p) => p.some((t) => rare.has(t)));
    const arm = (m: string) => sql`SELECT * FROM (
      SELECT f.rowid AS num, bm25(papers_fts, 10.0, 4.0, 1.0) AS score FROM papers_fts AS f
      WHERE papers_fts MATCH ${m} ${notExcluded}
      ORDER BY score, num LIMIT ${words.length > SHORT_QUERY ? SENTENCE_CANDIDATES : RANKED_CANDIDATES})`;
    ranked = sql`
      SELECT num, row_number() OVER (ORDER BY min(score), num) AS ord FROM (
        ${arm(elements.join(" OR "))}
        UNION ALL ${arm(tierRare ? tierMatch : MATCH_NOTHING)})
      GROUP BY num`;
  } else {
    // Every word common (or absent): the newest matches of the phrase, then of all words, then of any.
    const present = words.filter((w) => df.get(w)! >= 1);
    const levels = [
      tiers.length ? tiers.map(ftsString).join(" AND ") : MATCH_NOTHING,
      present.length ? present.map(ftsString).join(" AND ") : MATCH_NOTHING,
      present.length > 1 ? present.map(ftsString).join(" OR ") : MATCH_NOTHING,
    ];
    const level = (m: string, before: string) => sql`
      SELECT f.rowid AS num FROM papers_fts AS f
      WHERE papers_fts MATCH (CASE WHEN (SELECT count(*) FROM ${sql.raw(before)}) < ${COMMON_WINDOW} THEN ${m} ELSE ${MATCH_NOTHING} END) ${notExcluded}
      ORDER BY f.rowid DESC LIMIT ${COMMON_WINDOW}`;
    ranked = sql`
      WITH l0 AS MATERIALIZED (SELECT 0 AS num WHERE 0),
      l1 AS MATERIALIZED (${level(levels[0]!, "l0")}),
      l2 AS MATERIALIZED (SELECT num FROM (${level(levels[1]!, "l1")}) WHERE num NOT IN (SELECT num FROM l1)),
      l12 AS MATERIALIZED (SELECT num FROM l1 UNION ALL SELECT num FROM l2),
      l3 AS (SELECT num FROM (${level(levels[2]!, "l12")}) WHERE num NOT IN (SELECT num FROM l12))
      SELECT num, row_number() OVER (ORDER BY lvl, num DESC) AS ord FROM (
        SELECT num, 1 AS lvl FROM l1 UNION ALL SELECT num, 2 FROM l2 UNION ALL SELECT num, 3 FROM l3)
      LIMIT ${COMMON_WINDOW}`;
  }
  return { rows: await listedInRankOrder(db, ranked), df, total, common: rare.size === 0 };
}

/** The phrases whose papers come first: the quoted ones, else a short query as a whole. */
const tierPhrases = (parsed: ParsedQuery) =>
  parsed.phrases.length ? parsed.phrases : parsed.whole ? [parsed.whole] : [];

/** BM25F: the usual k1, a length normalization per field, and the index's column weights (title 10, authors 4, abstract 1). */
const K1 = 1.2;
const FIELDS = [
  { weight: 10, b: 0.5 },
  { weight: 4, b: 0 },
  { weight: 1, b: 0.75 },
] as const;
/** A phrase found in a paper (its words adjacent) scores this share of its words' idf on top of them. */
export const PHRASE_WEIGHT = 1;
/** Of two papers that match a query alike, the more upvoted first: each paper's score gains this much per e-fold of its upvotes + 1. */
export const UPVOTE_PRIOR = 0.5;
/** Queries of at most this many words are a topic, a name or a few title words (rather than a sentence): see rescore. */
const SHORT_QUERY = 6;

/** Stems already cut: a paper's words repeat across candidates and queries. Cleared when it grows past STEM_CACHE. */
const stems = new Map<string, string>();
const STEM_CACHE = 50_000;
function stemCached(token: string): string {
  let s = stems.get(token);
  if (s === undefined) {
    if (stems.size >= STEM_CACHE) stems.clear();
    s = stem(token);
    stems.set(token, s);
  }
  return s;
}

/** A field as the rescoring reads it: its length in words and where each wanted stem stands in it. */
interface Field {
  length: number;
  at: Map<string, number[]>;
}

/** A word's characters beyond ASCII (TOKEN's), tested where wordWidth stands. */
const WORD_CHAR = /[\p{L}\p{N}]/uy;

/** The code units of the word character (TOKEN's) at `i` of `text`: 0 where none stands. */
function wordWidth(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) ? 1 : 0;
  WORD_CHAR.lastIndex = i;
  return WORD_CHAR.test(text) ? (c >= 0xd800 && c <= 0xdbff ? 2 : 1) : 0;
}

/**
 * Reads where the query's stems (`wanted`) stand in a text, in one pass over its characters: a
 * word is cut out and stemmed only when it starts as a wanted stem does (a stem is its word's
 * beginning, but for "ies" -> "y", whose "i" form is sought too), and kept when its stem is wanted.
 * Two such words are adjacent (positions n and n + 1) when no other word stands between them. The
 * field's length is its count of runs of characters other than white space. A paper's words are
 * about 150; a query's stems find a tenth of them or less, so most words cost a look at their
 * first character. (A regular expression of the stems, built anew for each query, did the same for
 * a third more of workerd's time: docs/benchmarks.md.)
 */
function scannerFor(wanted: ReadonlySet<string>): (text: string) => Field {
  const byFirst = new Map<number, string[]>();
  for (const s of wanted)
    for (const start of s.endsWith("y") && s.length > 1 ? [s, `${s.slice(0, -1)}i`] : [s]) {
      const first = start.charCodeAt(0);
      byFirst.set(first, [...(byFirst.get(first) ?? []), start]);
    }
  return (text) => scan(text, byFirst, wanted);
}

const NO_STEMS: string[] = [];

/** Whether `text` from `at` starts as one of `stems` does. */
function startsAsAny(text: string, at: number, stems: string[]): boolean {
  for (const s of stems) if (text.startsWith(s, at)) return true;
  return false;
}

/** scannerFor's pass over one text (a function of its own: V8 optimises it once, not a closure per query). */
function scan(text: string, byFirst: Map<number, string[]>, wanted: ReadonlySet<string>): Field {
  const at = new Map<string, number[]>();
  const lower = indexCase(text);
  let length = 0;
  let inRun = false;
  let pos = 0;
  let between = false;
  for (let i = 0; i < lower.length; ) {
    let width = wordWidth(lower, i);
    if (!width) {
      const c = lower.charCodeAt(i++);
      const space = c === 32 || (c >= 9 && c <= 13) || c === 160;
      if (!space && !inRun) length++;
      inRun = !space;
      continue;
    }
    if (!inRun) length++;
    inRun = true;
    const start = i;
    while (width) {
      i += width;
      width = i < lower.length ? wordWidth(lower, i) : 0;
    }
    if (!startsAsAny(lower, start, byFirst.get(lower.charCodeAt(start)) ?? NO_STEMS)) {
      between = true;
      continue;
    }
    pos += between ? 2 : 1;
    between = false;
    const s = stemCached(lower.slice(start, Math.min(i, start + MAX_TERM_LENGTH)));
    if (!wanted.has(s)) continue;
    const list = at.get(s);
    if (list) list.push(pos);
    else at.set(s, [pos]);
  }
  return { length, at };
}

/** Whether `run` stands in `tokens` as adjacent words. */
const isRun = (tokens: string[], run: string[]) => tokens.some((_, i) => run.every((t, j) => tokens[i + j] === t));

/** How often `phrase` (stems) stands in a field as adjacent words. */
function occurrences(field: Field, phrase: string[]): number {
  const rest = phrase.slice(1).map((s) => field.at.get(s));
  if (rest.some((list) => !list)) return 0;
  return (field.at.get(phrase[0]!) ?? []).filter((i) => rest.every((list, j) => list!.includes(i + j + 1))).length;
}

/**
 * The candidates in their final order. The score: BM25F over every word of the query (the common
 * ones too, their df estimated by the probe; title 10, authors 4, abstract 1 as in the index, each
 * field normalized by its length), plus each phrase (quoted, adjacent query words, the short query
 * whole) found with its words adjacent, weighted by its words' idf, plus UPVOTE_PRIOR x ln(1 + upvotes). Before the score: an author whose
 * name holds a short query's words in order (a name), then papers holding the quoted phrases or the
 * short query whole, then for a short query papers holding every word, and more of them in the title.
 * The common arm keeps its order by place (phrase in the title, words in the title, the same in the
 * abstract), then newer, then more upvoted: bm25 on 300 newest matches of common words says little.
 */
function rescore(parsed: ParsedQuery, found: Candidates): ListedRow[] {
  const { rows, df, total, common } = found;
  const wordIdf = new Map<string, number>();
  for (const w of parsed.words) {
    const s = stem(w);
    wordIdf.set(s, Math.max(wordIdf.get(s) ?? 0, idfOf(total, df.get(w) ?? 0)));
  }
  const tiers = tierPhrases(parsed).map((p) => p.map(stem));
  const short = parsed.words.length <= SHORT_QUERY;
  const bonusPhrases = [...parsed.phrases, ...parsed.pairs, ...(parsed.whole ? [parsed.whole] : [])].map((p) => {
    const stems = p.map(stem);
    return { stems, idf: PHRASE_WEIGHT * stems.reduce((a, s) => a + (wordIdf.get(s) ?? 0), 0) };
  });
  const nameWords =
    parsed.words.length >= 2 && parsed.words.length <= 4 && !parsed.phrases.length ? parsed.words : null;
  const wanted = new Set([...wordIdf.keys(), ...tiers.flat(), ...bonusPhrases.flatMap((p) => p.stems)]);
  const scan = scannerFor(wanted);
  const docs = rows.map((row) => {
    const { title, authors, abstract } = row.paper;
    const fields = [scan(title), scan(authors.join(", ")), scan(abstract)] as const;
    // a name: the short query's words in order in one author's name, as typed (not stemmed)
    const name = nameWords ? authors.some((a) => isRun(tokensOf(a), nameWords)) : false;
    return { row, fields, name };
  });
  const avg = FIELDS.map((_, f) => docs.reduce((a, d) => a + d.fields[f]!.length, 0) / Math.max(1, docs.length) || 1);
  const saturate = (tf: number, idf: number) => (tf ? (idf * tf * (K1 + 1)) / (tf + K1) : 0);
  const scored = docs.map((d) => {
    const norm = FIELDS.map((f, i) => f.weight / (1 - f.b + (f.b * d.fields[i]!.length) / avg[i]!));
    let score = 0;
    let every = true;
    let [titlePhrase, titleWords, abstractPhrase, abstractWords] = [0, 0, 0, 0];
    for (const [s, idf] of wordIdf) {
      const counts = d.fields.map((f) => f.at.get(s)?.length ?? 0);
      const tf = counts.reduce((a, c, i) => a + c * norm[i]!, 0);
      if (!tf) every = false;
      if (counts[0]) titleWords++;
      if (counts[2]) abstractWords++;
      score += saturate(tf, idf);
    }
    const [title, , abstract] = d.fields;
    for (const p of bonusPhrases) {
      const [t, a] = [occurrences(title, p.stems), occurrences(abstract, p.stems)];
      if (t) titlePhrase = 1;
      if (a) abstractPhrase = 1;
      score += saturate(t * norm[0]! + a * norm[2]!, p.idf);
    }
    const holds = (p: string[]) => d.fields.some((f) => occurrences(f, p) > 0);
    const name = d.name;
    const inTitle = titleWords === wordIdf.size;
    const tier = name ? 3 : (tiers.length && tiers.every(holds)) || (short && inTitle) ? 2 : short && every ? 1 : 0;
    const where = common ? [titlePhrase, titleWords, abstractPhrase, abstractWords] : [];
    score += UPVOTE_PRIOR * Math.log1p(Math.max(0, d.row.upvotes));
    return { row: d.row, tier, score, where };
  });
  const byWhere = (a: number[], b: number[]) => a.reduce((r, x, i) => r || b[i]! - x, 0);
  const newer = (a: ListedRow, b: ListedRow) =>
    (b.paper.published > a.paper.published ? 1 : b.paper.published < a.paper.published ? -1 : 0) ||
    (b.entry?.upstreamUpvotes ?? 0) - (a.entry?.upstreamUpvotes ?? 0) ||
    (a.paper.id < b.paper.id ? -1 : 1);
  scored.sort(
    (a, b) =>
      b.tier - a.tier ||
      byWhere(a.where, b.where) ||
      (common ? newer(a.row, b.row) : b.score - a.score || a.row.paper.num - b.row.paper.num),
  );
  return scored.map((s) => s.row);
}

/** What a search matched, cut to the stem the ranking uses ("models" -> "model"), for highlighting: its words and its phrases' words. */
export function queryTerms(q: string | ParsedQuery): string[] {
  const parsed = typeof q === "string" ? parseQuery(q) : q;
  const words = [...parsed.words, ...parsed.phrases.flat()];
  return [...new Set(words.map(stem))];
}

/** Whether a word (TOKEN's) starts with one of `terms` once read as the index reads it. */
const startsAsTerm = (terms: string[]) => (word: string) => {
  const w = indexCase(word);
  return terms.some((term) => w.startsWith(term));
};

/** Puts MARK_START/MARK_END around every word that starts with a query term's stem. */
export function markTerms(text: string, terms: string[]): string {
  return terms.length ? markWords(text, startsAsTerm(terms)) : text;
}

const markWords = (text: string, marked: (word: string) => boolean) =>
  text.replace(TOKEN, (word) => (marked(word) ? `${MARK_START}${word}${MARK_END}` : word));

/**
 * About `words` words of the text around the first match, marked; the opening words when none
 * match. Words here are runs of characters other than white space, joined by one space; the text
 * is read only as far as the snippet's end.
 */
export function snippetOf(text: string, terms: string[], words = 40): string {
  const marked = startsAsTerm(terms);
  const before = Math.floor(words / 4);
  const runs = /\S+/g;
  const tokens: string[] = [];
  let first = -1;
  for (let run = runs.exec(text); run; run = runs.exec(text)) {
    const token = run[0];
    if (first < 0 && (token.match(TOKEN) ?? []).some(marked)) first = tokens.length;
    tokens.push(token);
    // one word past the snippet's end says whether an ellipsis follows
    if (first >= 0 && tokens.length > Math.max(0, first - before) + words) break;
  }
  const start = Math.max(0, first - before);
  const end = Math.min(tokens.length, start + words);
  return `${start > 0 ? "…" : ""}${markWords(tokens.slice(start, end).join(" "), marked)}${end < tokens.length ? "…" : ""}`;
}

/** Terms at most this frequent (document frequency) make a related-papers query. */
export const RARE_TERM_DF = 200;
/** The most matches related papers rank: the ones most recently added. */
const RELATED_WINDOW = 500;

/**
 * Papers whose text is closest to this one's title, keywords and abstract (its first MAX_TERMS
 * distinct terms, the title's first), at a cost bounded at any catalog size. In one statement: each
 * term's document frequency among the other papers is counted on the FTS index up to
 * `rareTermDf` + 1. The terms found in some other paper and at most that frequent make an OR
 * query, ranked by bm25 (title 5, authors 1, abstract 1) over at most RELATED_WINDOW of its
 * matches, on the FTS index alone, before any join. Rare terms are what bm25's idf weighs anyway:
 * the common ones it drops barely moved the ranking and made the query match most papers. The
 * abstract's terms doubled how often a related paper shares the paper's topic (npm run
 * eval:related, docs/benchmarks.md); the bound is the same, MAX_TERMS probes of at most
 * `rareTermDf` + 1 postings. When no term is rare, the papers that share the rarest (of equally frequent ones, the longest),
 * most recently added first: no bm25 there, as its idf alone reads every match of a common word.
 */
export async function relatedPapers(
  db: Db,
  paper: Pick<PaperRow, "num" | "id" | "title" | "aiKeywords" | "abstract">,
  opts: { limit?: number; rareTermDf?: number } = {},
): Promise<ListedPaper[]> {
  const query = relatedPapersQuery(db, paper, opts);
  return query ? relatedFromRows(await query) : [];
}

/** relatedPapers' one statement, to run in a batch with others (relatedFromRows reads its rows); null when no term can match. */
export function relatedPapersQuery(
  db: Db,
  paper: Pick<PaperRow, "num" | "id" | "title" | "aiKeywords" | "abstract">,
  opts: { limit?: number; rareTermDf?: number } = {},
) {
  const rare = opts.rareTermDf ?? RARE_TERM_DF;
  const limit = opts.limit ?? 5;
  const words = tokensOf(`${paper.title} ${(paper.aiKeywords ?? []).join(" ")} ${paper.abstract}`);
  const distinct = [...new Set(words)].filter((w) => w.length > 2 && !STOPWORDS.has(w)).slice(0, MAX_TERMS);
  if (!distinct.length) return null;
  const terms = sql.join(
    distinct.map((w) => sql`(${`"${w}"`})`),
    sql`, `,
  );
  const ranked = sql`
    WITH probes AS MATERIALIZED (
      SELECT column1 AS term, (SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH column1 AND rowid != ${paper.num} LIMIT ${rare + 1})) AS df
      FROM (VALUES ${terms})),
    dfs AS (SELECT term, df, row_number() OVER (ORDER BY df, length(term) DESC, term) AS n FROM probes WHERE df >= 1),
    rare_match(m) AS (SELECT coalesce(group_concat(term, ' OR '), ${MATCH_NOTHING}) FROM dfs WHERE df <= ${rare}),
    fallback_match(m) AS (SELECT coalesce(max(term), ${MATCH_NOTHING}) FROM dfs WHERE n = 1 AND df > ${rare})
    SELECT num, row_number() OVER (ORDER BY score, num) AS ord FROM (
      SELECT num, score FROM (
        SELECT rowid AS num, bm25(papers_fts, 5.0, 1.0, 1.0) AS score FROM papers_fts
        WHERE papers_fts MATCH (SELECT m FROM rare_match) AND rowid != ${paper.num}
        ORDER BY rowid DESC LIMIT ${RELATED_WINDOW})
      ORDER BY score, num LIMIT ${limit})
    UNION ALL
    SELECT num, row_number() OVER (ORDER BY num DESC) AS ord FROM (
      SELECT rowid AS num FROM papers_fts
      WHERE papers_fts MATCH (SELECT m FROM fallback_match) AND rowid != ${paper.num}
      ORDER BY rowid DESC LIMIT ${limit})`;
  return listedInRankOrder(db, ranked);
}

export const relatedFromRows = (rows: Awaited<NonNullable<ReturnType<typeof relatedPapersQuery>>>): ListedPaper[] =>
  rows.map(asListed);
