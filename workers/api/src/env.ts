import { z } from "zod";
import type { IngestService } from "#shared/contracts";
import { SuppressionConfig, type SuppressionSecrets } from "#shared/mail/address";
import type { VectorEnv } from "#shared/vectors/from-env";

/** Bindings and vars of the API worker, as wrangler.toml and its secrets declare them. */
export interface Env extends VectorEnv {
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
  /** Addresses whose accounts may curate under /admin, comma-separated. */
  CURATOR_EMAILS?: string;
  /** Submissions (wrangler.toml [vars]): how recent a paper must be, in days since arXiv first published it. */
  SUBMISSION_WINDOW_DAYS?: string;
  /** Submissions an account may make per UTC day. */
  SUBMISSION_DAILY_CAP?: string;
  /** "true" accepts submissions on Saturday and Sunday (UTC). */
  SUBMISSION_WEEKENDS?: string;
  /** The one host whose thumbnails /media/thumbnails proxies (the daily feed's `thumbnail` addresses). */
  THUMBNAIL_HOST?: string;
  /** Where that host's files are fetched from; unset: https://{THUMBNAIL_HOST}. Locally the upstream stub. */
  THUMBNAIL_ORIGIN?: string;
  /** How long a thumbnail's fetch may take before the card picture stands in, in milliseconds. */
  THUMBNAIL_TIMEOUT_MS?: string;
}

export type AppEnv = { Bindings: Env };

const ApiConfig = z.object({
  SITE_URL: z.url({ protocol: /^https?$/ }).transform((s) => s.replace(/\/+$/, "")),
  DEV_MODE: z
    .string()
    .optional()
    .transform((v) => v === "true"),
  ADMIN_TOKEN: z.string().min(1).optional(),
  TOKEN_SECRET: z.string().min(16, "TOKEN_SECRET must be at least 16 characters"),
  RESEND_WEBHOOK_SECRET: z.string().startsWith("whsec_").optional(),
  CURATOR_EMAILS: z
    .string()
    .optional()
    .transform(
      (v) =>
        new Set(
          (v ?? "")
            .split(",")
            .map((e) => e.trim().toLowerCase())
            .filter(Boolean),
        ),
    ),
  SUBMISSION_WINDOW_DAYS: z.coerce.number().int().min(1).max(36_500).default(14),
  SUBMISSION_DAILY_CAP: z.coerce.number().int().min(0).max(1_000).default(3),
  SUBMISSION_WEEKENDS: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .default("false")
    .transform((v) => v === "true"),
  THUMBNAIL_HOST: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, "must be a host name, like cdn-thumbnails.huggingface.co")
    .default("cdn-thumbnails.huggingface.co"),
  THUMBNAIL_ORIGIN: z
    .url({ protocol: /^https?$/ })
    .transform((s) => new URL(s).origin)
    .optional(),
  THUMBNAIL_TIMEOUT_MS: z.coerce.number().int().min(1).max(30_000).default(3_000),
});

export type ApiConfig = z.output<typeof ApiConfig> & { suppression: SuppressionSecrets };

const validated = new WeakMap<Env, ApiConfig>();

/**
 * The API worker's vars and secrets, validated with zod once per env object (once per isolate in
 * production). A misconfiguration is a 500 with a log line naming the variable, never a 400.
 */
export function readConfig(env: Env): ApiConfig {
  const known = validated.get(env);
  if (known) return known;
  const vars = ApiConfig.safeParse(env);
  const suppression = SuppressionConfig.safeParse(env);
  if (!vars.success || !suppression.success) {
    const issue = (vars.error ?? suppression.error)!.issues[0];
    throw new Error(`the API worker is misconfigured: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const config = { ...vars.data, suppression: suppression.data };
  validated.set(env, config);
  return config;
}
