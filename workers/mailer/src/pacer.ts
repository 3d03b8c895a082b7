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

export async function waitForSlot(d1: D1Database, name: string, intervalMs: number, sleep: (ms: number) => Promise<void>) {
  const slot = await reserveSlot(d1, name, intervalMs);
  const wait = slot - Date.now();
  if (wait > 0) await sleep(wait);
}
