import { and, count, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type ArxivLookup, type SubmissionRecorded, SubmissionWrite } from "#shared/contracts";
import type { Db } from "#shared/db/client";
import { comments, dailyEntries, papers } from "#shared/db/schema";
import type { IngestConfig } from "./env";
import { mergePaper, storedPaper, toValues } from "./merge";
import { parseArxivAtom } from "./sources/arxiv-api";
import { MalformedUpstream } from "./sources/xml";
import { ArxivBusy, arxivPacer, fetchText, realSleep, UpstreamError } from "./upstream";

/**
 * Someone waits on the form: two tries of at most 8 seconds each, where a run tries three times
 * for 30. arXiv asks for one request every 3 seconds across all of this worker's requests: each
 * try waits for its turn (arxivPacer), but not longer than LOOKUP_MAX_WAIT_MS.
 */
const LOOKUP = { attempts: 2, timeoutMs: 8_000 };
export const LOOKUP_MAX_WAIT_MS = 10_000;

export interface LookupDeps {
  d1: D1Database;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * One paper from arXiv's API. arXiv answers an id it does not know with an empty feed (HTTP 200),
 * and one it cannot read with an error entry (HTTP 400): both are "not-found". "busy" when arXiv's
 * next turn is too far away for someone waiting on a form (many submissions, or a run, at once).
 */
export async function lookupArxivPaper(config: IngestConfig, id: string, deps: LookupDeps): Promise<ArxivLookup> {
  const url = `${config.ARXIV_API_URL}?${new URLSearchParams({ id_list: id, max_results: "1" })}`;
  const sleep = deps.sleep ?? realSleep;
  let body: string;
  try {
    ({ body } = await fetchText(url, {
      ...LOOKUP,
      userAgent: `Paperboy/1.0 (+mailto:${config.CONTACT_EMAIL})`,
      backoffBaseMs: config.UPSTREAM_BACKOFF_MS,
      acceptStatus: [400],
      sleep,
      pace: arxivPacer(deps.d1, config.ARXIV_MIN_INTERVAL_MS, { sleep, now: deps.now, maxWaitMs: LOOKUP_MAX_WAIT_MS }),
    }));
  } catch (err) {
    if (err instanceof ArxivBusy) {
      console.warn(`arXiv lookup of ${id} refused`, err.message);
      return { ok: false, failure: "busy" };
    }
    if (!(err instanceof UpstreamError)) throw err;
    console.warn(`arXiv lookup of ${id} failed`, err.message);
    if (err.failure === "timeout") return { ok: false, failure: "slow" };
    if (err.failure === "http" && err.status !== undefined && err.status < 500 && err.status !== 429)
      return { ok: false, failure: "not-found" };
    return { ok: false, failure: "down" };
  }
  try {
    const paper = parseArxivAtom(body).papers.find((p) => p.id === id);
    return paper ? { ok: true, paper } : { ok: false, failure: "not-found" };
  } catch (err) {
    if (!(err instanceof MalformedUpstream)) throw err;
    // An error entry ("incorrect id format") is arXiv saying no; a feed we cannot read is arXiv failing.
    return err.message.startsWith("arXiv API error")
      ? { ok: false, failure: "not-found" }
      : { ok: false, failure: "down" };
  }
}

/**
 * The paper, its entry and the comment in one D1 batch (a transaction). The API worker checked the
 * rules on what it read; the two that concurrent submissions can break meanwhile are held by the
 * write itself: the entry is inserted only when the paper has none (featured once) and the account
 * has fewer than `dailyCap` entries that day, in the one statement that counts. Everything else in
 * the batch goes in only with the entry that is this call's: the comment, the merge into a known
 * paper; a new paper's row is removed again when its entry was refused. The batch then reads back
 * whose entry it is. The paper's row is written as a feed's would be (toValues, mergePaper).
 */
export async function recordSubmission(db: Db, submission: unknown, now: string): Promise<SubmissionRecorded> {
  const { paper, entry, comment, dailyCap } = SubmissionWrite.parse(submission);
  const accountId = entry.submitterAccountId;
  const known = await db.select().from(papers).where(eq(papers.id, paper.id)).get();
  // created_at = now: this call's entry, not one the account wrote before.
  const ours = sql`EXISTS (SELECT 1 FROM ${dailyEntries}
    WHERE paper_id = ${paper.id} AND submitter_account_id = ${accountId} AND created_at = ${now})`;

  const noEntryYet = sql`NOT EXISTS (SELECT 1 FROM ${dailyEntries} WHERE paper_id = ${paper.id})`;
  const underCap = sql`(SELECT count(*) FROM ${dailyEntries}
    WHERE submitter_account_id = ${accountId} AND day = ${entry.day}) < ${dailyCap}`;
  const value = <T>(v: T, column: string) => sql<T>`${v}`.as(column);

  const writes: BatchItem<"sqlite">[] = [];
  if (!known) {
    const row = { ...toValues(paper, now), createdAt: now, changedAt: now, localUpvotes: sql`0` };
    writes.push(db.insert(papers).values(row).onConflictDoNothing());
  }
  // INSERT ... SELECT lists every column in the table's order; the paper's row is the one source row.
  writes.push(
    db.insert(dailyEntries).select(
      db
        .select({
          paperId: papers.id,
          day: value(entry.day, "day"),
          source: value("submission", "source"),
          submitterName: value(entry.submitterName ?? null, "submitter_name"),
          submitterFullname: value(entry.submitterFullname ?? null, "submitter_fullname"),
          submitterAvatarUrl: value(entry.submitterAvatarUrl ?? null, "submitter_avatar_url"),
          upstreamUpvotes: value(entry.upstreamUpvotes, "upstream_upvotes"),
          numComments: value(entry.numComments, "num_comments"),
          thumbnail: value(entry.thumbnail ?? null, "thumbnail"),
          submitterAccountId: value(accountId, "submitter_account_id"),
          createdAt: value(now, "created_at"),
        })
        .from(papers)
        .where(and(eq(papers.id, paper.id), noEntryYet, underCap)),
    ),
  );
  if (known) {
    const { fields, linksCurated } = storedPaper(known);
    const merged = mergePaper(fields, paper, now, { linksCurated });
    if (merged)
      writes.push(
        db
          .update(papers)
          .set({ ...merged, changedAt: now })
          .where(and(eq(papers.id, paper.id), ours)),
      );
  } else {
    writes.push(db.delete(papers).where(and(eq(papers.id, paper.id), eq(papers.createdAt, now), noEntryYet)));
  }
  if (comment) {
    writes.push(
      db.insert(comments).select(
        db
          .select({
            id: value(crypto.randomUUID(), "id"),
            paperId: papers.id,
            accountId: value(comment.accountId, "account_id"),
            parentId: value(null, "parent_id"),
            body: value(comment.body, "body"),
            createdAt: value(now, "created_at"),
            editedAt: value(null, "edited_at"),
            deletedAt: value(null, "deleted_at"),
            hiddenAt: value(null, "hidden_at"),
          })
          .from(papers)
          .where(and(eq(papers.id, paper.id), ours)),
      ),
    );
  }
  const read = db
    .select({
      day: dailyEntries.day,
      mine: sql<number>`${dailyEntries.submitterAccountId} = ${accountId} AND ${dailyEntries.createdAt} = ${now}`,
    })
    .from(dailyEntries)
    .where(eq(dailyEntries.paperId, paper.id));
  const submitted = db
    .select({ n: count() })
    .from(dailyEntries)
    .where(and(eq(dailyEntries.submitterAccountId, accountId), eq(dailyEntries.day, entry.day)));
  const results = await db.batch([...(writes as [BatchItem<"sqlite">]), read, submitted]);
  const [written] = results[results.length - 2] as { day: string; mine: number }[];
  const [{ n }] = results[results.length - 1] as [{ n: number }];
  if (written && Number(written.mine) === 1) return { ok: true };
  if (written) return { ok: false, refused: "featured-once", featuredOn: written.day };
  return { ok: false, refused: "daily-cap", submitted: n };
}
