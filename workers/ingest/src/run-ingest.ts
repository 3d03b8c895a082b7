import { and, desc, eq, gte, lt } from "drizzle-orm";
import type { IngestOutcome } from "#shared/contracts";
import { createDb, type Db } from "#shared/db/client";
import { ingestRuns, papers } from "#shared/db/schema";
import { DAY_MS, todayUtc } from "#shared/domain/periods";
import type { IngestRequest } from "#shared/papers/ingest-request";
import { emptyBatch, type ParsedBatch, reject } from "#shared/papers/records";
import { INGEST_INDEX_STEPS, indexSteps } from "#shared/papers/term-index";
import { vectorsFrom } from "#shared/vectors/from-env";
import { EMBED_CHUNK, embedWaiting } from "#shared/vectors/paper-vectors";
import { type Env, type IngestConfig, readConfig } from "./env";
import { parseArxivAtom } from "./sources/arxiv-api";
import { parseArxivRss } from "./sources/arxiv-rss";
import { parseHfDaily } from "./sources/hf-daily";
import { type UpsertResult, upsertBatch } from "./upsert";
import { arxivPacer, fetchText, realSleep } from "./upstream";

export interface IngestDeps {
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

const ARXIV_PAGE_SIZE = 500;
const ARXIV_MAX_RESULTS = 2000;

/**
 * One recorded ingest run: fetch, parse, upsert in one transaction, record the counts. A failure
 * at any step is recorded on the run and leaves the data as it was.
 */
export async function runIngest(env: Env, request: IngestRequest, deps: IngestDeps = {}): Promise<IngestOutcome> {
  const now = deps.now ?? (() => new Date());
  const db = createDb(env.DB);
  const target = request.date ?? request.ids?.join(",") ?? request.categories?.join("+") ?? null;
  await closeAbandonedRuns(db, request.source, now());
  const run = await db
    .insert(ingestRuns)
    .values({ source: request.source, target, startedAt: now().toISOString(), status: "running" })
    .returning()
    .get();

  let batch: ParsedBatch = emptyBatch();
  let result: UpsertResult = { inserted: 0, updated: 0, moved: 0, changedPapers: [], changedDays: [] };
  let error: string | null = null;
  try {
    const config = readConfig(env);
    batch = withoutFutureRecords(await fetchAndParse(env.DB, db, config, request, deps.sleep ?? realSleep, now), now());
    result = await upsertBatch(db, batch, now().toISOString());
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
    console.error(`ingest ${request.source} failed`, error);
  }
  if (!error && batch.problems.length) console.warn(`ingest ${request.source} problems`, batch.problems);
  if (result.changedPapers.length || result.changedDays.length) {
    // The data is committed; a purge that fails only leaves pages stale until their max-age.
    await env.SITE.purge({ papers: result.changedPapers, days: result.changedDays }).catch((err: unknown) => {
      console.error("purging the site's cache failed", err);
    });
  }

  const embedding = error ? null : await embedAfterWrite(env, db, now());
  if (!error) await indexAfterWrite(db, now());

  const finished = await db
    .update(ingestRuns)
    .set({
      finishedAt: now().toISOString(),
      status: error ? "failed" : "ok",
      read: batch.read,
      inserted: result.inserted,
      updated: result.updated,
      moved: result.moved,
      skipped: batch.skipped,
      error,
      ...embedding,
    })
    .where(eq(ingestRuns.id, run.id))
    .returning()
    .get();
  return {
    ...finished,
    changedPapers: result.changedPapers,
    changedDays: result.changedDays,
    problems: batch.problems,
  };
}

/**
 * Vectors for the papers that wait for one (the run's new and changed ones first: newest first),
 * after the run's write is committed. A failure of the embedder or the index is counted on the
 * run, never fails it: the papers wait for the next run.
 */
async function embedAfterWrite(env: Env, db: Db, at: Date) {
  try {
    const vectors = await vectorsFrom(env, db);
    if (!vectors) return null;
    const outcome = await embedWaiting(db, vectors, { limit: EMBED_CHUNK, now: at });
    return { embedded: outcome.embedded, embedWaiting: outcome.remaining, embedError: outcome.error };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error("embedding after the ingest failed", message);
    return { embedded: 0, embedWaiting: null, embedError: message };
  }
}

/**
 * The run's papers into the search's term index, and the index's merges onward, a bounded number
 * of steps (each one batch). A failure is logged and leaves the papers waiting for the next run;
 * meanwhile the search reads them on FTS5 (queries.ts, TAIL_PAPERS).
 */
async function indexAfterWrite(db: Db, at: Date) {
  await indexSteps(db, { now: at, steps: INGEST_INDEX_STEPS }).catch((err: unknown) => {
    console.error("indexing after the ingest failed", err instanceof Error ? err.message : err);
  });
}

/**
 * Far longer than a run takes (a cron invocation lives at most 15 minutes): a run still `running`
 * after it died with its invocation (a deploy, a CPU limit). Its batch never committed, or did in
 * whole; only its record is left to close.
 */
const ABANDONED_AFTER_MS = 60 * 60_000;

async function closeAbandonedRuns(db: Db, source: IngestRequest["source"], at: Date): Promise<void> {
  await db
    .update(ingestRuns)
    .set({
      status: "failed",
      finishedAt: at.toISOString(),
      error: "abandoned: its invocation ended before the run finished",
    })
    .where(
      and(
        eq(ingestRuns.source, source),
        eq(ingestRuns.status, "running"),
        lt(ingestRuns.startedAt, new Date(at.getTime() - ABANDONED_AFTER_MS).toISOString()),
      ),
    )
    .run();
}

/** Clocks and time zones differ by hours, never by more than a day. */
const FUTURE_SLACK_MS = DAY_MS;

/**
 * Skips the papers dated in the future (published or updated), with their entries and
 * announcements, and any entry or announcement of a future day: sorted by date, one such record
 * would head every listing until that day came.
 */
function withoutFutureRecords(batch: ParsedBatch, at: Date): ParsedBatch {
  const limit = new Date(at.getTime() + FUTURE_SLACK_MS).toISOString();
  const lastDay = limit.slice(0, 10);
  const future = new Set<string>();
  for (const p of batch.papers) {
    if (p.published > limit || p.updated > limit) future.add(p.id);
  }
  for (const r of [...batch.entries, ...batch.announcements]) if (r.day > lastDay) future.add(r.paperId);
  if (!future.size) return batch;
  for (const id of future) reject(batch, id, "dated in the future");
  return {
    ...batch,
    papers: batch.papers.filter((p) => !future.has(p.id)),
    entries: batch.entries.filter((e) => !future.has(e.paperId)),
    announcements: batch.announcements.filter((a) => !future.has(a.paperId)),
  };
}

async function fetchAndParse(
  d1: D1Database,
  db: Db,
  config: IngestConfig,
  request: IngestRequest,
  sleep: (ms: number) => Promise<void>,
  now: () => Date,
): Promise<ParsedBatch> {
  const userAgent = `Paperboy/1.0 (+mailto:${config.CONTACT_EMAIL})`;
  const backoffBaseMs = config.UPSTREAM_BACKOFF_MS;
  switch (request.source) {
    case "hf-daily": {
      const day = request.date ?? todayUtc(now());
      const url = `${config.HF_DAILY_PAPERS_URL}?date=${day}&limit=100`;
      const { body } = await fetchText(url, { userAgent, sleep, backoffBaseMs });
      return parseHfDaily(body, day);
    }
    case "arxiv-rss": {
      const categories = request.categories ?? config.ARXIV_CATEGORIES;
      const pace = arxivPacer(d1, config.ARXIV_MIN_INTERVAL_MS, { sleep });
      const url = `${config.ARXIV_RSS_URL}/${categories.join("+")}`;
      const { body } = await fetchText(url, { userAgent, sleep, backoffBaseMs, pace });
      return parseArxivRss(body, categories);
    }
    case "arxiv-api": {
      // The turns are shared with the submissions' lookups; a run waits for its turn however far.
      const pace = arxivPacer(d1, config.ARXIV_MIN_INTERVAL_MS, { sleep });
      const get = async (params: Record<string, string>) => {
        const url = `${config.ARXIV_API_URL}?${new URLSearchParams(params)}`;
        const { body } = await fetchText(url, { userAgent, sleep, backoffBaseMs, acceptStatus: [400], pace });
        return parseArxivAtom(body);
      };
      if (request.date) return fetchSubmissions(get, request.categories ?? config.ARXIV_CATEGORIES, request.date);
      const ids = request.ids ?? (await papersMissingMetadata(db, now()));
      if (!ids.length) return emptyBatch();
      return get({ id_list: ids.join(","), max_results: String(ids.length) });
    }
  }
}

/** A day's submissions in the categories, page by page (arXiv caps a query at 2,000 results). */
async function fetchSubmissions(
  get: (params: Record<string, string>) => Promise<ReturnType<typeof parseArxivAtom>>,
  categories: string[],
  day: string,
): Promise<ParsedBatch> {
  const compact = day.replaceAll("-", "");
  const query = `(${categories.map((c) => `cat:${c}`).join(" OR ")}) AND submittedDate:[${compact}0000 TO ${compact}2359]`;
  const all = emptyBatch();
  for (let start = 0; start < ARXIV_MAX_RESULTS; start += ARXIV_PAGE_SIZE) {
    const page = await get({
      search_query: query,
      sortBy: "submittedDate",
      sortOrder: "descending",
      start: String(start),
      max_results: String(ARXIV_PAGE_SIZE),
    });
    all.papers.push(...page.papers);
    all.read += page.read;
    all.skipped += page.skipped;
    all.problems.push(...page.problems);
    if (page.read < ARXIV_PAGE_SIZE || start + page.read >= page.totalResults) break;
  }
  return all;
}

/** How long a paper known only from the daily feed is looked up on arXiv before we give up. */
const BACKFILL_DAYS = 7;

/**
 * Papers known only from the daily feed (version 0), newest first, to be described by arXiv's API.
 * Only those that arrived in the last week: an id arXiv does not know is not asked for forever.
 */
async function papersMissingMetadata(db: Db, at: Date): Promise<string[]> {
  const since = new Date(at.getTime() - BACKFILL_DAYS * DAY_MS).toISOString();
  const rows = await db
    .select({ id: papers.id })
    .from(papers)
    .where(and(eq(papers.version, 0), gte(papers.createdAt, since)))
    .orderBy(desc(papers.num))
    .limit(100)
    .all();
  return rows.map((r) => r.id);
}
