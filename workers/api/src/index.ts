import { WorkerEntrypoint } from "cloudflare:workers";
import type { PurgeRequest, PurgeResult, SiteService } from "#shared/contracts";
import { createApp } from "./app";
import { answerFromMemory } from "./cache/edge-cache";
import { purgeEverywhere } from "./cache/purge";
import { type Env, readConfig } from "./env";

const app = createApp();

/**
 * Called by the ingest worker through a service binding after a run that changed something:
 * `purge({ papers: outcome.changedPapers, days: outcome.changedDays })`.
 */
export class SiteEntrypoint extends WorkerEntrypoint<Env> implements SiteService {
  async purge(req: PurgeRequest): Promise<PurgeResult> {
    return purgeEverywhere(readConfig(this.env).SITE_URL, { papers: req.papers ?? [], days: req.days ?? [] }, this.ctx);
  }
}

export default {
  // The hot path first: a page the isolate's memory tier holds needs no routing (edge-cache.ts).
  fetch: (request: Request, env: Env, ctx: ExecutionContext) =>
    answerFromMemory(request, env) ?? app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
