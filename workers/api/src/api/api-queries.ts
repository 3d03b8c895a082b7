import { and, desc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "../../../../shared/db/client";
import { dailyEntries, papers } from "../../../../shared/db/schema";
import { badRequest } from "../errors";
import type { DailyPapersQuery } from "./api-schemas";
import type { PaperWithEntry } from "./hf-shape";

/** The first and last day (inclusive) of the period the query names, or null for "all days". */
export function periodOf(q: Pick<DailyPapersQuery, "date" | "week" | "month">): { from: string; to: string } | null {
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  if (q.date) {
    const d = new Date(`${q.date}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || iso(d) !== q.date) throw badRequest("invalid_date", `date: ${q.date} is not a real day`);
    return { from: q.date, to: q.date };
  }
  if (q.month) {
    const [y, m] = q.month.split("-").map(Number) as [number, number];
    if (m < 1 || m > 12) throw badRequest("invalid_month", `month: ${q.month} is not a real month`);
    return { from: `${q.month}-01`, to: iso(new Date(Date.UTC(y, m, 0))) };
  }
  if (q.week) {
    const [y, w] = q.week.split("-W").map(Number) as [number, number];
    // ISO 8601: week 1 holds January 4th; weeks start on Monday.
    const jan4 = new Date(Date.UTC(y, 0, 4));
    const monday1 = Date.UTC(y, 0, 4 - ((jan4.getUTCDay() + 6) % 7));
    const weeksInYear = isoWeekOf(new Date(Date.UTC(y, 11, 28)));
    if (w < 1 || w > weeksInYear) throw badRequest("invalid_week", `week: ${y} has no week ${w}`);
    const start = new Date(monday1 + (w - 1) * 7 * 86_400_000);
    return { from: iso(start), to: iso(new Date(start.getTime() + 6 * 86_400_000)) };
  }
  return null;
}

function isoWeekOf(d: Date): number {
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86_400_000);
  const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return Math.floor((thursday.getTime() - jan1) / (7 * 86_400_000)) + 1;
}

export interface ListOptions {
  /** First and last day, inclusive; absent for all days. */
  from?: string;
  to?: string;
  submitter?: string;
  sort: "publishedAt" | "trending";
  p: number;
  limit: number;
}

export async function listDaily(db: Db, q: ListOptions): Promise<PaperWithEntry[]> {
  const where = and(
    q.from ? gte(dailyEntries.day, q.from) : undefined,
    q.to ? lte(dailyEntries.day, q.to) : undefined,
    q.submitter ? eq(dailyEntries.submitterName, q.submitter) : undefined,
  );
  // Trending: upvotes decayed by age since featured (see the about page for the formula).
  const order =
    q.sort === "trending"
      ? [desc(sql`(${dailyEntries.upstreamUpvotes} + 1) / pow(julianday('now') - julianday(${dailyEntries.day}) + 2, 1.5)`), desc(dailyEntries.day), papers.id]
      : [desc(dailyEntries.day), desc(dailyEntries.upstreamUpvotes), papers.id];
  return db
    .select({ paper: papers, entry: dailyEntries })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(where)
    .orderBy(...order)
    .limit(q.limit)
    .offset(q.p * q.limit)
    .all();
}

export async function paperWithEntry(db: Db, id: string): Promise<PaperWithEntry | null> {
  const row = await db
    .select({ paper: papers, entry: dailyEntries })
    .from(papers)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(eq(papers.id, id))
    .get();
  return row ?? null;
}

/** Turns free text into an FTS5 query of quoted terms (AND), so that syntax in q is never executed. */
export function ftsQuery(q: string): string | null {
  const terms = q.match(/[\p{L}\p{N}]+/gu) ?? [];
  return terms.length ? terms.slice(0, 32).map((t) => `"${t}"`).join(" ") : null;
}

export async function searchPapersForApi(db: Db, q: string, limit: number): Promise<PaperWithEntry[]> {
  const match = ftsQuery(q);
  if (!match) return [];
  const hits = await db.all<{ id: string }>(
    sql`SELECT p.id AS id FROM papers_fts JOIN papers p ON p.num = papers_fts.rowid
        WHERE papers_fts MATCH ${match} ORDER BY bm25(papers_fts, 10.0, 5.0, 1.0) LIMIT ${limit}`,
  );
  if (!hits.length) return [];
  const ids = hits.map((h) => h.id);
  const rows = await db
    .select({ paper: papers, entry: dailyEntries })
    .from(papers)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(inArray(papers.id, ids))
    .all();
  const byId = new Map(rows.map((r) => [r.paper.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The last `n` days that have featured papers, newest first. */
export async function latestFeaturedDays(db: Db, n: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ day: dailyEntries.day })
    .from(dailyEntries)
    .orderBy(desc(dailyEntries.day))
    .limit(n)
    .all();
  return rows.map((r) => r.day);
}
