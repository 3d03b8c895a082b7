import { and, asc, eq, gte, lte, sql } from "drizzle-orm";
import type { Db } from "#shared/db/client";
import { dailyEntries, papers } from "#shared/db/schema";
import { visible } from "#shared/papers/queries";

/** Every day with visible featured papers, oldest first: the catalog's query, one with latestDays. */
export { featuredDays } from "#shared/papers/queries";

/** When a featured paper's page last changed: its metadata (ingest bumps changed_at) or its featuring. */
const lastmodSql = sql<string>`max(${papers.changedAt}, ${dailyEntries.createdAt})`;

/** Every month with featured papers, oldest first, with the latest change of its papers. */
export async function sitemapMonths(db: Db): Promise<{ month: string; lastmod: string }[]> {
  const month = sql<string>`substr(${dailyEntries.day}, 1, 7)`;
  return db
    .select({ month, lastmod: sql<string>`max(${lastmodSql})` })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(visible)
    .groupBy(month)
    .orderBy(month)
    .all();
}

/** The papers featured from `from` to `to`, in day then id order, with their last change. */
export async function sitemapPapers(
  db: Db,
  range: { from: string; to: string },
): Promise<{ id: string; day: string; lastmod: string }[]> {
  return db
    .select({ id: papers.id, day: dailyEntries.day, lastmod: lastmodSql })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(and(gte(dailyEntries.day, range.from), lte(dailyEntries.day, range.to), visible))
    .orderBy(asc(dailyEntries.day), asc(dailyEntries.paperId))
    .all();
}
