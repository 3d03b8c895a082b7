import { reserveSlotWithin } from "#shared/db/pacer";
import type { Transport } from "./transport";

/**
 * A transport whose calls keep to `requestsPerSecond` across every invocation. A slot further
 * away than `maxWaitMs` is not waited for nor taken: the call is refused like a 429 (nothing sent),
 * so that an invocation never waits out its lease on the ledger rows it holds.
 */
export function pacedTransport(
  inner: Transport,
  opts: { d1: D1Database; requestsPerSecond: number; maxWaitMs: number; sleep: (ms: number) => Promise<void> },
): Transport {
  const intervalMs = 1000 / opts.requestsPerSecond;
  return {
    async sendBatch(mails, idempotencyKey) {
      const now = Date.now();
      const turn = await reserveSlotWithin(opts.d1, "resend", intervalMs, opts.maxWaitMs, now);
      if (!turn.ok)
        return {
          ok: false,
          status: 429,
          error: "paced: the next free slot to call Resend is too far away",
          retryAfterSeconds: Math.ceil((turn.freeAt - now) / 1000),
        };
      if (turn.at > now) await opts.sleep(turn.at - now);
      return inner.sendBatch(mails, idempotencyKey);
    },
  };
}
