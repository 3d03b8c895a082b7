/**
 * Paces calls to an upstream across every invocation of every worker: each call reserves the next
 * free time slot of `name` in D1 (table send_pacer) in one atomic statement, then waits for it.
 * Concurrent callers share the slots, so an upstream's rate limit is kept without relying on 429s.
 * The mailer paces Resend ("resend"), the ingest worker arXiv ("arxiv").
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
 * reserveSlot, but only a slot at most `maxWaitMs` away: a caller that will not wait takes no slot,
 * so refused callers do not push everyone else's turn further. `freeAt` is the next free slot.
 */
export async function reserveSlotWithin(
  d1: D1Database,
  name: string,
  intervalMs: number,
  maxWaitMs: number,
  now = Date.now(),
): Promise<{ ok: true; at: number } | { ok: false; freeAt: number }> {
  const [reserved, current] = await d1.batch<{ next_at_ms: number }>([
    d1
      .prepare(
        `INSERT INTO send_pacer (name, next_at_ms) VALUES (?1, ?2 + ?3)
         ON CONFLICT(name) DO UPDATE SET next_at_ms = max(next_at_ms, ?2) + ?3 WHERE max(next_at_ms, ?2) <= ?2 + ?4
         RETURNING next_at_ms`,
      )
      .bind(name, now, intervalMs, maxWaitMs),
    d1.prepare("SELECT next_at_ms FROM send_pacer WHERE name = ?1").bind(name),
  ]);
  const row = reserved?.results[0];
  if (row) return { ok: true, at: row.next_at_ms - intervalMs };
  return { ok: false, freeAt: Math.max(current?.results[0]?.next_at_ms ?? now, now) };
}
