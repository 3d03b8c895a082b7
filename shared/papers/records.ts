import { z } from "zod";

/** New-style (2606.00467) or old-style (astro-ph/0601001, math.GT/0309136) arXiv id, no version. */
export const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})$/;
const VERSIONED_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v(\d+))?$/;

export const arxivId = z.string().regex(ARXIV_ID, "not an arXiv id");

/** An arXiv category: cs.LG, stat.ML, hep-th. */
export const arxivCategory = z.string().trim().regex(/^[a-z-]+(\.[A-Za-z-]+)?$/, "not an arXiv category like cs.LG");

/** Splits "2604.21935v2" (or an abs URL, or an oai: guid) into id and version. */
export function parseArxivId(raw: string): { id: string; version: number | null } | null {
  const tail = raw
    .trim()
    .replace(/^oai:arXiv\.org:/i, "")
    .replace(/^https?:\/\/(export\.)?arxiv\.org\/(abs|pdf)\//i, "");
  const m = VERSIONED_ID.exec(tail);
  if (!m) return null;
  return { id: m[1]!, version: m[2] ? Number(m[2]) : null };
}

export const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
const day = z.iso.date();
const optionalText = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string())
  .optional()
  .transform((s) => (s ? s : undefined));
const url = z.url({ protocol: /^https?$/ });

/** arXiv's hard line breaks and indentation carry no meaning: collapse whitespace. */
export const cleanText = (s: string) => s.replace(/\s+/g, " ").trim();

/** What the daily feed and authors' comments add to arXiv's metadata: optional, and droppable. */
const ENRICHMENT = {
  codeUrl: url,
  githubStars: z.number().int().min(0),
  projectUrl: url,
  aiSummary: optionalText,
  aiKeywords: z.array(z.string()),
};

/** A paper as one source describes it. version 0: the source does not know arXiv's version. */
export const PaperRecord = z.object({
  id: arxivId,
  version: z.number().int().min(0),
  title: z.string().transform(cleanText).pipe(z.string().min(1, "missing title")),
  abstract: z.string().transform(cleanText),
  authors: z.array(z.string().transform(cleanText).pipe(z.string().min(1))),
  categories: z.array(z.string().min(1)),
  primaryCategory: z.string().min(1).optional(),
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
  type: z.enum(["new", "cross", "replace"]),
});
export type AnnouncementRecord = z.output<typeof AnnouncementRecord>;

export const DailyEntryRecord = z.object({
  day,
  paperId: arxivId,
  source: z.enum(["hf-daily", "submission", "curator"]),
  submitterName: optionalText,
  submitterFullname: optionalText,
  submitterAvatarUrl: optionalText,
  upstreamUpvotes: z.number().int().min(0),
  numComments: z.number().int().min(0),
  thumbnail: optionalText,
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
