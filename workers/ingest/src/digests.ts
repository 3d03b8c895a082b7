import { and, eq, isNull } from "drizzle-orm";
import { createDb } from "../../../shared/db/client";
import { chunk } from "../../../shared/db/chunk";
import { deliveries, subscribers } from "../../../shared/db/schema";
import { recordQueued } from "../../../shared/mail/ledger";
import type { Frequency, MailMessage } from "../../../shared/mail/messages";
import { duePeriods } from "../../../shared/mail/periods";

export interface DigestEnqueueOutcome {
  period: string;
  enqueued: number;
}

/**
 * Enqueues one digest message per confirmed subscriber of each period due at `at` (see
 * duePeriods: yesterday's daily digest at 06:00 UTC, and on Mondays last week's weekly one) that
 * has no ledger row for the period yet. Messages go first, ledger rows after: a crash in between
 * enqueues again on the next run, and the mailer's ledger drops the duplicate.
 */
export async function enqueueDueDigests(env: { DB: D1Database; MAIL_QUEUE: Queue }, at: Date): Promise<DigestEnqueueOutcome[]> {
  const outcomes: DigestEnqueueOutcome[] = [];
  for (const { frequency, period } of duePeriods(at)) outcomes.push(await enqueueDigests(env, frequency, period));
  return outcomes;
}

/** Enqueues one period's digests (also used by the local /dev/digests page). */
export async function enqueueDigests(env: { DB: D1Database; MAIL_QUEUE: Queue }, frequency: Frequency, period: string): Promise<DigestEnqueueOutcome> {
  const db = createDb(env.DB);
  const due = await db
      .select({ id: subscribers.id })
      .from(subscribers)
      .leftJoin(deliveries, and(eq(deliveries.subscriberId, subscribers.id), eq(deliveries.period, period)))
    .where(and(eq(subscribers.status, "confirmed"), eq(subscribers.frequency, frequency), isNull(deliveries.subscriberId)));
  for (const part of chunk(due, 100)) {
    await env.MAIL_QUEUE.sendBatch(part.map((s) => ({ body: { kind: "digest", subscriberId: s.id, period } satisfies MailMessage })));
    await recordQueued(db, part.map((s) => ({ subscriberId: s.id, period })));
  }
  return { period, enqueued: due.length };
}
