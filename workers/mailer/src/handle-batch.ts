import { inArray } from "drizzle-orm";
import { chunk, selectInChunks } from "../../../shared/db/chunk";
import { createDb, type Db } from "../../../shared/db/client";
import { subscribers, suppressions } from "../../../shared/db/schema";
import { hashAddress, sha256Hex } from "../../../shared/mail/address";
import { periodCandidates, selectDigest, type DigestPaper } from "../../../shared/mail/digest-query";
import { claimForSending, ledgerKey, readLedger, rowsUnderKey, settle, type DeliveryKey, type Settlement } from "../../../shared/mail/ledger";
import { mailLinks } from "../../../shared/mail/links";
import { MailMessage } from "../../../shared/mail/messages";
import { periodDays } from "../../../shared/mail/periods";
import { renderConfirmation, renderDigest } from "../../../shared/mail/render";
import { MAX_RETRIES, type MailerConfig } from "./env";
import { waitForSlot } from "./pacer";
import type { OutgoingMail, Transport } from "./transport";

export interface Deps {
  db: Db;
  d1: D1Database;
  config: MailerConfig;
  transport: Transport;
  /** Calls are paced to the provider's rate limit (not for the outbox). */
  paced: boolean;
  sleep: (ms: number) => Promise<void>;
}

/** A 429 asking for at most this long is waited out in the invocation; longer ones go back to the queue. */
const INLINE_WAIT_MAX_S = 2;
const INLINE_RETRIES = 3;
const LEASE_MS = 5 * 60_000;
const MAX_DELAY_S = 12 * 3600;

export const backoffSeconds = (attempts: number, retryAfter?: number) =>
  Math.min(MAX_DELAY_S, Math.max(Math.ceil(retryAfter ?? 0), 2 ** attempts));

type Item = {
  /** The queue message, absent for a member of a replayed call whose message is elsewhere in the queue. */
  msg?: Message<unknown>;
  key: string;
  mail: OutgoingMail;
  digest?: { subscriberId: string; period: string };
};

async function loadSubscribers(db: Db, ids: string[]) {
  const rows = await selectInChunks(ids, (part) => db.select().from(subscribers).where(inArray(subscribers.id, part)));
  return new Map(rows.map((row) => [row.id, row]));
}

async function loadSuppressed(db: Db, hashes: string[]) {
  const rows = await selectInChunks(hashes, (part) => db.select({ h: suppressions.emailHash }).from(suppressions).where(inArray(suppressions.emailHash, part)));
  return new Set(rows.map((row) => row.h));
}

/**
 * The queue consumer's work: each message is acked on its own once its mail is sent (or is known
 * not to be due), and retried on its own with exponential backoff otherwise.
 *
 * Exactly once: the ledger row of (subscriber, period) is claimed before the call and settled
 * after it. A call whose outcome is unknown (5xx, timeout) leaves its Idempotency-Key on the rows,
 * and the next attempt for any of them replays that call, with all its members and the same key,
 * so Resend answers it from its idempotency store instead of sending again.
 */
export async function handleMailBatch(batch: MessageBatch<unknown>, deps: Deps): Promise<void> {
  const { db, config } = deps;
  const parsed: { msg: Message<unknown>; body: MailMessage }[] = [];
  for (const msg of batch.messages) {
    const body = MailMessage.safeParse(msg.body);
    if (body.success) parsed.push({ msg, body: body.data });
    else {
      // A malformed body can never succeed; retrying it would only delay the dead-letter queue.
      console.error("mailer: dropping a malformed message", msg.id, body.error.issues[0]?.message);
      msg.ack();
    }
  }
  if (!parsed.length) return;

  const digestKeys = parsed.flatMap((p) => (p.body.kind === "digest" ? [{ subscriberId: p.body.subscriberId, period: p.body.period }] : []));
  const ledger = await readLedger(db, digestKeys);
  // Calls to replay: every member of each, including those whose messages are not in this batch.
  const replayKeys = new Set([...ledger.values()].flatMap((r) => (r.status === "sending" && r.idempotencyKey ? [r.idempotencyKey] : [])));
  const replayMembers = new Map<string, DeliveryKey[]>();
  for (const k of replayKeys) replayMembers.set(k, await rowsUnderKey(db, k));
  const work: { msg?: Message<unknown>; body: MailMessage }[] = [...parsed];
  const inBatch = new Set(digestKeys.map(ledgerKey));
  for (const members of replayMembers.values())
    for (const m of members) if (!inBatch.has(ledgerKey(m))) work.push({ body: { kind: "digest", subscriberId: m.subscriberId, period: m.period } });
  for (const [k, row] of await readLedger(db, [...replayMembers.values()].flat())) ledger.set(k, row);

  const subs = await loadSubscribers(db, work.map((p) => p.body.subscriberId));
  const hashes = new Map<string, string>();
  for (const s of subs.values()) hashes.set(s.id, await hashAddress(s.email));
  const suppressed = await loadSuppressed(db, [...hashes.values()]);
  const candidates = new Map<string, DigestPaper[]>();

  const skips: Settlement[] = [];
  const fresh: Item[] = [];
  const replays = new Map<string, Item[]>();
  for (const { msg, body } of work) {
    const sub = subs.get(body.subscriberId);
    if (body.kind === "confirm") {
      // Erased or unsubscribed since the request: nothing to confirm.
      if (!sub || sub.status === "unsubscribed") {
        msg?.ack();
        continue;
      }
      const issuedAt = Date.parse(body.requestedAt);
      const links = await mailLinks(config.TOKEN_SECRET, config.SITE_URL, sub.id, issuedAt);
      const rendered = await renderConfirmation({ confirmed: sub.status === "confirmed", confirmUrl: links.confirm, links });
      fresh.push({ msg, key: `confirm:${sub.id}:${body.requestedAt}`, mail: { to: sub.email, ...rendered, headers: {} } });
      continue;
    }
    const key = { subscriberId: body.subscriberId, period: body.period };
    const row = ledger.get(ledgerKey(key));
    if (row && (row.status === "sent" || row.status === "skipped" || row.status === "failed")) {
      msg?.ack(); // a duplicate delivery of a digest already settled
      continue;
    }
    if (!sub) {
      msg?.ack(); // erased: the ledger rows went with it
      continue;
    }
    const [kind] = body.period.split(":");
    const skip = (detail: string) => {
      skips.push({ ...key, status: "skipped", detail });
      msg?.ack();
    };
    // An unsubscribe always wins: the status is read here, just before the call.
    if (sub.status !== "confirmed") {
      skip(`subscriber is ${sub.status}`);
      continue;
    }
    if (suppressed.has(hashes.get(sub.id)!)) {
      skip("address is suppressed");
      continue;
    }
    if (sub.frequency !== kind) {
      skip(`subscriber now wants ${sub.frequency} digests`);
      continue;
    }
    if (!candidates.has(body.period)) candidates.set(body.period, await periodCandidates(db, body.period));
    const filters = { categories: sub.categories, keywords: sub.keywords };
    const papers = selectDigest(candidates.get(body.period)!, filters);
    if (!papers.length) {
      skip("no papers matched the filters");
      continue;
    }
    // Links are issued as of the period's end, so a re-render is byte-identical.
    const issuedAt = Date.parse(`${periodDays(body.period).to}T23:59:59Z`);
    const links = await mailLinks(config.TOKEN_SECRET, config.SITE_URL, sub.id, issuedAt);
    const rendered = await renderDigest({ siteUrl: config.SITE_URL, period: body.period, frequency: sub.frequency, papers, filters, links });
    const item: Item = {
      msg,
      key: `digest:${sub.id}:${body.period}`,
      digest: key,
      mail: {
        to: sub.email,
        ...rendered,
        headers: { "List-Unsubscribe": `<${links.unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      },
    };
    const replayKey = row?.status === "sending" ? row.idempotencyKey : null;
    if (replayKey && replayKeys.has(replayKey)) replays.set(replayKey, [...(replays.get(replayKey) ?? []), item]);
    else fresh.push(item);
  }
  await settle(db, skips);

  for (const [replayKey, items] of replays) await sendGroup(items, replayKey, deps);
  for (const group of chunk(fresh, 100)) {
    // One key per set of (subscriber, period) pairs.
    await sendGroup(group, `paperboy-${await sha256Hex(group.map((p) => p.key).sort().join("\n"))}`, deps);
  }
}

async function sendGroup(group: Item[], idempotencyKey: string, deps: Deps) {
  const { db } = deps;
  const digestKeys = group.flatMap((p) => (p.digest ? [p.digest] : []));
  const claimed = await claimForSending(db, digestKeys, idempotencyKey, Date.now() + LEASE_MS);
  const sendable = group.filter((p) => {
    if (!p.digest || claimed.has(ledgerKey(p.digest))) return true;
    // Another invocation holds it (a duplicate message), or it settled meanwhile: look again later.
    p.msg?.retry({ delaySeconds: 30 });
    return false;
  });
  if (!sendable.length) return;

  let outcome = await callOnce(sendable, idempotencyKey, deps);
  for (let i = 0; !outcome.ok && outcome.status === 429 && (outcome.retryAfterSeconds ?? 1) <= INLINE_WAIT_MAX_S && i < INLINE_RETRIES; i++) {
    await deps.sleep(Math.max(250, (outcome.retryAfterSeconds ?? 1) * 1000));
    outcome = await callOnce(sendable, idempotencyKey, deps);
  }

  const settlements: Settlement[] = [];
  if (!outcome.ok && outcome.alreadyAccepted) {
    for (const p of sendable) {
      if (p.digest) settlements.push({ ...p.digest, status: "sent", idempotencyKey, detail: "accepted earlier under the same Idempotency-Key" });
      p.msg?.ack();
    }
  } else if (!outcome.ok) {
    // Resend refused the call before doing anything (rate limit, validation): the key can go.
    // Otherwise (5xx, timeout, no answer, 409 "still in progress") it may send: keep the key for a replay.
    const refused = outcome.status !== null && outcome.status >= 400 && outcome.status < 500 && outcome.status !== 409;
    for (const p of sendable) {
      const attempts = p.msg?.attempts ?? 0;
      const last = attempts > MAX_RETRIES;
      const detail = `${last ? "dead-lettered" : "will retry"} after attempt ${attempts}: ${outcome.error}`;
      if (p.digest) settlements.push({ ...p.digest, status: "sending", idempotencyKey: refused ? null : idempotencyKey, detail });
      if (last) console.error("mailer: giving up, to the dead-letter queue", p.key, outcome.error);
      p.msg?.retry({ delaySeconds: backoffSeconds(attempts, outcome.retryAfterSeconds) });
    }
  } else {
    const invalid: string[] = [];
    outcome.items.forEach((item, i) => {
      const p = sendable[i]!;
      if (item.ok) {
        if (p.digest) settlements.push({ ...p.digest, status: "sent", providerId: item.id, idempotencyKey, detail: null });
      } else {
        // Refused per item (an address Resend will never take): mark it and never try it again.
        if (p.digest) settlements.push({ ...p.digest, status: "failed", idempotencyKey, detail: item.error });
        invalid.push(p.mail.to);
        console.error("mailer: address refused", p.key, item.error);
      }
      p.msg?.ack();
    });
    if (invalid.length) {
      const rows = await Promise.all(invalid.map(async (to) => ({ emailHash: await hashAddress(to), reason: "invalid" as const })));
      for (const part of chunk(rows, 30)) await db.insert(suppressions).values(part).onConflictDoNothing();
    }
  }
  await settle(db, settlements);
}

async function callOnce(group: Item[], key: string, deps: Deps) {
  if (deps.paced) await waitForSlot(deps.d1, "resend", 1000 / deps.config.RESEND_REQUESTS_PER_SECOND, deps.sleep);
  return deps.transport.sendBatch(
    group.map((p) => p.mail),
    key,
  );
}

export function createDeps(env: { DB: D1Database }, config: MailerConfig, transport: Transport, paced: boolean): Deps {
  return { db: createDb(env.DB), d1: env.DB, config, transport, paced, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
}
