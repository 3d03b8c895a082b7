/**
 * The read side of the catalog, shared by the site and the JSON API. Every function takes the
 * database first and narrow arguments, and returns plain objects: the whole paper row, its daily
 * entry (or null), and the upvotes shown (local + upstream).
 *
 * Each listing is one SQL statement, so that an uncached page costs at most two D1 queries.
 */
import { and, desc, eq, gte, isNull, lte, type SQL, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import { accounts, comments, type DailyEntryRow, dailyEntries, type PaperRow, papers, upvotes } from "../db/schema";
import { TRENDING_GRAVITY, TRENDING_WINDOW_DAYS } from "../domain/trending";

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

const listedColumns = {
  paper: papers,
  entry: dailyEntries,
  upvotes: upvotesSql,
  localUpvotes: localUpvotesSql,
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

function asListed<
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

/** The last `n` days that have visible papers, newest first. */
export async function latestDays(db: Db, n: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ day: dailyEntries.day })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(visible)
    .orderBy(desc(dailyEntries.day))
    .limit(n)
    .all();
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
  const row = await db
    .select(listedColumns)
    .from(papers)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(and(eq(papers.id, id), opts.includeHidden ? undefined : visible))
    .get();
  return row ? asListed(row) : null;
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

const MAX_TERMS = 32;
const MAX_TERM_LENGTH = 64;

/**
 * Turns whatever a user typed into an FTS5 query of quoted terms, so that no FTS5 syntax (quotes,
 * operators, parentheses, column filters, NEAR) is ever executed; null when nothing is searchable.
 * `all` joins the terms with AND (implicit), otherwise OR.
 */
export function toFtsQuery(input: string, join: "all" | "any" = "all"): string | null {
  const terms = (input.normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [])
    .map((t) => t.slice(0, MAX_TERM_LENGTH))
    .slice(0, MAX_TERMS);
  if (!terms.length) return null;
  return terms.map((t) => `"${t}"`).join(join === "all" ? " " : " OR ");
}

export interface SearchHit extends ListedPaper {
  /** The title with matched words between MARK_START and MARK_END. */
  titleHighlight: string;
  /** A passage of the abstract around the matches, marked the same way. */
  snippet: string;
}

export interface SearchResult {
  hits: SearchHit[];
  more: boolean;
}

/** A query matching at most this many papers is ranked whole by bm25; beyond it, only a window. */
export const RANK_ALL_UP_TO = 1000;
/** The matches a common-word query ranks: the ones most recently added to the catalog (15 pages). */
export const COMMON_WINDOW = 300;
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

/**
 * Best match first, at a cost bounded whatever the words' frequencies. One statement, two arms,
 * chosen by a probe that counts at most RANK_ALL_UP_TO + 1 matches:
 * - specific queries (at most RANK_ALL_UP_TO matches): bm25 with the title weighted 10, authors 4,
 *   abstract 1, ranked on the FTS index alone; rows are joined only for the page;
 * - common-word queries (more matches, where bm25's idf is near zero and orders nothing): the
 *   COMMON_WINDOW matches most recently added (rowid order, which FTS5 walks from the end and
 *   stops), title matches first, then newer, then more upvoted. No bm25 there: its idf alone
 *   reads every match of every word, which is what grows with a word's frequency.
 * The arm that does not apply gets a MATCH of nothing, so it costs no scan.
 */
export async function searchPapers(
  db: Db,
  q: string,
  opts: { page?: number; limit?: number } = {},
): Promise<SearchResult> {
  const match = toFtsQuery(q);
  if (!match) return { hits: [], more: false };
  const limit = opts.limit ?? 20;
  const offset = (opts.page ?? 0) * limit;
  const probe = sql`(SELECT count(*) FROM (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ${match} LIMIT ${RANK_ALL_UP_TO + 1}))`;
  // A word of the title starts with a query word's stem: what the page highlights (markTerms).
  const spacedTitle = sql`(' ' || replace(replace(replace(replace(p.title, '-', ' '), ':', ' '), '(', ' '), '/', ' '))`;
  const titleMatch = sql`(${sql.join(
    queryTerms(q).map((t) => sql`${spacedTitle} LIKE ${`% ${t}%`}`),
    sql` OR `,
  )})`;
  const ranked = sql`
    SELECT num, row_number() OVER (ORDER BY score, num) AS ord FROM (
      SELECT rowid AS num, bm25(papers_fts, 10.0, 4.0, 1.0) AS score FROM papers_fts
      WHERE papers_fts MATCH (CASE WHEN ${probe} <= ${RANK_ALL_UP_TO} THEN ${match} ELSE ${MATCH_NOTHING} END)
      ORDER BY score, num LIMIT ${limit + 1} OFFSET ${offset})
    UNION ALL
    SELECT num, ord FROM (
      SELECT w.num AS num, row_number() OVER (ORDER BY ${titleMatch} DESC, p.published DESC, coalesce(d.upstream_upvotes, 0) DESC, p.id) AS ord
      FROM (
        SELECT rowid AS num FROM papers_fts
        WHERE papers_fts MATCH (CASE WHEN ${probe} > ${RANK_ALL_UP_TO} THEN ${match} ELSE ${MATCH_NOTHING} END)
        ORDER BY rowid DESC LIMIT ${COMMON_WINDOW}) AS w
      JOIN papers AS p ON p.num = w.num
      LEFT JOIN daily_entries AS d ON d.paper_id = p.id
      ORDER BY ord LIMIT ${limit + 1} OFFSET ${offset})`;
  const rows = await listedInRankOrder(db, ranked);
  const terms = queryTerms(q);
  return {
    hits: rows.slice(0, limit).map((r) => ({
      ...asListed(r),
      titleHighlight: markTerms(r.paper.title, terms),
      snippet: snippetOf(r.paper.abstract, terms),
    })),
    more: rows.length > limit,
  };
}

/** The query's words, lower-cased and cut to a rough stem ("models" -> "model"), for highlighting. */
export function queryTerms(q: string): string[] {
  const words =
    q
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.slice(0, MAX_TERMS).map((w) => (w.length > 4 ? w.replace(/(ing|ed|es|s|ly)$/u, "") : w)))];
}

const TOKEN = /[\p{L}\p{N}]+/gu;
const matches = (token: string, terms: string[]) => {
  const t = token.normalize("NFKC").toLowerCase();
  return terms.some((term) => t.startsWith(term));
};

/** Puts MARK_START/MARK_END around every word that starts with a query term's stem. */
export function markTerms(text: string, terms: string[]): string {
  if (!terms.length) return text;
  return text.replace(TOKEN, (token) => (matches(token, terms) ? `${MARK_START}${token}${MARK_END}` : token));
}

/** About `words` words of the text around the first match, marked; the opening words when none match. */
export function snippetOf(text: string, terms: string[], words = 40): string {
  const tokens = text.replace(/\s+/g, " ").trim().split(" ");
  const first = Math.max(
    0,
    tokens.findIndex((t) => (t.match(TOKEN) ?? []).some((w) => matches(w, terms))),
  );
  const start = Math.max(0, first - Math.floor(words / 4));
  const end = Math.min(tokens.length, start + words);
  return `${start > 0 ? "…" : ""}${markTerms(tokens.slice(start, end).join(" "), terms)}${end < tokens.length ? "…" : ""}`;
}

const STOPWORDS = new Set(
  "a an and are as at be by for from how in into is it its of on or our the their this to via we what when where which with without".split(
    " ",
  ),
);

/** Terms at most this frequent (document frequency) make a related-papers query. */
export const RARE_TERM_DF = 200;
/** The most matches related papers rank: the ones most recently added. */
const RELATED_WINDOW = 500;

/**
 * Papers whose text is closest to this one's title and keywords, at a cost bounded at any catalog
 * size. In one statement: each term's document frequency among the other papers is counted on the
 * FTS index up to `rareTermDf` + 1. The terms found in some other paper and at most that frequent
 * make an OR query, ranked by bm25 (title 5, authors 1, abstract 1) over at most RELATED_WINDOW of
 * its matches, on the FTS index alone, before any join. Rare terms are what bm25's idf weighs
 * anyway: the common ones it drops barely moved the ranking and made the query match most papers.
 * When no term is rare, the papers that share the rarest (of equally frequent ones, the longest),
 * most recently added first: no bm25 there, as its idf alone reads every match of a common word.
 */
export async function relatedPapers(
  db: Db,
  paper: Pick<PaperRow, "num" | "id" | "title" | "aiKeywords">,
  opts: { limit?: number; rareTermDf?: number } = {},
): Promise<ListedPaper[]> {
  const query = relatedPapersQuery(db, paper, opts);
  return query ? relatedFromRows(await query) : [];
}

/** relatedPapers' one statement, to run in a batch with others (relatedFromRows reads its rows); null when no term can match. */
export function relatedPapersQuery(
  db: Db,
  paper: Pick<PaperRow, "num" | "id" | "title" | "aiKeywords">,
  opts: { limit?: number; rareTermDf?: number } = {},
) {
  const rare = opts.rareTermDf ?? RARE_TERM_DF;
  const limit = opts.limit ?? 5;
  const words = `${paper.title} ${(paper.aiKeywords ?? []).join(" ")}`.normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
  const distinct = [...new Set(words.map((w) => w.toLowerCase().slice(0, MAX_TERM_LENGTH)))]
    .filter((w) => w.length > 2 && !STOPWORDS.has(w))
    .slice(0, MAX_TERMS);
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
