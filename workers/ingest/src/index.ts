import { WorkerEntrypoint } from "cloudflare:workers";
import { z } from "zod";
import type {
  ArxivLookup,
  EmbedOutcome,
  IngestOutcome,
  IngestService,
  SubmissionRecorded,
  TrainAnswer,
} from "#shared/contracts";
import { createDb } from "#shared/db/client";
import { papers as papersTable } from "#shared/db/schema";
import { todayUtc } from "#shared/domain/periods";
import { runDigestSchedule } from "#shared/mail/digest-schedule";
import { IngestRequest } from "#shared/papers/ingest-request";
import { arxivId } from "#shared/papers/records";
import { rankAhead } from "#shared/readers/reader-store";
import { onCloudflare, vectorIndexFrom, vectorsFrom } from "#shared/vectors/from-env";
import { keepLocalVectors, MIN_TRAIN_PAPERS, trainLocalModel } from "#shared/vectors/local-model";
import { embedWaiting, MAX_EMBED_CHUNK } from "#shared/vectors/paper-vectors";
import { type Env, readConfig } from "./env";
import { purgeExpiredSignins } from "./housekeeping";
import { runIngest } from "./run-ingest";
import { CRONS, isArxivAnnouncementHour } from "./schedule";
import { lookupArxivPaper, recordSubmission } from "./submission";

const BackfillLimit = z.number().int().min(1).max(MAX_EMBED_CHUNK);

/**
 * Called by the API worker through a service binding: POST /admin/ingest, and /papers/submit in
 * two steps (look the paper up, then write it once the API worker's rules passed), so that a
 * failed lookup or a broken rule writes nothing, and arXiv is asked only by this worker's polite
 * fetch and parsed by its parser.
 */
export class IngestEntrypoint extends WorkerEntrypoint<Env> implements IngestService {
  async runIngest(request: unknown): Promise<IngestOutcome> {
    return runIngest(this.env, IngestRequest.parse(request));
  }

  async lookupArxivPaper(id: unknown): Promise<ArxivLookup> {
    return lookupArxivPaper(readConfig(this.env), arxivId.parse(id), { d1: this.env.DB });
  }

  async recordSubmission(submission: unknown): Promise<SubmissionRecorded> {
    return recordSubmission(createDb(this.env.DB), submission, new Date().toISOString());
  }

  async embedWaiting(limit: unknown): Promise<EmbedOutcome | null> {
    const db = createDb(this.env.DB);
    const vectors = await vectorsFrom(this.env, db);
    if (!vectors) return null;
    return embedWaiting(db, vectors, { limit: BackfillLimit.parse(limit), now: new Date() });
  }

  async trainLocalModel(): Promise<TrainAnswer> {
    if (onCloudflare(this.env)) return { status: "refused", reason: "Workers AI makes the vectors here" };
    const db = createDb(this.env.DB);
    const papers = await db.$count(papersTable);
    if (papers < MIN_TRAIN_PAPERS)
      return { status: "refused", reason: `${papers} papers: a local model needs at least ${MIN_TRAIN_PAPERS}` };
    return { status: "trained", ...(await trainLocalModel(db, new Date())) };
  }
}

export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const at = new Date(controller.scheduledTime);
  if (controller.cron === CRONS.hourly) {
    // A failed run is recorded and does not throw, so the digests go out on yesterday's data.
    await runIngest(env, { source: "hf-daily", date: todayUtc(at) });
    await runIngest(env, { source: "arxiv-api" });
    await runDigestSchedule(env, at);
    await purgeExpiredSignins(env.DB, at);
    const db = createDb(env.DB);
    if (!onCloudflare(env)) await keepLocalVectors(db, at).catch((err) => console.error("local model", err));
    // after the new papers' vectors: For you's readers find the day's papers ranked
    await rankAhead(db, vectorIndexFrom(env, db), at).catch((err) => console.error("For you ahead", err));
    return;
  }
  if (isArxivAnnouncementHour(at)) await runIngest(env, { source: "arxiv-rss" });
}

export default { scheduled } satisfies ExportedHandler<Env>;
