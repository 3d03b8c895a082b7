import { z } from "zod";
import { ANNOUNCEMENT_TYPES, ENTRY_SOURCES } from "../db/schema";
import { collapseWhitespace } from "./text";

/** New-style (2606.00467) or old-style (astro-ph/0601001, math.GT/0309136) arXiv id, no version. */
export const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})$/;
const VERSIONED_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v(\d+))?$/;

export const arxivId = z.string().regex(ARXIV_ID, "not an arXiv id");

/** An arXiv category: cs.LG, stat.ML, hep-th. */
export const arxivCategory = z
  .string()
  .trim()
  .regex(/^[a-z-]+(\.[A-Za-z-]+)?$/, "not an arXiv category like cs.LG");

/**
 * Splits an arXiv id in any form people paste into id and version: 2604.21935v2, arXiv:2604.21935,
 * an abs, pdf or html address with or without https:// and www. (arxiv.org/pdf/2604.21935v2.pdf),
 * hep-th/9901001, or an oai: guid.
 */
export function parseArxivId(raw: string): { id: string; version: number | null } | null {
  const tail = raw
    .trim()
    .replace(/^oai:arXiv\.org:/i, "")
    .replace(/^arxiv:/i, "")
    .replace(/^(https?:\/\/)?(www\.|export\.)?arxiv\.org\/(abs|pdf|html)\//i, "")
    .replace(/[?#].*$/, "")
    .replace(/\.pdf$/i, "")
    .replace(/\/$/, "");
  const m = VERSIONED_ID.exec(tail);
  if (!m) return null;
  return { id: m[1]!, version: m[2] ? Number(m[2]) : null };
}

// PLATFORM (D1): a row holds at most 2 MB, and one failed statement fails the whole day's batch.
// Caps far above real data: a record over one is skipped and counted, never written. Largest in
// the 70 records of test/fixtures/upstream (arXiv API old and new, listing feeds, daily feed):
// title 124 chars; abstract 1,915 (arXiv's form allows 1,920); 34 authors, a name 30 chars;
// comment 168; ai_summary 256; 14 ai_keywords of at most 42 chars; a record 2.5 KB as JSON.
// Beyond the captures, the longest author lists on arXiv (the LHC collaborations, about 5,000
// names, ~110 KB) stay under every cap. Values are bound parameters, so the SQL text of a
// statement (D1: 100 KB) does not grow with them.
export const CAPS = {
  titleChars: 1_000,
  abstractChars: 10_000,
  authors: 10_000,
  authorNameChars: 300,
  /** comment, journal ref, DOI, an AI summary, a submitter's name. */
  textChars: 5_000,
  urlChars: 2_000,
  keywords: 100,
  keywordChars: 200,
  categories: 100,
  /** A whole paper as UTF-8 JSON: half of D1's row, room left for what a merge adds. */
  recordBytes: 1_000_000,
} as const;

const utf8 = new TextEncoder();

export const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
const day = z.iso.date();
const optionalText = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().max(CAPS.textChars))
  .optional()
  .transform((s) => (s ? s : undefined));
const url = z.url({ protocol: /^https?$/ }).max(CAPS.urlChars);

/** What the daily feed and authors' comments add to arXiv's metadata: optional, and droppable. */
const ENRICHMENT = {
  codeUrl: url,
  githubStars: z.number().int().min(0),
  projectUrl: url,
  aiSummary: optionalText,
  aiKeywords: z.array(z.string().max(CAPS.keywordChars)).max(CAPS.keywords),
};

/** A paper as one source describes it. version 0: the source does not know arXiv's version. */
export const PaperRecord = z
  .object({
    id: arxivId,
    version: z.number().int().min(0),
    title: z.string().transform(collapseWhitespace).pipe(z.string().min(1, "missing title").max(CAPS.titleChars)),
    abstract: z.string().transform(collapseWhitespace).pipe(z.string().max(CAPS.abstractChars)),
    authors: z
      .array(z.string().transform(collapseWhitespace).pipe(z.string().min(1).max(CAPS.authorNameChars)))
      .max(CAPS.authors),
    categories: z.array(z.string().min(1).max(CAPS.keywordChars)).max(CAPS.categories),
    primaryCategory: z.string().min(1).max(CAPS.keywordChars).optional(),
    published: isoTime,
    updated: isoTime,
    comment: optionalText,
    journalRef: optionalText,
    doi: optionalText,
    codeUrl: ENRICHMENT.codeUrl.optional(),
    githubStars: ENRICHMENT.githubStars.optional(),
    projectUrl: ENRICHMENT.projectUrl.optional(),
    aiSummary: ENRICHMENT.aiSummary.optional(),
    aiKeywords: ENRICHMENT.aiKeywords.optional(),
    withdrawn: z.boolean().optional(),
  })
  .check((ctx) => {
    const bytes = utf8.encode(JSON.stringify(ctx.value)).byteLength;
    if (bytes > CAPS.recordBytes) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `is ${bytes} bytes as JSON, over the cap of ${CAPS.recordBytes}`,
      });
    }
  });
export type PaperRecord = z.output<typeof PaperRecord>;

/**
 * Validates a paper, first dropping each enrichment field that is malformed (a link without a
 * scheme, a star count that is not a count): the paper is kept without it, and the drop noted.
 */
export function acceptPaper(batch: ParsedBatch, raw: Record<string, unknown>, label: string): PaperRecord | null {
  const kept = { ...raw };
  for (const [field, schema] of Object.entries(ENRICHMENT)) {
    if (kept[field] === undefined || schema.safeParse(kept[field]).success) continue;
    delete kept[field];
    note(batch, `${label}: ${field} dropped, malformed`);
  }
  return accept(batch, PaperRecord, kept, label);
}

export const AnnouncementRecord = z.object({
  day,
  paperId: arxivId,
  category: z.string().min(1),
  type: z.enum(ANNOUNCEMENT_TYPES),
});
export type AnnouncementRecord = z.output<typeof AnnouncementRecord>;

export const DailyEntryRecord = z.object({
  day,
  paperId: arxivId,
  source: z.enum(ENTRY_SOURCES),
  submitterName: optionalText,
  submitterFullname: optionalText,
  submitterAvatarUrl: optionalText,
  upstreamUpvotes: z.number().int().min(0),
  numComments: z.number().int().min(0),
  thumbnail: optionalText,
  /** The Paperboy account that submitted the paper (source "submission"). */
  submitterAccountId: z.string().min(1).max(100).optional(),
});
export type DailyEntryRecord = z.output<typeof DailyEntryRecord>;

/** What a source module hands to the upsert: validated records, and how many it had to drop. */
export interface ParsedBatch {
  papers: PaperRecord[];
  announcements: AnnouncementRecord[];
  entries: DailyEntryRecord[];
  read: number;
  skipped: number;
  problems: string[];
}

export function emptyBatch(): ParsedBatch {
  return { papers: [], announcements: [], entries: [], read: 0, skipped: 0, problems: [] };
}

/** Validates one raw record into the batch; a bad one is counted and described, never fatal. */
export function accept<S extends z.ZodType>(
  batch: ParsedBatch,
  schema: S,
  raw: unknown,
  label: string,
): z.output<S> | null {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return reject(batch, label, `${issue?.path.join(".") || "record"} ${issue?.message ?? "invalid"}`);
}

/** Skips one record: counted on the run, described in its log (the first 20). */
export function reject(batch: ParsedBatch, label: string, problem: string): null {
  batch.skipped++;
  note(batch, `${label}: ${problem}`);
  return null;
}

export function note(batch: ParsedBatch, problem: string): void {
  if (batch.problems.length < 20) batch.problems.push(problem);
}
