import type { Db } from "#shared/db/client";
import type { SuppressionSecrets } from "#shared/mail/address";
import type { VectorIndex } from "#shared/vectors/vectors";
import type { MailerConfig } from "./env";
import type { Transport } from "./transport";

/** What the mail queue's consumer works with, built per invocation by index.ts (tests give their own). */
export interface Deps {
  db: Db;
  d1: D1Database;
  config: MailerConfig;
  suppression: SuppressionSecrets;
  /** Paced to the provider's rate limit (see pacedTransport), at most PACE_MAX_WAIT_MS a call. */
  transport: Transport;
  sleep: (ms: number) => Promise<void>;
  /** Jitter for retry delays. */
  random: () => number;
  /** Where the papers' vectors are read, for a digest "ranked for me". */
  vectors: VectorIndex;
}
