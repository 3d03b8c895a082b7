import { z } from "zod";
import type { VectorizeBinding } from "#shared/vectors/vectorize";

/** Bindings, vars and secrets of the mailer, as workers/mailer/wrangler.toml and its secrets declare them. */
export interface Env {
  DB: D1Database;
  SITE_URL: string;
  MAIL_FROM: string;
  RESEND_BASE_URL: string;
  /** Secret. Without it (and with DEV_MODE=true) mails go to the outbox table. */
  RESEND_API_KEY?: string;
  /** Secret shared with the API worker: signs confirmation, preferences and unsubscribe links. */
  TOKEN_SECRET: string;
  /** Secret shared with the API worker: keys the hashes of the suppression list. */
  SUPPRESSION_SECRET: string;
  /** Earlier SUPPRESSION_SECRETs, comma-separated, kept during a rotation (docs/reliability.md). */
  SUPPRESSION_SECRET_PREVIOUS?: string;
  DEV_MODE?: string;
  /** Resend's rate limit for the team; calls are paced to it across invocations. */
  RESEND_REQUESTS_PER_SECOND?: string;
  RESEND_TIMEOUT_MS?: string;
  /** Vectorize, when deployed with vectors (deploy/vectors.toml): a digest "ranked for me" reads the papers' vectors. */
  VECTORIZE?: VectorizeBinding;
}

/** Must match max_retries in workers/mailer/wrangler.toml (a test checks): the attempt after which a message dead-letters. */
export const MAX_RETRIES = 10;

/** The dead-letter queue of the mail queue, which this worker consumes too. */
export const DEAD_LETTER_QUEUE = "paperboy-mail-dlq";

export const MailerConfig = z
  .object({
    SITE_URL: z.url({ protocol: /^https?$/ }).transform((s) => s.replace(/\/+$/, "")),
    MAIL_FROM: z.string().min(3),
    RESEND_BASE_URL: z.url({ protocol: /^https?$/ }).transform((s) => s.replace(/\/+$/, "")),
    RESEND_API_KEY: z.string().min(1).optional(),
    TOKEN_SECRET: z.string().min(16, "TOKEN_SECRET must be at least 16 characters"),
    SUPPRESSION_SECRET: z.string().min(16, "SUPPRESSION_SECRET must be at least 16 characters"),
    SUPPRESSION_SECRET_PREVIOUS: z.string().optional(),
    DEV_MODE: z.string().optional(),
    RESEND_REQUESTS_PER_SECOND: z.coerce.number().positive().default(2),
    RESEND_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  })
  .refine(
    (c) => c.RESEND_API_KEY || c.DEV_MODE === "true",
    "RESEND_API_KEY is required unless DEV_MODE=true (then mails go to the outbox)",
  );
export type MailerConfig = z.output<typeof MailerConfig>;

export const readConfig = (env: Env) => MailerConfig.parse(env);
