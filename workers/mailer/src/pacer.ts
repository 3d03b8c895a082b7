import type { Transport } from "./transport";

/**
 * Paces calls to Resend across every mailer invocation: each call reserves the next free time
 * slot in D1 in one atomic statement, then waits for it. Concurrent consumers share the slots, so
 * the team's rate limit is kept without relying on 429s.
 */
export async function reserveSlot(d1: D1Database, name: string, intervalMs: number, now = Date.now()): Promise<number> {
  const row = await d1
    .prepare(
      `INSERT INTO send_pacer (name, next_at_ms) VALUES (?1, ?2 + ?3)
       ON CONFLICT(name) DO UPDATE SET next_at_ms = max(next_at_ms, ?2) + ?3
       RETURNING next_at_ms`,
    )
    .bind(name, now, intervalMs)
    .first<{ next_at_ms: number }>();
  return row!.next_at_ms - intervalMs;
}

/**
 * A transport whose calls keep to `requestsPerSecond` across every invocation. A slot further
 * away than `maxWaitMs` is not waited for: the call is refused like a 429 (nothing sent), so that
 * an invocation never waits out its lease on the ledger rows it holds.
 */
export function pacedTransport(inner: Transport, opts: { d1: D1Database; requestsPerSecond: number; maxWaitMs: number; sleep: (ms: number) => Promise<void> }): Transport {
  const intervalMs = 1000 / opts.requestsPerSecond;
  return {
    async sendBatch(mails, idempotencyKey) {
      const wait = (await reserveSlot(opts.d1, "resend", intervalMs)) - Date.now();
      if (wait > opts.maxWaitMs) return { ok: false, status: 429, error: "paced: the next free slot to call Resend is too far away", retryAfterSeconds: Math.ceil(wait / 1000) };
      if (wait > 0) await opts.sleep(wait);
      return inner.sendBatch(mails, idempotencyKey);
    },
  };
}
