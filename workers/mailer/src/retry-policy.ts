import { MAX_RETRIES } from "./env";

/**
 * How long a mailer invocation holds the ledger rows it claimed. It settles them before the lease
 * ends (a call is at most PACE_MAX_WAIT_MS + RESEND_TIMEOUT_MS, and an inline 429 retry is made
 * only while the lease covers one more); after it, a redelivery takes the rows over, so an invocation that dies
 * (CPU limit, eviction, deploy) holds nothing for longer than this.
 */
export const LEASE_MS = 2 * 60_000;

/** The longest a call waits for its turn under the rate limit; beyond it the call is refused as a 429. */
export const PACE_MAX_WAIT_MS = 20_000;

/** A message whose rows another invocation holds comes back this long after that lease ends. */
const AFTER_LEASE_S = 5;

/** The longest wait between two attempts: attempts 7 to 10 wait 7.5 to 15 minutes each. */
const MAX_BACKOFF_S = 15 * 60;

/** Queues accepts at most 12 hours for delaySeconds. */
const MAX_QUEUE_DELAY_S = 12 * 3600;

/**
 * Delay before attempt `attempts + 1`: 2 ** (attempts + 3) seconds (16 s, 32 s, ... capped at
 * 15 minutes) with equal jitter (half fixed, half random), so that consumers that failed together
 * do not come back together. A longer Retry-After wins. With MAX_RETRIES = 10 the retries span
 * 38 to 77 minutes: a 30-minute Resend outage dead-letters nothing.
 */
export function backoffSeconds(
  attempts: number,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(MAX_BACKOFF_S, 2 ** (Math.max(1, attempts) + 3));
  const jittered = Math.ceil(base / 2 + (base / 2) * random());
  return Math.min(MAX_QUEUE_DELAY_S, Math.max(Math.ceil(retryAfterSeconds ?? 0), jittered));
}

/** A message whose rows are leased elsewhere waits for the lease to end, so the retry can take over. */
export const heldRetrySeconds = (leaseUntil: number | null, now = Date.now()) =>
  Math.max(1, Math.ceil(((leaseUntil ?? now) - now) / 1000)) + AFTER_LEASE_S;

/** Whether `attempts` was the last delivery before the queue hands the message to the dead-letter queue. */
export const isLastAttempt = (attempts: number) => attempts > MAX_RETRIES;
