import type { IngestService } from "../../../shared/contracts";

/** Bindings and vars of the API worker, as wrangler.toml and its secrets declare them. */
export interface Env {
  DB: D1Database;
  INGEST: IngestService;
  MAIL_QUEUE: Queue;
  SITE_URL: string;
  /** "true" only in local runs: enables /dev pages. */
  DEV_MODE?: string;
  /** Per-client limit on /api, /feeds and searches that reach D1 (wrangler.toml [[ratelimits]]). */
  API_RATE_LIMIT: RateLimit;
  /** Secret: bearer token for /admin. */
  ADMIN_TOKEN?: string;
  /** Secret shared with the mailer: signs confirmation, preferences and unsubscribe links. */
  TOKEN_SECRET: string;
  /** Secret shared with the mailer: keys the hashes of the suppression list. */
  SUPPRESSION_SECRET: string;
  /** Earlier SUPPRESSION_SECRETs, comma-separated, kept during a rotation (docs/reliability.md). */
  SUPPRESSION_SECRET_PREVIOUS?: string;
  /** Secret: Resend's webhook signing secret ("whsec_..."), for /webhooks/resend. */
  RESEND_WEBHOOK_SECRET?: string;
}

export type AppEnv = { Bindings: Env };
