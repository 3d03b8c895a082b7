/**
 * Paces calls to an upstream across every invocation of every worker: each call reserves the next
 * free time slot of `name` in D1 (table send_pacer) in one atomic statement, then waits for it.
 * Concurrent callers share the slots, so an upstream's rate limit is kept without relying on 429s.
 * The mailer paces Resend ("resend"), the ingest worker arXiv ("arxiv").
 */
const reserve = (bounded: boolean) =>
  `INSERT INTO send_pacer (name, next_at_ms) VALUES (?1, ?2 + ?3)
   ON CONFLICT(name) DO UPDATE SET next_at_ms = max(next_at_ms, ?2) + ?3 ${bounded ? "WHERE max(next_at_ms, ?2) <= ?2 + ?4" : ""}
   RETURNING next_at_ms`;

/** The next free slot of `name`, however far away, taken. */
export async function reserveSlot(d1: D1Database, name: string, intervalMs: number, now = Date.now()): Promise<number> {
  const row = await d1.prepare(reserve(false)).bind(name, now, intervalMs).first<{ next_at_ms: number }>();
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
  const row = await d1.prepare(reserve(true)).bind(name, now, intervalMs, maxWaitMs).first<{ next_at_ms: number }>();
  if (row) return { ok: true, at: row.next_at_ms - intervalMs };
  // Refused (the caller will not wait that long): read when the next slot is free, taking none.
  const current = await d1
    .prepare("SELECT next_at_ms FROM send_pacer WHERE name = ?1")
    .bind(name)
    .first<number>("next_at_ms");
  return { ok: false, freeAt: Math.max(current ?? now, now) };
}
