/**
 * The read side of the catalog, shared by the site and the JSON API. Every function takes the
 * database first and narrow arguments, and returns plain objects: the whole paper row, its daily
 * entry (or null), and the upvotes shown (local + upstream).
 *
 * Each listing is one SQL statement, so that an uncached page costs at most two D1 queries.
 */
import { and, asc, desc, eq, gte, isNull, lte, type SQL, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import { accounts, comments, type DailyEntryRow, dailyEntries, type PaperRow, papers, upvotes } from "../db/schema";
import { TRENDING_GRAVITY, TRENDING_WINDOW_DAYS } from "../domain/trending";
import { ftsString, MAX_TERMS, type ParsedQuery, parseQuery, STOPWORDS } from "./search-query";

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

/**
 * The most postings the ranked arm of a search reads per pass: each word is probed for its
 * document frequency up to POSTINGS_BUDGET / (number of words), and only the words found at most
 * that often are ranked by bm25, so that their doclists together hold at most POSTINGS_BUDGET
 * postings whatever the catalog's size. 100,000 postings: about 40 ms of FTS5 work for a 20-word
 * sentence at 154k real papers (measured with node:sqlite on the eval:search catalog).
 */
export const POSTINGS_BUDGET = 100_000;
/** The most candidates the bm25 arm ranks and pages through (15 pages of 20). */
export const RANKED_CANDIDATES = 300;
/** The matches a query of only common words ranks: the ones most recently added to the catalog (15 pages). */
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

/** D1 refuses a LIKE pattern over 50 bytes ("LIKE or GLOB pattern too complex"): longer ones are not tested. */
const likeable = (text: string) => new TextEncoder().encode(`% ${text}%`).length <= 50;

/** A text with - : ( / as spaces, lower-cased, between spaces: what LIKE '% word%' tests word starts on. */
const spaced = (column: SQL) =>
  sql`(' ' || lower(replace(replace(replace(replace(${column}, '-', ' '), ':', ' '), '(', ' '), '/', ' ')) || ' ')`;

/**
 * Best match first, for any query, at a cost bounded whatever its words' frequencies. Two D1
 * statements at most:
 * 1. Document frequencies: each word's matches are counted on the FTS index up to
 *    POSTINGS_BUDGET / words + 1 (FTS5 walks a doclist lazily and stops at the LIMIT), so the
 *    probes read at most POSTINGS_BUDGET + words postings in all.
 * 2. Ranking, one of two arms:
 *    - some word is rare (1 <= df <= the probe's cap): bm25 (title 10, authors 4, abstract 1) over
 *      an OR of the rare words and of the phrases (quoted ones, and adjacent query words) that hold
 *      a rare word. bm25 reads each element's doclist to weigh it; every element holds a word of at
 *      most budget / words postings, so a pass reads at most POSTINGS_BUDGET postings plus doclist
 *      seeks into the phrases' other words. A paper with the phrase scores the phrase on top of its
 *      words, so it ranks above the same words apart. Words missing from the catalog (df 0) and
 *      common ones drop out of the OR: no empty answer for one missing word. Of the
 *      RANKED_CANDIDATES best, papers whose authors hold the whole query (an author's name) come first.
 *    - every word is common: bm25 would read every posting (its idf alone counts every match), so
 *      the COMMON_WINDOW matches most recently added of the quoted phrases (else all words, else any
 *      word) are ranked by where they match: the phrase in the title, the words in the title, the
 *      phrase in the abstract, the words in the abstract, then newer, then more upvoted. FTS5 walks
 *      the doclists from the end in rowid order and stops at the window.
 *    Excluded words are tested per candidate by a rowid lookup (a seek), never by reading their doclist.
 * An arXiv id or address answers that paper (one statement, on the papers' id index).
 */
export async function searchPapers(
  db: Db,
  q: string,
  opts: { page?: number; limit?: number; budget?: number } = {},
): Promise<SearchResult> {
  const parsed = parseQuery(q);
  const limit = opts.limit ?? 20;
  const offset = (opts.page ?? 0) * limit;
  const terms = queryTerms(parsed);
  let ranked: SQL;
  if (parsed.arxivId) {
    ranked = sql`SELECT num, 1 AS ord FROM papers WHERE id = ${parsed.arxivId} AND ${offset} = 0`;
  } else if (parsed.words.length) {
    ranked = await rankedSearch(db, parsed, { limit, offset, budget: opts.budget ?? POSTINGS_BUDGET });
  } else {
    return { hits: [], more: false };
  }
  const rows = await listedInRankOrder(db, ranked);
  return {
    hits: rows.slice(0, limit).map((r) => ({
      ...asListed(r),
      titleHighlight: markTerms(r.paper.title, terms),
      snippet: snippetOf(r.paper.abstract, terms),
    })),
    more: rows.length > limit,
  };
}

async function rankedSearch(
  db: Db,
  parsed: ParsedQuery,
  page: { limit: number; offset: number; budget: number },
): Promise<SQL> {
  const { words, excluded } = parsed;
  const cap = Math.max(1, Math.floor(page.budget / words.length));
  const values = sql.join(
    words.map((w) => sql`(${ftsString(w)})`),
    sql`, `,
  );
  const probes = await db.all<{ term: string; df: number }>(sql`
    SELECT column1 AS term, (SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH column1 LIMIT ${cap + 1})) AS df
    FROM (VALUES ${values})`);
  const df = new Map(probes.map((p) => [p.term, Number(p.df)]));
  const dfOf = (w: string) => df.get(ftsString(w)) ?? 0;
  const rare = new Set(words.filter((w) => dfOf(w) >= 1 && dfOf(w) <= cap));
  // Adjacent-word pairs help a sentence (5 words or more); in a few title words they mostly mislead.
  const phrases = [...parsed.phrases, ...(words.length >= 5 ? parsed.pairs : [])];
  // The phrases whose papers come first: the quoted ones, else a short query as a whole.
  const tiers = parsed.phrases.length ? parsed.phrases : parsed.whole ? [parsed.whole] : [];
  const notExcluded = excluded.length
    ? sql`AND NOT EXISTS (SELECT 1 FROM papers_fts AS x WHERE x.papers_fts MATCH ${excluded.map(ftsString).join(" OR ")} AND x.rowid = f.rowid)`
    : sql``;
  const { limit, offset } = page;
  if (rare.size) {
    const elements = [...[...rare].map(ftsString), ...phrases.filter((p) => p.some((t) => rare.has(t))).map(ftsString)];
    // An author's full name: a query of two to four words that some author's name holds in order.
    const isName = words.length >= 2 && words.length <= 4 && !parsed.phrases.length && likeable(` ${words.join(" ")} `);
    const authorHit = isName ? sql`(p.authors LIKE ${`%${words.join(" ")}%`})` : sql`(0 = 1)`;
    // The tier phrases: papers holding them all come first (a rowid lookup per candidate), and when
    // each holds a rare word, their own bm25 top list joins the candidates (bounded like the words).
    const tierMatch = tiers.map(ftsString).join(" AND ");
    const tierHit = tiers.length
      ? sql`EXISTS (SELECT 1 FROM papers_fts AS y WHERE y.papers_fts MATCH ${tierMatch} AND y.rowid = c.num)`
      : sql`(0 = 1)`;
    const tierArm = (m: string) => sql`SELECT * FROM (
      SELECT f.rowid AS num, bm25(papers_fts, 10.0, 4.0, 1.0) AS score FROM papers_fts AS f
      WHERE papers_fts MATCH ${m} ${notExcluded}
      ORDER BY score, num LIMIT ${RANKED_CANDIDATES})`;
    const tierRare = tiers.length > 0 && tiers.every((p) => p.some((t) => rare.has(t)));
    return sql`
      SELECT num, ord FROM (
        SELECT c.num AS num, row_number() OVER (ORDER BY ${authorHit} DESC, ${tierHit} DESC, c.score, c.num) AS ord
        FROM (
          SELECT num, min(score) AS score FROM (
            ${tierArm(elements.join(" OR "))}
            UNION ALL ${tierArm(tierRare ? tierMatch : MATCH_NOTHING)})
          GROUP BY num) AS c
        JOIN papers AS p ON p.num = c.num
        WHERE p.hidden_at IS NULL)
    ORDER BY ord LIMIT ${limit + 1} OFFSET ${offset}`;
  }
  // Every word common (or absent): the newest matches, ranked by where the words stand.
  const present = words.filter((w) => dfOf(w) >= 1);
  const strict = parsed.phrases.length
    ? parsed.phrases.map(ftsString).join(" AND ")
    : present.map(ftsString).join(" AND ");
  const loose = present.length ? present.map(ftsString).join(" OR ") : MATCH_NOTHING;
  const title = spaced(sql`p.title`);
  const abstract = spaced(sql`p.abstract`);
  const stems = queryTerms({ ...parsed, words: present });
  // Each list is one bound parameter (json_each), whatever its length: D1 allows 100 per statement.
  const hits = (text: SQL, list: string[]) =>
    list.length
      ? sql`(SELECT count(*) FROM json_each(${JSON.stringify(list)}) WHERE ${text} LIKE '% ' || value || '%')`
      : sql`0`;
  const phraseIn = (text: SQL) =>
    sql`(${hits(text, [...phrases, ...tiers].map((p) => p.join(" ")).filter(likeable))} > 0)`;
  const wordsIn = (text: SQL) => hits(text, stems.filter(likeable));
  // The papers holding every word (or the quoted phrases) first; any word only when they are fewer than the window.
  return sql`
    WITH strict AS MATERIALIZED (
      SELECT f.rowid AS num FROM papers_fts AS f WHERE papers_fts MATCH ${strict || MATCH_NOTHING} ${notExcluded}
      ORDER BY f.rowid DESC LIMIT ${COMMON_WINDOW}),
    loose AS (
      SELECT f.rowid AS num FROM papers_fts AS f
      WHERE papers_fts MATCH (CASE WHEN (SELECT count(*) FROM strict) < ${COMMON_WINDOW} THEN ${loose} ELSE ${MATCH_NOTHING} END) ${notExcluded}
      ORDER BY f.rowid DESC LIMIT ${COMMON_WINDOW}),
    candidates AS (SELECT num, 1 AS every FROM strict UNION ALL SELECT num, 0 FROM loose WHERE num NOT IN (SELECT num FROM strict))
    SELECT num, ord FROM (
      SELECT w.num AS num, row_number() OVER (ORDER BY w.every DESC, ${phraseIn(title)} DESC, ${wordsIn(title)} DESC,
        ${phraseIn(abstract)} DESC, ${wordsIn(abstract)} DESC, p.published DESC, coalesce(d.upstream_upvotes, 0) DESC, p.id) AS ord
      FROM candidates AS w
      JOIN papers AS p ON p.num = w.num
      LEFT JOIN daily_entries AS d ON d.paper_id = p.id
      WHERE p.hidden_at IS NULL)
    ORDER BY ord LIMIT ${limit + 1} OFFSET ${offset}`;
}

/** What a search matched, lower-cased and cut to a rough stem ("models" -> "model"), for highlighting: its words and its phrases' words. */
export function queryTerms(q: string | ParsedQuery): string[] {
  const parsed = typeof q === "string" ? parseQuery(q) : q;
  const words = [...parsed.words, ...parsed.phrases.flat()];
  return [...new Set(words.map((w) => (w.length > 4 ? w.replace(/(ing|ed|es|s|ly)$/u, "") : w)))];
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
