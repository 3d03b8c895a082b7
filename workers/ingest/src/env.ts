import { z } from "zod";
import type { SiteService } from "#shared/contracts";
import type { VectorEnv } from "#shared/vectors/from-env";

export interface Env extends VectorEnv {
  DB: D1Database;
  MAIL_QUEUE: Queue;
  SITE: SiteService;
  ARXIV_API_URL: string;
  ARXIV_RSS_URL: string;
  HF_DAILY_PAPERS_URL: string;
  ARXIV_CATEGORIES: string;
  CONTACT_EMAIL: string;
  ARXIV_MIN_INTERVAL_MS?: string;
  UPSTREAM_BACKOFF_MS?: string;
}

const httpUrl = z.url({ protocol: /^https?$/ });

/** The ingest worker's configuration, validated once per invocation. */
export const IngestConfig = z.object({
  ARXIV_API_URL: httpUrl,
  ARXIV_RSS_URL: httpUrl,
  HF_DAILY_PAPERS_URL: httpUrl,
  ARXIV_CATEGORIES: z
    .string()
    .transform((s) => s.split(/[,\s+]+/).filter(Boolean))
    .pipe(z.array(z.string()).min(1)),
  CONTACT_EMAIL: z.email(),
  ARXIV_MIN_INTERVAL_MS: z.coerce.number().int().min(0).default(3000),
  UPSTREAM_BACKOFF_MS: z.coerce.number().int().min(0).default(1000),
});
export type IngestConfig = z.output<typeof IngestConfig>;

export const readConfig = (env: Env) => IngestConfig.parse(env);
