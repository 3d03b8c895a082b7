import { and, between, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "#shared/db/client";
import { dailyEntries, type PaperRow, papers } from "#shared/db/schema";
import type { Period } from "#shared/domain/periods";
import type { Filters } from "#shared/mail/messages";
import { upvotesSql, visible } from "#shared/papers/queries";

export const DIGEST_SIZE = 10;
/** Filters choose from the period's most upvoted papers; a week holds a few hundred. */
const CANDIDATES = 500;

export type DigestPaper = Pick<PaperRow, "id" | "title" | "abstract" | "authors" | "categories"> & {
  upvotes: number;
  day: string;
};

/** The period's featured papers, most upvoted first (the upvotes the site shows): read once per period, filtered per subscriber. */
export async function periodCandidates(db: Db, { from, to }: Period): Promise<DigestPaper[]> {
  return db
    .select({
      id: papers.id,
      title: papers.title,
      abstract: papers.abstract,
      authors: papers.authors,
      categories: papers.categories,
      upvotes: upvotesSql,
      day: dailyEntries.day,
    })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(and(between(dailyEntries.day, from, to), isNull(papers.withdrawnAt), visible))
    .orderBy(desc(upvotesSql), desc(dailyEntries.day), papers.id)
    .limit(CANDIDATES);
}

/** A paper passes when it has one of the categories (if any) and one of the keywords (if any). */
export function matchesFilters(paper: DigestPaper, filters: Filters): boolean {
  if (filters.categories.length && !filters.categories.some((c) => paper.categories.includes(c))) return false;
  if (filters.keywords.length) {
    const text = `${paper.title}\n${paper.abstract}`.toLowerCase();
    if (!filters.keywords.some((k) => text.includes(k.toLowerCase()))) return false;
  }
  return true;
}

export function selectDigest(candidates: readonly DigestPaper[], filters: Filters, size = DIGEST_SIZE): DigestPaper[] {
  const out: DigestPaper[] = [];
  for (const paper of candidates) {
    if (out.length >= size) break;
    if (matchesFilters(paper, filters)) out.push(paper);
  }
  return out;
}
