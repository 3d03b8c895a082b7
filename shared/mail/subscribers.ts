import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { type Db, runBatch } from "../db/client";
import { consents, type SubscriberRow, subscribers, suppressions } from "../db/schema";
import { type SuppressionSecrets, suppressionHash, suppressionHashesOf } from "./address";
import type { Filters, Frequency } from "./messages";

/**
 * Every write to subscribers, their consents and the suppression list goes through here: the
 * forms of the API worker, Resend's webhooks and the mailer all use these.
 */

type Reason = (typeof suppressions.$inferInsert)["reason"];

/** When two reasons meet on one address, the stronger stays: an erasure never hides a complaint. */
const STRENGTH: Record<Reason, number> = { erased: 1, invalid: 2, bounced: 3, complained: 4 };
const strength = (column: unknown) =>
  sql`CASE ${column} ${sql.raw(
    Object.entries(STRENGTH)
      .map(([r, n]) => `WHEN '${r}' THEN ${n}`)
      .join(" "),
  )} ELSE 0 END`;

/** Puts addresses on the suppression list: no mail of any kind goes to them again. */
export async function suppress(db: Db, secrets: SuppressionSecrets, emails: readonly string[], reason: Reason) {
  const hashes = await Promise.all(emails.map((email) => suppressionHash(secrets.current, email)));
  await runBatch(
    db,
    hashes.map((hash) => suppressStatement(db, hash, reason)),
  );
}

// Not async: a drizzle query is a thenable, and an async function would run it on return.
function suppressStatement(db: Db, emailHash: string, reason: Reason) {
  return db
    .insert(suppressions)
    .values({ emailHash, reason })
    .onConflictDoUpdate({
      target: suppressions.emailHash,
      set: { reason },
      setWhere: sql`${strength(sql`excluded.reason`)} > ${strength(suppressions.reason)}`,
    });
}

export interface SubscriptionRequest {
  email: string;
  frequency: Frequency;
  filters: Filters;
  consentText: string;
  now: string;
}

/**
 * A subscription request from the form: a new address becomes a pending subscriber with its
 * consent; a pending or unsubscribed one is pending again with the new choices; a confirmed one is
 * left as it is (someone may be typing another person's address). An erasure promised no more
 * mail "unless you subscribe anew": this lifts it, so the confirmation can go out. Bounces and
 * complaints stay. Returns the subscriber to mail.
 */
export async function requestSubscription(
  db: Db,
  secrets: SuppressionSecrets,
  req: SubscriptionRequest,
): Promise<string> {
  const existing = await db.select().from(subscribers).where(eq(subscribers.email, req.email)).get();
  const liftErasure = db
    .delete(suppressions)
    .where(
      and(
        inArray(suppressions.emailHash, await suppressionHashesOf(secrets, req.email)),
        eq(suppressions.reason, "erased"),
      ),
    );
  if (existing?.status === "confirmed") {
    await liftErasure;
    return existing.id;
  }
  const id = existing?.id ?? crypto.randomUUID();
  const write = existing
    ? db
        .update(subscribers)
        .set({ status: "pending", frequency: req.frequency, ...req.filters, updatedAt: req.now })
        .where(eq(subscribers.id, id))
    : db.insert(subscribers).values({
        id,
        email: req.email,
        status: "pending",
        frequency: req.frequency,
        ...req.filters,
        createdAt: req.now,
        updatedAt: req.now,
      });
  await db.batch([
    liftErasure,
    write,
    db.insert(consents).values({ subscriberId: id, formText: req.consentText, givenAt: req.now }),
  ]);
  return id;
}

/** The suppression reasons that refuse a subscription: all but an erasure, which subscribing anew lifts. */
export type BlockingReason = Exclude<Reason, "erased">;

/** The strongest reason the address must not be subscribed (a bounce, a complaint, a refused address), or null. */
export async function blockingSuppression(
  db: Db,
  secrets: SuppressionSecrets,
  email: string,
): Promise<BlockingReason | null> {
  const rows = await db
    .select({ reason: suppressions.reason })
    .from(suppressions)
    .where(inArray(suppressions.emailHash, await suppressionHashesOf(secrets, email)));
  const blocking = rows.map((r) => r.reason).filter((r): r is BlockingReason => r !== "erased");
  return blocking.sort((a, b) => STRENGTH[b] - STRENGTH[a])[0] ?? null;
}

export interface VerifiedSubscription {
  email: string;
  /** New choices; without them an existing subscriber keeps its own. */
  choices?: { frequency: Frequency } & Filters;
  consentText: string;
  now: string;
}

/**
 * A subscription asked for by someone who has already proved the address (the account page: the
 * sign-in link was mailed to it): confirmed at once, with a consent given and confirmed now. A new
 * address is inserted, a pending or unsubscribed one confirmed. An erasure is lifted, as
 * requestSubscription does; an address that bounced, complained or was refused is not subscribed.
 */
export async function subscribeVerified(
  db: Db,
  secrets: SuppressionSecrets,
  req: VerifiedSubscription,
): Promise<{ ok: true; subscriber: SubscriberRow } | { ok: false; reason: BlockingReason }> {
  const blocked = await blockingSuppression(db, secrets, req.email);
  if (blocked) return { ok: false, reason: blocked };
  const existing = await db.select().from(subscribers).where(eq(subscribers.email, req.email)).get();
  const id = existing?.id ?? crypto.randomUUID();
  const confirmed = { status: "confirmed" as const, confirmedAt: req.now, unsubscribedAt: null, updatedAt: req.now };
  const write = existing
    ? db
        .update(subscribers)
        .set({ ...confirmed, ...req.choices })
        .where(eq(subscribers.id, id))
    : db.insert(subscribers).values({
        id,
        email: req.email,
        frequency: "daily",
        categories: [],
        keywords: [],
        ...req.choices,
        ...confirmed,
        createdAt: req.now,
      });
  await db.batch([
    write,
    db.insert(consents).values({ subscriberId: id, formText: req.consentText, givenAt: req.now, confirmedAt: req.now }),
    db
      .delete(suppressions)
      .where(
        and(
          inArray(suppressions.emailHash, await suppressionHashesOf(secrets, req.email)),
          eq(suppressions.reason, "erased"),
        ),
      ),
  ]);
  const subscriber = await db.select().from(subscribers).where(eq(subscribers.id, id)).get();
  return { ok: true, subscriber: subscriber! };
}

/** Confirms a pending subscriber and its latest consent; subscribing anew lifts any suppression. */
export async function confirmSubscription(db: Db, secrets: SuppressionSecrets, sub: SubscriberRow, now: string) {
  const consent = await db
    .select({ id: consents.id })
    .from(consents)
    .where(and(eq(consents.subscriberId, sub.id), isNull(consents.confirmedAt)))
    .orderBy(desc(consents.id))
    .get();
  await db.batch([
    db
      .update(subscribers)
      .set({ status: "confirmed", confirmedAt: now, updatedAt: now })
      .where(eq(subscribers.id, sub.id)),
    db
      .update(consents)
      .set({ confirmedAt: now })
      .where(eq(consents.id, consent?.id ?? -1)),
    db.delete(suppressions).where(inArray(suppressions.emailHash, await suppressionHashesOf(secrets, sub.email))),
  ]);
}

export type PreferencesUpdate = Partial<
  Pick<SubscriberRow, "status" | "frequency" | "categories" | "keywords" | "unsubscribedAt">
>;

export async function updateSubscriber(
  db: Db,
  id: string,
  update: PreferencesUpdate,
  now: string,
): Promise<SubscriberRow | undefined> {
  const [row] = await db
    .update(subscribers)
    .set({ ...update, updatedAt: now })
    .where(eq(subscribers.id, id))
    .returning();
  return row;
}

/** Unsubscribes at once; an unsubscribe always wins over a digest already on its way (the mailer reads the status last). */
export async function unsubscribe(db: Db, id: string, now: string) {
  await db
    .update(subscribers)
    .set({ status: "unsubscribed", unsubscribedAt: now, updatedAt: now })
    .where(and(eq(subscribers.id, id), inArray(subscribers.status, ["pending", "confirmed"])));
}

/**
 * Erasure: the subscriber goes, and with it (ON DELETE CASCADE) its consents and ledger rows; only
 * the keyed hash of the address stays, as a suppression.
 */
export async function eraseSubscriber(db: Db, secrets: SuppressionSecrets, sub: SubscriberRow) {
  await db.batch(await erasureStatements(db, secrets, sub));
}

/** The statements of eraseSubscriber, for a caller that erases more in the same batch (an account and its subscriber). */
export async function erasureStatements(db: Db, secrets: SuppressionSecrets, sub: SubscriberRow) {
  const hash = await suppressionHash(secrets.current, sub.email);
  return [suppressStatement(db, hash, "erased"), db.delete(subscribers).where(eq(subscribers.id, sub.id))] as const;
}
