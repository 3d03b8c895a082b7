import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { chunk, D1_MAX_PARAMS, selectInChunks } from "../db/chunk";
import { createDb } from "../db/client";
import { type DeliveryRow, deliveries } from "../db/schema";
import { type Period, type PeriodKind, parsePeriod, periodOfDay } from "../domain/periods";
import type { Frequency } from "./messages";

/**
 * The delivery ledger (table `deliveries`): one row per (subscriber, mail). States, in order:
 * queued (claimed by an enqueue run, its message is on the queue), sending (claimed by a mailer
 * invocation until `lease_until`, or released after a failed call, keeping the call's
 * Idempotency-Key when the call may have gone through), then sent, skipped or failed.
 * docs/reliability.md tells what each failure leaves here.
 */
export type DeliveryKey = { subscriberId: string; period: string };
export const ledgerKey = (k: DeliveryKey) => `${k.subscriberId}|${k.period}`;

/** The statuses a mail ends in, in this ledger and in a sign-in token's: a settled mail is never sent again. */
export const SETTLED_STATUSES = ["sent", "skipped", "failed"] as const satisfies readonly DeliveryRow["status"][];
export type SettledStatus = (typeof SETTLED_STATUSES)[number];
const settled = new Set<string>(SETTLED_STATUSES);
export const isSettled = (status: string | undefined): status is SettledStatus =>
  status !== undefined && settled.has(status);

/**
 * The digest's ledger period, which the mail queue's digest message carries too: "daily:2026-06-12"
 * is a day, "weekly:2026-W24" an ISO week. Ledger rows and queued messages hold these strings: they
 * never change. (A confirmation's period is "confirm:<requested at>": see deliveryKeyOf.)
 */
const DIGEST_PERIOD_KINDS = { daily: "day", weekly: "week" } as const satisfies Record<Frequency, PeriodKind>;

const isFrequency = (s: string): s is Frequency => Object.hasOwn(DIGEST_PERIOD_KINDS, s);

/** The ledger key of the digest of `frequency` that covers `day`, or null when that period has no name. */
export function digestKeyOf(frequency: Frequency, day: string): string | null {
  const period = periodOfDay(DIGEST_PERIOD_KINDS[frequency], day);
  return period ? `${frequency}:${period.key}` : null;
}

/** A ledger key's frequency and period, or null for anything else ("monthly:2026-06", "weekly:2021-W53"). */
export function parseDigestKey(key: string): { frequency: Frequency; period: Period } | null {
  const colon = key.indexOf(":");
  const frequency = key.slice(0, colon);
  if (colon < 0 || !isFrequency(frequency)) return null;
  const period = parsePeriod(`${DIGEST_PERIOD_KINDS[frequency]}:${key.slice(colon + 1)}`);
  return period ? { frequency, period } : null;
}

/** A digest ledger key (see digestKeyOf) in a queue message; the day or week must exist. */
export const DigestPeriodKey = z
  .string()
  .regex(/^(daily:\d{4}-\d{2}-\d{2}|weekly:\d{4}-W\d{2})$/, "not a period key")
  .refine((key) => parseDigestKey(key) !== null, "not a real period: no such day or ISO week");

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/**
 * Inserts rows for subscribers that still exist; `onConflict` says what happens to an existing row.
 * The subscribers join keeps a concurrent erasure (which deletes the subscriber and, by cascade,
 * its rows) from failing the foreign key and with it every other row of the batch.
 */
async function upsertForExisting(
  d1: D1Database,
  columns: readonly string[],
  rows: unknown[][],
  onConflict: string,
  conflictParams: unknown[] = [],
): Promise<DeliveryKey[]> {
  const perStatement = Math.max(1, Math.floor((D1_MAX_PARAMS - conflictParams.length) / columns.length));
  const statements = chunk(rows, perStatement).map((part) => {
    const values = part.map(() => `(${columns.map(() => "?").join(", ")})`).join(", ");
    return d1
      .prepare(
        `INSERT INTO deliveries (${columns.join(", ")})
         SELECT * FROM (VALUES ${values}) AS v WHERE v.column1 IN (SELECT id FROM subscribers)
         ${onConflict}
         RETURNING subscriber_id AS subscriberId, period`,
      )
      .bind(...part.flat(), ...conflictParams);
  });
  if (!statements.length) return [];
  const results = await d1.batch<DeliveryKey>(statements);
  return results.flatMap((r) => r.results);
}

/** Ledger rows of the given keys, by ledgerKey. */
export async function readLedger(d1: D1Database, keys: readonly DeliveryKey[]): Promise<Map<string, DeliveryRow>> {
  const db = createDb(d1);
  const byPeriod = new Map<string, string[]>();
  for (const k of keys) byPeriod.set(k.period, [...(byPeriod.get(k.period) ?? []), k.subscriberId]);
  const out = new Map<string, DeliveryRow>();
  for (const [period, ids] of byPeriod) {
    const rows = await selectInChunks(ids, (part) =>
      db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.period, period), inArray(deliveries.subscriberId, part))),
    );
    for (const row of rows) out.set(ledgerKey(row), row);
  }
  return out;
}

/**
 * Claims rows for an enqueue run: inserts them as queued, and returns only those this run
 * inserted. Two runs that overlap each enqueue a disjoint share, so no message goes out twice.
 */
export async function claimQueued(d1: D1Database, keys: readonly DeliveryKey[]): Promise<DeliveryKey[]> {
  const rows = keys.map((k) => [k.subscriberId, k.period, "queued"]);
  return upsertForExisting(
    d1,
    ["subscriber_id", "period", "status"],
    rows,
    "ON CONFLICT (subscriber_id, period) DO NOTHING",
  );
}

/**
 * A row stays queued or sending, with no live lease, for at most the longest retry delay between
 * two attempts (15 minutes). Past this, its message is gone: died with an invocation that never
 * settled it, or lost between an enqueue's claim and its sendBatch.
 */
export const STUCK_AFTER_MS = 60 * 60_000;

/**
 * Rows of `period` stuck as queued or sending (see STUCK_AFTER_MS), claimed anew for a fresh
 * message. A sending row keeps its Idempotency-Key, so the mailer replays the call it may have made.
 */
export async function requeueStuck(d1: D1Database, period: string, at: Date): Promise<DeliveryKey[]> {
  const { results } = await d1
    .prepare(
      `UPDATE deliveries SET updated_at = ?1, detail = 'requeued: no progress since ' || updated_at
       WHERE period = ?2 AND status IN ('queued', 'sending') AND (lease_until IS NULL OR lease_until < ?3) AND updated_at < ?4
       RETURNING subscriber_id AS subscriberId, period`,
    )
    .bind(at.toISOString(), period, at.getTime(), new Date(at.getTime() - STUCK_AFTER_MS).toISOString())
    .all<DeliveryKey>();
  return results;
}

/**
 * Claims rows for sending under `idempotencyKey` until `leaseUntil`. Only rows still queued or
 * sending, with no live lease, are claimed (a lapsed lease is taken over); the keys returned are
 * the ones this caller now holds.
 */
export async function claimForSending(
  d1: D1Database,
  keys: readonly DeliveryKey[],
  idempotencyKey: string,
  leaseUntil: number,
  nowMs = Date.now(),
): Promise<Set<string>> {
  const rows = keys.map((k) => [k.subscriberId, k.period, "sending", idempotencyKey, 1, leaseUntil]);
  const claimed = await upsertForExisting(
    d1,
    ["subscriber_id", "period", "status", "idempotency_key", "attempts", "lease_until"],
    rows,
    `ON CONFLICT (subscriber_id, period) DO UPDATE SET
       status = 'sending', idempotency_key = excluded.idempotency_key, attempts = attempts + 1,
       lease_until = excluded.lease_until, updated_at = ${NOW}
     WHERE status IN ('queued', 'sending') AND (lease_until IS NULL OR lease_until < ?)`,
    [nowMs],
  );
  return new Set(claimed.map(ledgerKey));
}

/**
 * An outcome. `idempotencyKey` stays on a row whose call may have reached Resend (5xx, timeout):
 * the retry must replay that call under the same key. It is null after a call Resend surely
 * refused (429).
 */
export type Settlement = DeliveryKey & {
  status: SettledStatus | "sending";
  detail?: string | null;
  providerId?: string | null;
  idempotencyKey?: string | null;
};

/**
 * Records outcomes. "sending" releases the lease (the call failed, the message will retry). A row
 * already sent is never moved back; a subscriber erased meanwhile is left out.
 */
export async function settle(d1: D1Database, outcomes: readonly Settlement[]) {
  const rows = outcomes.map((o) => [
    o.subscriberId,
    o.period,
    o.status,
    o.detail ?? null,
    o.providerId ?? null,
    o.idempotencyKey ?? null,
  ]);
  await upsertForExisting(
    d1,
    ["subscriber_id", "period", "status", "detail", "provider_id", "idempotency_key"],
    rows,
    `ON CONFLICT (subscriber_id, period) DO UPDATE SET
       status = excluded.status, detail = excluded.detail, provider_id = coalesce(excluded.provider_id, provider_id),
       idempotency_key = excluded.idempotency_key, lease_until = NULL, updated_at = ${NOW}
     WHERE status <> 'sent'`,
  );
}

/** Rows whose last call under `idempotencyKey` has an unknown outcome: the group to replay. */
export async function rowsUnderKey(d1: D1Database, idempotencyKey: string): Promise<DeliveryKey[]> {
  return createDb(d1)
    .select({ subscriberId: deliveries.subscriberId, period: deliveries.period })
    .from(deliveries)
    .where(and(eq(deliveries.idempotencyKey, idempotencyKey), eq(deliveries.status, "sending")));
}

/**
 * A curator's re-drive: the rows go back to queued, or to sending without a lease when their last
 * call may have reached Resend, so that the next attempt replays it under the same key.
 */
export async function reopenForRedrive(d1: D1Database, keys: readonly DeliveryKey[]) {
  const statements = keys.map((k) =>
    d1
      .prepare(
        `UPDATE deliveries SET status = CASE WHEN idempotency_key IS NULL THEN 'queued' ELSE 'sending' END,
           lease_until = NULL, detail = 're-driven from the dead letters', updated_at = ${NOW}
         WHERE subscriber_id = ? AND period = ? AND status <> 'sent'`,
      )
      .bind(k.subscriberId, k.period),
  );
  for (const part of chunk(statements, 50)) await d1.batch(part);
}
