import { eq } from "drizzle-orm";
import { z } from "zod";
import type { ArxivLookup, SubmissionRecorded } from "#shared/contracts";
import type { Db } from "#shared/db/client";
import { comments, dailyEntries } from "#shared/db/schema";
import { DailyEntryRecord, emptyBatch, PaperRecord } from "#shared/papers/records";
import type { IngestConfig } from "./env";
import { parseArxivAtom } from "./sources/arxiv-api";
import { MalformedUpstream } from "./sources/xml";
import { fetchText, realSleep, UpstreamError } from "./upstream";
import { upsertBatch } from "./upsert";

/**
 * Someone waits on the form: two tries of at most 8 seconds each, where a run tries three times
 * for 30. arXiv asks for one request every 3 seconds; a submission makes one.
 */
const LOOKUP = { attempts: 2, timeoutMs: 8_000 };

/**
 * One paper from arXiv's API. arXiv answers an id it does not know with an empty feed (HTTP 200),
 * and one it cannot read with an error entry (HTTP 400): both are "not-found".
 */
export async function lookupArxivPaper(config: IngestConfig, id: string, sleep = realSleep): Promise<ArxivLookup> {
  const url = `${config.ARXIV_API_URL}?${new URLSearchParams({ id_list: id, max_results: "1" })}`;
  let body: string;
  try {
    ({ body } = await fetchText(url, {
      ...LOOKUP,
      userAgent: `Paperboy/1.0 (+mailto:${config.CONTACT_EMAIL})`,
      backoffBaseMs: config.UPSTREAM_BACKOFF_MS,
      acceptStatus: [400],
      sleep,
    }));
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    console.warn(`arXiv lookup of ${id} failed`, err.message);
    if (err.failure === "timeout") return { ok: false, failure: "slow" };
    if (err.failure === "http" && err.status !== undefined && err.status < 500 && err.status !== 429) return { ok: false, failure: "not-found" };
    return { ok: false, failure: "down" };
  }
  try {
    const paper = parseArxivAtom(body).papers.find((p) => p.id === id);
    return paper ? { ok: true, paper } : { ok: false, failure: "not-found" };
  } catch (err) {
    if (!(err instanceof MalformedUpstream)) throw err;
    // An error entry ("incorrect id format") is arXiv saying no; a feed we cannot read is arXiv failing.
    return err.message.startsWith("arXiv API error") ? { ok: false, failure: "not-found" } : { ok: false, failure: "down" };
  }
}

export const SubmissionWriteSchema = z.object({
  paper: PaperRecord,
  entry: DailyEntryRecord.extend({ source: z.literal("submission"), submitterAccountId: z.string().min(1).max(100) }),
  comment: z.object({ accountId: z.string().min(1).max(100), body: z.string().min(1).max(5_000) }).optional(),
}).refine((s) => s.paper.id === s.entry.paperId, "the entry is not the paper's");

/**
 * The paper (inserted, or merged into the catalog's row), its entry and the comment in one D1
 * batch through the ingest's own upsert, so that a submitted paper is written exactly as a feed's
 * would be. The rules are the API worker's; this only refuses a paper that is featured already,
 * which a concurrent submission or feed run can have done since the API worker looked.
 */
export async function recordSubmission(db: Db, submission: unknown, now: string): Promise<SubmissionRecorded> {
  const { paper, entry, comment } = SubmissionWriteSchema.parse(submission);
  const featured = await db.select({ day: dailyEntries.day }).from(dailyEntries).where(eq(dailyEntries.paperId, paper.id)).get();
  if (featured) return { ok: false, featuredOn: featured.day };
  const extra = comment ? [db.insert(comments).values({ id: crypto.randomUUID(), paperId: paper.id, accountId: comment.accountId, body: comment.body, createdAt: now })] : [];
  await upsertBatch(db, { ...emptyBatch(), papers: [paper], entries: [entry] }, now, extra);
  // upsertBatch keeps an entry that appeared between the read above and the write: whose is it?
  const written = await db.select({ day: dailyEntries.day, by: dailyEntries.submitterAccountId }).from(dailyEntries).where(eq(dailyEntries.paperId, paper.id)).get();
  if (written && written.by !== entry.submitterAccountId) return { ok: false, featuredOn: written.day };
  return { ok: true };
}
