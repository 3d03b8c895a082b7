import type { PaperFields, PaperRow } from "#shared/db/schema";
import type { PaperRecord } from "#shared/papers/records";

const ARXIV_FIELDS = [
  "version",
  "title",
  "abstract",
  "authors",
  "categories",
  "primaryCategory",
  "updated",
  "comment",
  "journalRef",
  "doi",
] as const;
const ENRICHMENT_FIELDS = ["codeUrl", "githubStars", "projectUrl", "aiSummary", "aiKeywords"] as const;

/** A stored paper as mergePaper takes it: what sources describe, and whether a curator fixed its links. */
export function storedPaper(row: PaperRow): { fields: PaperFields; linksCurated: boolean } {
  // Only what sources describe: Paperboy's own columns (votes, a curator's marks) are never written back.
  const {
    num: _num,
    createdAt: _c,
    changedAt: _ch,
    localUpvotes: _votes,
    hiddenAt: _hidden,
    linksCuratedAt,
    ...fields
  } = row;
  return { fields, linksCurated: linksCuratedAt !== null };
}

export function toValues(r: PaperRecord, now: string): PaperFields {
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    abstract: r.abstract,
    authors: r.authors,
    categories: r.categories,
    primaryCategory: r.primaryCategory ?? null,
    published: r.published,
    updated: r.updated,
    comment: r.comment ?? null,
    journalRef: r.journalRef ?? null,
    doi: r.doi ?? null,
    codeUrl: r.codeUrl ?? null,
    githubStars: r.githubStars ?? null,
    projectUrl: r.projectUrl ?? null,
    aiSummary: r.aiSummary ?? null,
    aiKeywords: r.aiKeywords ?? null,
    withdrawnAt: r.withdrawn ? now : null,
  };
}

/**
 * What a paper's row becomes when a source describes it again, or null when nothing changes.
 * arXiv metadata follows the newest version (version 0 means the source does not know it, as for
 * the daily feed); the first publication time never moves once arXiv gave it; code, project and
 * AI fields come from the daily feed, which arXiv's comment-derived links only fill in. While only the
 * daily feed describes a paper, its latest record's title, abstract and authors replace the stored
 * ones (a record without an abstract or authors leaves them).
 */
export function mergePaper(
  existing: PaperFields,
  incoming: PaperRecord,
  now: string,
  opts: { linksCurated?: boolean } = {},
): PaperFields | null {
  const next: PaperFields = { ...existing };
  const fresh = toValues(incoming, now);
  const newer =
    incoming.version > existing.version ||
    (incoming.version > 0 && incoming.version === existing.version && incoming.updated > existing.updated);
  if (newer) {
    for (const f of ARXIV_FIELDS) (next as Record<string, unknown>)[f] = fresh[f];
    if (existing.version === 0) next.published = fresh.published;
    if (incoming.withdrawn && !existing.withdrawnAt) next.withdrawnAt = now;
  } else if (incoming.version > 0 && incoming.version === existing.version) {
    // Same version from another arXiv source: fill what the other one did not carry.
    for (const f of ["comment", "journalRef", "doi", "primaryCategory"] as const) next[f] ??= fresh[f];
    if (!existing.categories.length) next.categories = fresh.categories;
  } else if (incoming.version === 0 && existing.version === 0) {
    // The daily feed has neither versions nor revision times: the record fetched last is upstream's text now.
    next.title = fresh.title;
    if (fresh.abstract) next.abstract = fresh.abstract;
    if (fresh.authors.length) next.authors = fresh.authors;
  }
  const fromDailyFeed = incoming.version === 0;
  for (const f of ENRICHMENT_FIELDS) {
    const value = fresh[f];
    if (value === null) continue;
    // A curator's code and project links stand until a curator changes them again.
    if (opts.linksCurated && CURATED_LINK_FIELDS.has(f)) continue;
    if (fromDailyFeed || existing[f] === null) (next as Record<string, unknown>)[f] = value;
  }
  return samePaper(existing, next) ? null : next;
}

const CURATED_LINK_FIELDS = new Set<string>(["codeUrl", "projectUrl", "githubStars"]);

function samePaper(a: PaperFields, b: PaperFields): boolean {
  return (Object.keys(a) as (keyof PaperFields)[]).every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
