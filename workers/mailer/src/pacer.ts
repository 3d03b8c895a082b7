import { reserveSlot } from "#shared/db/pacer";
import type { Transport } from "./transport";

/**
 * A transport whose calls keep to `requestsPerSecond` across every invocation. A slot further
 * away than `maxWaitMs` is not waited for: the call is refused like a 429 (nothing sent), so that
 * an invocation never waits out its lease on the ledger rows it holds.
 */
export function pacedTransport(
  inner: Transport,
  opts: { d1: D1Database; requestsPerSecond: number; maxWaitMs: number; sleep: (ms: number) => Promise<void> },
): Transport {
  const intervalMs = 1000 / opts.requestsPerSecond;
  return {
    async sendBatch(mails, idempotencyKey) {
      const wait = (await reserveSlot(opts.d1, "resend", intervalMs)) - Date.now();
      if (wait > opts.maxWaitMs)
        return {
          ok: false,
          status: 429,
          error: "paced: the next free slot to call Resend is too far away",
          retryAfterSeconds: Math.ceil(wait / 1000),
        };
      if (wait > 0) await opts.sleep(wait);
      return inner.sendBatch(mails, idempotencyKey);
    },
  };
}
