import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { dailyEntries, papers } from "../db/schema";

export async function latestDayWithPapers(db: Db): Promise<string | null> {
  const row = await db.select({ day: sql<string>`max(${dailyEntries.day})` }).from(dailyEntries).get();
  return row?.day ?? null;
}

export async function papersOfDay(db: Db, day: string) {
  return db
    .select({ id: papers.id, title: papers.title, upvotes: dailyEntries.upstreamUpvotes })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(eq(dailyEntries.day, day))
    .orderBy(desc(dailyEntries.upstreamUpvotes), papers.id)
    .all();
}
