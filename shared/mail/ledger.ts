import { and, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { runBatch, type Db } from "../db/client";
import { chunk, rowsPerStatement, selectInChunks } from "../db/chunk";
import { deliveries, type DeliveryRow } from "../db/schema";

// drizzle binds a JS-side default (attempts = 0) as a parameter too: chunk by every column.
const DELIVERY_COLUMNS = Object.keys(getTableColumns(deliveries)).length;
const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
export type DeliveryKey = { subscriberId: string; period: string };
const keyOf = (k: DeliveryKey) => `${k.subscriberId}|${k.period}`;

/** Ledger rows of the given keys, by `${subscriberId}|${period}`. */
export async function readLedger(db: Db, keys: readonly DeliveryKey[]): Promise<Map<string, DeliveryRow>> {
  const byPeriod = new Map<string, string[]>();
  for (const k of keys) byPeriod.set(k.period, [...(byPeriod.get(k.period) ?? []), k.subscriberId]);
  const out = new Map<string, DeliveryRow>();
  for (const [period, ids] of byPeriod) {
    const rows = await selectInChunks(ids, (part) => db.select().from(deliveries).where(and(eq(deliveries.period, period), inArray(deliveries.subscriberId, part))));
    for (const row of rows) out.set(keyOf(row), row);
  }
  return out;
}

/** Marks digests as enqueued; an existing row (queued or further along) is left alone. */
export async function recordQueued(db: Db, keys: readonly DeliveryKey[]) {
  const rows = keys.map((k) => ({ ...k, status: "queued" as const }));
  await runBatch(
    db,
    chunk(rows, rowsPerStatement(DELIVERY_COLUMNS)).map((part) => db.insert(deliveries).values(part).onConflictDoNothing()),
  );
}

/**
 * Claims rows for sending under `idempotencyKey` until `leaseUntil`. Only rows still queued or
 * sending, with no live lease, are claimed; the keys returned are the ones this caller now holds.
 */
export async function claimForSending(db: Db, keys: readonly DeliveryKey[], idempotencyKey: string, leaseUntil: number, nowMs = Date.now()): Promise<Set<string>> {
  const rows = keys.map((k) => ({ ...k, status: "sending" as const, idempotencyKey, attempts: 1, leaseUntil }));
  const results = await runBatch(
    db,
    chunk(rows, rowsPerStatement(DELIVERY_COLUMNS)).map((part) =>
      db
        .insert(deliveries)
        .values(part)
        .onConflictDoUpdate({
          target: [deliveries.subscriberId, deliveries.period],
          set: {
            status: "sending",
            idempotencyKey: sql`excluded.idempotency_key`,
            attempts: sql`${deliveries.attempts} + 1`,
            leaseUntil: sql`excluded.lease_until`,
            updatedAt: now,
          },
          setWhere: sql`${deliveries.status} in ('queued', 'sending') and (${deliveries.leaseUntil} is null or ${deliveries.leaseUntil} < ${nowMs})`,
        })
        .returning({ subscriberId: deliveries.subscriberId, period: deliveries.period }),
    ),
  );
  return new Set((results as DeliveryKey[][]).flat().map(keyOf));
}

/**
 * `idempotencyKey` stays on a row whose call may have reached Resend (5xx, timeout): the retry
 * must replay that call under the same key. It is null after a call Resend surely refused (429).
 */
export type Settlement = DeliveryKey & {
  status: "sent" | "skipped" | "failed" | "sending";
  detail?: string | null;
  providerId?: string | null;
  idempotencyKey?: string | null;
};

/**
 * Records outcomes. "sending" releases the lease (the call failed, the message will retry). A row
 * already sent is never moved back.
 */
export async function settle(db: Db, outcomes: readonly Settlement[]) {
  const rows = outcomes.map((o) => ({
    subscriberId: o.subscriberId,
    period: o.period,
    status: o.status,
    detail: o.detail ?? null,
    providerId: o.providerId ?? null,
    idempotencyKey: o.idempotencyKey ?? null,
    leaseUntil: null,
  }));
  await runBatch(
    db,
    chunk(rows, rowsPerStatement(DELIVERY_COLUMNS)).map((part) =>
      db
        .insert(deliveries)
        .values(part)
        .onConflictDoUpdate({
          target: [deliveries.subscriberId, deliveries.period],
          set: {
            status: sql`excluded.status`,
            detail: sql`excluded.detail`,
            providerId: sql`coalesce(excluded.provider_id, ${deliveries.providerId})`,
            idempotencyKey: sql`excluded.idempotency_key`,
            leaseUntil: null,
            updatedAt: now,
          },
          setWhere: sql`${deliveries.status} <> 'sent'`,
        }),
    ),
  );
}

/** Rows whose last call under `idempotencyKey` has an unknown outcome: the group to replay. */
export async function rowsUnderKey(db: Db, idempotencyKey: string): Promise<DeliveryKey[]> {
  return db
    .select({ subscriberId: deliveries.subscriberId, period: deliveries.period })
    .from(deliveries)
    .where(and(eq(deliveries.idempotencyKey, idempotencyKey), eq(deliveries.status, "sending")));
}

export const ledgerKey = keyOf;
