/**
 * The read side of the catalog, shared by the site and the JSON API. Every function takes the
 * database first and narrow arguments, and returns plain objects: the whole paper row, its daily
 * entry (or null), and the upvotes shown (local + upstream).
 *
 * Each listing is one SQL statement, so that an uncached page costs at most two D1 queries.
 */
import { and, desc, eq, gte, lte, ne, sql, type SQL } from "drizzle-orm";
import { integer, sqliteTable, text, type AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import { dailyEntries, papers, type DailyEntryRow, type PaperRow } from "../db/schema";
import { TRENDING_GRAVITY, TRENDING_WINDOW_DAYS } from "../domain/trending";

/** The FTS5 index of migrations/0001_papers_fts.sql, declared here for querying only (drizzle-kit never sees it). */
const papersFts = sqliteTable("papers_fts", {
  rowid: integer("rowid"),
  title: text("title"),
  authors: text("authors"),
  abstract: text("abstract"),
});

export type SortOrder = "upvotes" | "trending" | "newest";
export const SORT_ORDERS: readonly SortOrder[] = ["upvotes", "trending", "newest"];

export interface ListedPaper {
  paper: PaperRow;
  /** The daily entry when the paper was featured on some day. */
  entry: DailyEntryRow | null;
  /** What the site shows: localUpvotes + the upstream count last seen. */
  upvotes: number;
  localUpvotes: number;
}

/** Local upvotes come with accounts (later); until then every paper has none. */
const localUpvotesSql = sql<number>`0`;
const upvotesSql = sql<number>`(${localUpvotesSql} + coalesce(${dailyEntries.upstreamUpvotes}, 0))`;

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
};

function asListed<T extends { entry: DailyEntryRow | null; upvotes: number; localUpvotes: number; paper: PaperRow }>(r: T): ListedPaper {
  return { paper: r.paper, entry: r.entry, upvotes: Number(r.upvotes), localUpvotes: Number(r.localUpvotes) };
}

export async function latestDayWithPapers(db: Db): Promise<string | null> {
  const row = await db.select({ day: sql<string | null>`max(${dailyEntries.day})` }).from(dailyEntries).get();
  return row?.day ?? null;
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
  const target = sql`(SELECT max(day) FROM daily_entries WHERE day <= ${day})`;
  const rows = await db
    .select({
      ...listedColumns,
      shown: sql<string>`${target}`,
      prev: sql<string | null>`(SELECT max(day) FROM daily_entries WHERE day < ${target})`,
      next: sql<string | null>`(SELECT min(day) FROM daily_entries WHERE day > ${target})`,
    })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(sql`${dailyEntries.day} = ${target}`)
    .orderBy(...orderFor(opts.sort ?? "upvotes", opts.now ?? new Date()))
    .limit(opts.limit ?? 200)
    .all();
  const first = rows[0];
  if (first) return { requested: day, day: first.shown, prev: first.prev, next: first.next, items: rows.map(asListed) };
  const after = await db
    .select({ next: sql<string | null>`min(${dailyEntries.day})` })
    .from(dailyEntries)
    .where(gte(dailyEntries.day, day))
    .get();
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
        opts.submitter ? eq(dailyEntries.submitterName, opts.submitter) : undefined,
      ),
    )
    .orderBy(...orderFor(opts.sort ?? "upvotes", opts.now ?? new Date()))
    .limit(limit + 1)
    .offset((opts.page ?? 0) * limit)
    .all();
  return { items: rows.slice(0, limit).map(asListed), more: rows.length > limit };
}

/** The last `n` days that have papers, newest first. */
export async function latestDays(db: Db, n: number): Promise<string[]> {
  const rows = await db.selectDistinct({ day: dailyEntries.day }).from(dailyEntries).orderBy(desc(dailyEntries.day)).limit(n).all();
  return rows.map((r) => r.day);
}

/**
 * Trending now: papers featured in the TRENDING_WINDOW_DAYS days up to the latest featured day,
 * best score first (shared/domain/trending.ts).
 */
export async function trendingPapers(db: Db, opts: { limit?: number; now?: Date } = {}): Promise<ListedPaper[]> {
  const now = opts.now ?? new Date();
  const rows = await db
    .select(listedColumns)
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(sql`${dailyEntries.day} >= (SELECT date(max(day), ${`-${TRENDING_WINDOW_DAYS} days`}) FROM daily_entries)`)
    .orderBy(...orderFor("trending", now))
    .limit(opts.limit ?? 30)
    .all();
  return rows.map(asListed);
}

export async function paperById(db: Db, id: string): Promise<ListedPaper | null> {
  const row = await db
    .select(listedColumns)
    .from(papers)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(eq(papers.id, id))
    .get();
  return row ? asListed(row) : null;
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

/**
 * Best match first: bm25 with the title weighted 10, authors 4, abstract 1. The ranking runs on the
 * FTS index alone (a CTE that keeps one page of rowids); rows are joined and highlighted only for
 * that page, so that a common word costs one scan of its doclist and no per-row work.
 */
export async function searchPapers(
  db: Db,
  q: string,
  opts: { page?: number; limit?: number } = {},
): Promise<SearchResult> {
  const match = toFtsQuery(q);
  if (!match) return { hits: [], more: false };
  const limit = opts.limit ?? 20;
  const ranked = db.$with("ranked").as(
    db
      .select({ num: sql<number>`rowid`.as("hit_num"), score: sql<number>`bm25(papers_fts, 10.0, 4.0, 1.0)`.as("hit_score") })
      .from(papersFts)
      .where(sql`papers_fts MATCH ${match}`)
      .orderBy(sql`hit_score`)
      .limit(limit + 1)
      .offset((opts.page ?? 0) * limit),
  );
  const rows = await db
    .with(ranked)
    .select(listedColumns)
    .from(ranked)
    .innerJoin(papers, sql`${papers.num} = "ranked"."hit_num"`)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .orderBy(sql`"ranked"."hit_score"`, papers.id)
    .all();
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
  const words = q.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
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
  const first = Math.max(0, tokens.findIndex((t) => (t.match(TOKEN) ?? []).some((w) => matches(w, terms))));
  const start = Math.max(0, first - Math.floor(words / 4));
  const end = Math.min(tokens.length, start + words);
  return `${start > 0 ? "…" : ""}${markTerms(tokens.slice(start, end).join(" "), terms)}${end < tokens.length ? "…" : ""}`;
}

const STOPWORDS = new Set(
  "a an and are as at be by for from how in into is it its of on or our the their this to via we what when where which with without".split(" "),
);

/** Papers whose text is closest to this one's title and keywords (FTS5 OR query, bm25). */
export async function relatedPapers(db: Db, paper: Pick<PaperRow, "id" | "title" | "aiKeywords">, limit = 5): Promise<ListedPaper[]> {
  const words = `${paper.title} ${(paper.aiKeywords ?? []).join(" ")}`.match(/[\p{L}\p{N}]+/gu) ?? [];
  const distinct = [...new Set(words.map((w) => w.toLowerCase()))].filter((w) => w.length > 2 && !STOPWORDS.has(w));
  const match = toFtsQuery(distinct.join(" "), "any");
  if (!match) return [];
  const rows = await db
    .select(listedColumns)
    .from(papersFts)
    .innerJoin(papers, eq(papers.num, papersFts.rowid))
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(and(sql`papers_fts MATCH ${match}`, ne(papers.id, paper.id)))
    .orderBy(sql`bm25(papers_fts, 5.0, 1.0, 1.0)`)
    .limit(limit)
    .all();
  return rows.map(asListed);
}
