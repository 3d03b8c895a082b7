import { and, eq, isNull, lt, lte, or } from "drizzle-orm";
import type { MailMessage } from "../contracts";
import { chunk } from "../db/chunk";
import { createDb } from "../db/client";
import { deliveries, subscribers } from "../db/schema";
import { DAY_MS, todayUtc } from "../domain/periods";
import { claimQueued, digestKeyOf, requeueStuck } from "./ledger";
import type { Frequency } from "./messages";

/** A pending address that never confirmed is deleted once its confirmation link has expired. */
export const PENDING_TTL_MS = 7 * DAY_MS;

/** The UTC hour at which daily digests (and on Mondays the weekly ones) are enqueued. */
export const DIGEST_HOUR_UTC = 6;

/** A run that missed a period (a failed cron) still sends it when it runs within this window. */
export const CATCH_UP_HOURS = 48;

export interface DuePeriod {
  frequency: Frequency;
  /** The ledger key of the period (see digestKeyOf). */
  period: string;
  /** When the period's digests fell due; subscribers confirmed after it wait for the next one. */
  dueAt: Date;
}

/**
 * Periods whose digests are due at `at`: a day's daily digest falls due at DIGEST_HOUR_UTC the
 * next day, a week's weekly digest at DIGEST_HOUR_UTC on the Monday after it. Every period that
 * fell due in the last CATCH_UP_HOURS is returned; the ledger keeps each from going out twice.
 */
export function duePeriods(at: Date, catchUpHours = CATCH_UP_HOURS): DuePeriod[] {
  const today = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
  const due: DuePeriod[] = [];
  const add = (frequency: Frequency, day: number, dueAt: number) => {
    const period = digestKeyOf(frequency, todayUtc(new Date(day)));
    if (period && dueAt <= at.getTime() && at.getTime() - dueAt < catchUpHours * 3_600_000)
      due.push({ frequency, period, dueAt: new Date(dueAt) });
  };
  for (let k = Math.ceil(catchUpHours / 24) + 1; k >= 1; k--) {
    const day = today - k * DAY_MS;
    add("daily", day, day + DAY_MS + DIGEST_HOUR_UTC * 3_600_000);
  }
  const lastMonday = today - ((new Date(today).getUTCDay() || 7) - 1) * DAY_MS;
  for (const monday of [lastMonday - 7 * DAY_MS, lastMonday])
    add("weekly", monday - DAY_MS, monday + DIGEST_HOUR_UTC * 3_600_000);
  return due;
}

/**
 * What the ingest worker's hourly cron calls after the day's ingest: purge expired pending
 * subscribers, then enqueue every digest that is due and not yet in the ledger.
 */
export async function runDigestSchedule(env: { DB: D1Database; MAIL_QUEUE: Queue }, at: Date) {
  const purged = await purgeUnconfirmed(env.DB, at);
  const digests = await enqueueDueDigests(env, at);
  return { purged, digests };
}

export async function purgeUnconfirmed(d1: D1Database, at: Date): Promise<number> {
  const db = createDb(d1);
  const cutoff = new Date(at.getTime() - PENDING_TTL_MS).toISOString();
  // Consents and ledger rows go with the subscriber (ON DELETE CASCADE).
  const gone = await db
    .delete(subscribers)
    .where(and(eq(subscribers.status, "pending"), lt(subscribers.updatedAt, cutoff)))
    .returning({ id: subscribers.id });
  return gone.length;
}

export interface DigestEnqueueOutcome {
  period: string;
  enqueued: number;
}

/**
 * Enqueues the digests due at `at` (see duePeriods: a day's daily digest from 06:00 UTC the next
 * day, a week's weekly digest from 06:00 UTC on the Monday after it, each caught up for 48 hours).
 * Safe to call every hour, and from two places at once: see enqueueDigests.
 */
export async function enqueueDueDigests(
  env: { DB: D1Database; MAIL_QUEUE: Queue },
  at: Date,
): Promise<DigestEnqueueOutcome[]> {
  const outcomes: DigestEnqueueOutcome[] = [];
  for (const { frequency, period, dueAt } of duePeriods(at))
    outcomes.push(await enqueueDigests(env, frequency, period, dueAt, at));
  return outcomes;
}

/**
 * One digest message per confirmed subscriber of `frequency` (confirmed by `dueAt`) with no ledger
 * row for `period`, and one per row of the period stuck past its lease (see requeueStuck), in
 * sendBatch calls of at most 100. The ledger rows are claimed first and only the claimed ones are
 * enqueued, so overlapping runs (two crons, the cron and /dev/digests) never enqueue a digest
 * twice. A crash between the claim and sendBatch leaves queued rows that a later run requeues.
 */
export async function enqueueDigests(
  env: { DB: D1Database; MAIL_QUEUE: Queue },
  frequency: Frequency,
  period: string,
  dueAt?: Date,
  at = new Date(),
): Promise<DigestEnqueueOutcome> {
  const db = createDb(env.DB);
  const due = await db
    .select({ id: subscribers.id })
    .from(subscribers)
    .leftJoin(deliveries, and(eq(deliveries.subscriberId, subscribers.id), eq(deliveries.period, period)))
    .where(
      and(
        eq(subscribers.status, "confirmed"),
        eq(subscribers.frequency, frequency),
        isNull(deliveries.subscriberId),
        dueAt ? or(isNull(subscribers.confirmedAt), lte(subscribers.confirmedAt, dueAt.toISOString())) : undefined,
      ),
    );
  const claimed = [
    ...(await claimQueued(
      env.DB,
      due.map((s) => ({ subscriberId: s.id, period })),
    )),
    ...(await requeueStuck(env.DB, period, at)),
  ];
  for (const part of chunk(claimed, 100)) {
    await env.MAIL_QUEUE.sendBatch(
      part.map((k) => ({
        body: { kind: "digest", subscriberId: k.subscriberId, period: k.period } satisfies MailMessage,
      })),
    );
  }
  return { period, enqueued: claimed.length };
}
