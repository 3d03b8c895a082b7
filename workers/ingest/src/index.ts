import { WorkerEntrypoint } from "cloudflare:workers";
import { todayUtc } from "#shared/domain/periods";
import { purgeExpiredSignins } from "./housekeeping";
import { CRONS, isArxivAnnouncementHour } from "./schedule";
import { IngestRequest } from "#shared/papers/ingest-request";
import { runDigestSchedule } from "#shared/mail/digest-schedule";
import type { Env } from "./env";
import type { IngestOutcome, IngestService } from "#shared/contracts";
import { runIngest } from "./run-ingest";

/** Called by the API worker's POST /admin/ingest through a service binding. */
export class IngestEntrypoint extends WorkerEntrypoint<Env> implements IngestService {
  async runIngest(request: unknown): Promise<IngestOutcome> {
    return runIngest(this.env, IngestRequest.parse(request));
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
    return;
  }
  if (isArxivAnnouncementHour(at)) await runIngest(env, { source: "arxiv-rss" });
}

export default { scheduled } satisfies ExportedHandler<Env>;
