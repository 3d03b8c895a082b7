import { inArray } from "drizzle-orm";
import { deliveryKeyOf, MailMessage, messageOf, type SubscriberMail } from "#shared/contracts";
import { sha256Hex } from "#shared/crypto";
import { chunk, selectInChunks } from "#shared/db/chunk";
import type { Db } from "#shared/db/client";
import { accounts, type SubscriberRow, subscribers, suppressions } from "#shared/db/schema";
import { type SuppressionSecrets, suppressionHasher } from "#shared/mail/address";
import { type DeadLetter, recordDeadLetters } from "#shared/mail/dead-letters";
import {
  claimForSending,
  type DeliveryKey,
  isSettled,
  ledgerKey,
  parseDigestKey,
  readLedger,
  rowsUnderKey,
  type Settlement,
  settle,
} from "#shared/mail/ledger";
import { suppress } from "#shared/mail/subscribers";
import { orderForReaders } from "#shared/readers/reader-store";
import { activeSpace } from "#shared/vectors/paper-vectors";
import type { Deps } from "./deps";
import { type DigestPaper, periodCandidates, selectDigest } from "./digest-query";
import { letterOf } from "./letter";
import { mailLinks } from "./links";
import { renderConfirmation, renderDigest } from "./render";
import { backoffSeconds, heldRetrySeconds, isLastAttempt, LEASE_MS, PACE_MAX_WAIT_MS } from "./retry-policy";
import { type SigninMail, sendSignins } from "./signin-mail";
import type { BatchOutcome, OutgoingMail } from "./transport";

/** A 429 asking for at most this long is waited out in the invocation; longer ones go back to the queue. */
const INLINE_WAIT_MAX_S = 2;
const INLINE_RETRIES = 3;

/**
 * One mail of the batch: the ledger row it settles and the queue messages that carry it (several
 * when a message came twice; none for a member of a replayed call whose message is elsewhere).
 */
type Mail = { key: DeliveryKey; message: SubscriberMail; msgs: Message<unknown>[] };
type Item = Mail & { mail: OutgoingMail };

const ackAll = (m: Mail) => {
  for (const msg of m.msgs) msg.ack();
};
const retryAll = (m: Mail, delaySeconds: (attempts: number) => number) => {
  for (const msg of m.msgs) msg.retry({ delaySeconds: delaySeconds(msg.attempts) });
};
const attemptsOf = (m: Mail) => Math.max(0, ...m.msgs.map((msg) => msg.attempts));

/**
 * The queue consumer's work, as a pipeline: read the batch (one Mail per ledger row, invalid
 * messages recorded and acked), plan each mail (ack, skip, send or replay), then send each group
 * of up to 100 in one Resend call and settle it. Each message is acked once its mail is settled,
 * and retried on its own with backoff otherwise.
 *
 * Exactly once: a mail's ledger row is claimed (with a lease) before the call and settled after
 * it. A call whose outcome is unknown (5xx, timeout, the invocation died) leaves its
 * Idempotency-Key on the rows, and the next attempt for any of them replays that call, with all
 * its members and the same key, so Resend answers it from its idempotency store instead of
 * sending again.
 */
export async function handleMailBatch(batch: MessageBatch<unknown>, deps: Deps): Promise<void> {
  const { mails, signins } = await readBatch(batch, deps.d1);
  if (signins.size) await sendSignins([...signins.values()], deps);
  if (!mails.size) return;
  const { replays, fresh } = await plan(mails, deps);
  for (const [replayKey, items] of replays) await sendGroup(items, replayKey, deps);
  for (const group of chunk(fresh, 100)) {
    // One key per set of mails: the same set sent again gets the same key.
    await sendGroup(
      group,
      `paperboy-${await sha256Hex(
        group
          .map((p) => ledgerKey(p.key))
          .sort()
          .join("\n"),
      )}`,
      deps,
    );
  }
}

async function readBatch(batch: MessageBatch<unknown>, d1: D1Database) {
  const mails = new Map<string, Mail>();
  const signins = new Map<string, SigninMail>();
  const invalid: { msg: Message<unknown>; letter: DeadLetter }[] = [];
  for (const msg of batch.messages) {
    const parsed = MailMessage.safeParse(msg.body);
    if (!parsed.success) {
      // It can never succeed, so it is not retried: recorded for a curator, then acked.
      const error = `invalid message: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`;
      invalid.push({ msg, letter: letterOf(msg, "invalid-message", error, msg.attempts) });
      continue;
    }
    if (parsed.data.kind === "signin") {
      const { tokenId } = parsed.data;
      signins.set(tokenId, { tokenId, msgs: [...(signins.get(tokenId)?.msgs ?? []), msg] });
      continue;
    }
    const key = deliveryKeyOf(parsed.data);
    const mail = mails.get(ledgerKey(key));
    if (mail) mail.msgs.push(msg);
    else mails.set(ledgerKey(key), { key, message: parsed.data, msgs: [msg] });
  }
  if (invalid.length) {
    console.error(
      "mailer: recorded invalid messages",
      invalid.map((i) => i.letter.error),
    );
    await recordDeadLetters(
      d1,
      invalid.map((i) => i.letter),
    );
    for (const { msg } of invalid) msg.ack();
  }
  return { mails, signins };
}

async function plan(mails: Map<string, Mail>, deps: Deps) {
  const { d1, db, config } = deps;
  const ledger = await readLedger(
    d1,
    [...mails.values()].map((m) => m.key),
  );
  // Calls to replay: every member of each, including those whose messages are not in this batch.
  const replayKeys = new Set(
    [...ledger.values()].flatMap((r) => (r.status === "sending" && r.idempotencyKey ? [r.idempotencyKey] : [])),
  );
  const added: DeliveryKey[] = [];
  for (const replayKey of replayKeys)
    for (const key of await rowsUnderKey(d1, replayKey))
      if (!mails.has(ledgerKey(key))) {
        mails.set(ledgerKey(key), { key, message: messageOf(key), msgs: [] });
        added.push(key);
      }
  for (const [k, row] of await readLedger(d1, added)) ledger.set(k, row);

  const subs = await loadSubscribers(
    db,
    [...mails.values()].map((m) => m.key.subscriberId),
  );
  const suppressed = await loadSuppressed(db, [...subs.values()], deps.suppression);
  const candidates = new Map<string, DigestPaper[]>();
  const rankedFor = await rankedReaders(db, [...subs.values()]);
  /** Per digest period: each "ranked for me" reader's order of its candidates. */
  const orders = new Map<string, Map<string, string[]>>();

  const skips: Settlement[] = [];
  const fresh: Item[] = [];
  const replays = new Map<string, Item[]>();
  for (const mail of mails.values()) {
    const { key, message } = mail;
    const row = ledger.get(ledgerKey(key));
    const sub = subs.get(key.subscriberId);
    if (isSettled(row?.status) || !sub) {
      ackAll(mail); // a duplicate of a settled mail, or erased (its ledger rows went with it)
      continue;
    }
    const skip = (detail: string) => {
      skips.push({ ...key, status: "skipped", detail });
      ackAll(mail);
    };
    let rendered: Omit<OutgoingMail, "to">;
    if (message.kind === "confirm") {
      // Erased, bounced or complained since the request: no mail of any kind.
      if (suppressed.has(sub.id)) {
        skip("address is suppressed");
        continue;
      }
      if (sub.status === "unsubscribed") {
        skip("subscriber is unsubscribed");
        continue;
      }
      const links = await mailLinks(config.TOKEN_SECRET, config.SITE_URL, sub.id, Date.parse(message.requestedAt));
      rendered = {
        ...(await renderConfirmation({ confirmed: sub.status === "confirmed", confirmUrl: links.confirm, links })),
        headers: {},
      };
    } else {
      // An unsubscribe always wins: the status is read here, just before the call.
      if (sub.status !== "confirmed") {
        skip(`subscriber is ${sub.status}`);
        continue;
      }
      if (suppressed.has(sub.id)) {
        skip("address is suppressed");
        continue;
      }
      const digest = parseDigestKey(message.period);
      if (!digest) {
        skip(`not a digest period: ${message.period}`); // only a ledger row written by hand can get here
        continue;
      }
      if (sub.frequency !== digest.frequency) {
        skip(`subscriber now wants ${sub.frequency} digests`);
        continue;
      }
      if (!candidates.has(message.period)) candidates.set(message.period, await periodCandidates(db, digest.period));
      const filters = { categories: sub.categories, keywords: sub.keywords };
      const reader = rankedFor.get(sub.id);
      const papers = selectDigest(
        reader
          ? await rankedCandidates(deps, orders, message.period, digest.period, candidates, rankedFor, reader)
          : candidates.get(message.period)!,
        filters,
      );
      if (!papers.length) {
        skip("no papers matched the filters");
        continue;
      }
      // Links are issued as of the period's end, so a re-render is byte-identical.
      const links = await mailLinks(
        config.TOKEN_SECRET,
        config.SITE_URL,
        sub.id,
        Date.parse(`${digest.period.to}T23:59:59Z`),
      );
      rendered = {
        ...(await renderDigest({
          siteUrl: config.SITE_URL,
          period: digest.period,
          frequency: sub.frequency,
          papers,
          filters,
          links,
          rankedForYou: Boolean(reader),
        })),
        headers: {
          "List-Unsubscribe": `<${links.unsubscribe}>`,
          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
      };
    }
    const item: Item = { ...mail, mail: { to: sub.email, ...rendered } };
    const replayKey = row?.status === "sending" ? row.idempotencyKey : null;
    if (replayKey && replayKeys.has(replayKey)) replays.set(replayKey, [...(replays.get(replayKey) ?? []), item]);
    else fresh.push(item);
  }
  await settle(d1, skips);
  return { replays, fresh };
}

/** The accounts of the subscribers who chose "ranked for me" (by their address), by subscriber id. */
async function rankedReaders(db: Db, subs: SubscriberRow[]): Promise<Map<string, string>> {
  const emails = new Map(subs.filter((s) => s.rankedForMe).map((s) => [s.email, s.id]));
  if (!emails.size) return new Map();
  const rows = await selectInChunks([...emails.keys()], (part) =>
    db.select({ id: accounts.id, email: accounts.email }).from(accounts).where(inArray(accounts.email, part)),
  );
  return new Map(rows.map((r) => [emails.get(r.email)!, r.id]));
}

/**
 * A period's candidates in a "ranked for me" reader's order: their For-you model's, as of the
 * period's end, computed once per period for every such reader of the batch.
 */
async function rankedCandidates(
  deps: Deps,
  orders: Map<string, Map<string, string[]>>,
  key: string,
  period: { to: string },
  candidates: Map<string, DigestPaper[]>,
  rankedFor: Map<string, string>,
  reader: string,
): Promise<DigestPaper[]> {
  const list = candidates.get(key)!;
  if (!orders.has(key))
    orders.set(
      key,
      await orderForReaders(
        deps.db,
        deps.vectors,
        await activeSpace(deps.db),
        [...new Set(rankedFor.values())],
        list.map((p) => ({ ...p, text: `${p.title} ${p.abstract}` })),
        `${period.to}T23:59:59.999Z`,
      ),
    );
  const byId = new Map(list.map((p) => [p.id, p]));
  return (orders.get(key)!.get(reader) ?? []).map((id) => byId.get(id)!);
}

async function loadSubscribers(db: Db, ids: string[]) {
  const rows = await selectInChunks(ids, (part) => db.select().from(subscribers).where(inArray(subscribers.id, part)));
  return new Map(rows.map((row) => [row.id, row]));
}

/** Ids of the subscribers whose address is on the suppression list, under any configured secret. */
async function loadSuppressed(db: Db, subs: SubscriberRow[], secrets: SuppressionSecrets): Promise<Set<string>> {
  const hashesOf = await suppressionHasher([secrets.current, ...secrets.previous]);
  const owner = new Map<string, string>();
  for (const s of subs) for (const hash of await hashesOf(s.email)) owner.set(hash, s.id);
  const rows = await selectInChunks([...owner.keys()], (part) =>
    db.select({ h: suppressions.emailHash }).from(suppressions).where(inArray(suppressions.emailHash, part)),
  );
  return new Set(rows.map((row) => owner.get(row.h)!));
}

async function sendGroup(group: Item[], idempotencyKey: string, deps: Deps) {
  const { d1, config } = deps;
  const leaseUntil = Date.now() + LEASE_MS;
  const claimed = await claimForSending(
    d1,
    group.map((p) => p.key),
    idempotencyKey,
    leaseUntil,
  );
  const held = group.filter((p) => !claimed.has(ledgerKey(p.key)));
  if (held.length) {
    // Another invocation holds these (a duplicate message, or one that died), or they settled meanwhile.
    const rows = await readLedger(
      d1,
      held.map((p) => p.key),
    );
    for (const p of held) {
      const row = rows.get(ledgerKey(p.key));
      if (!row || isSettled(row.status)) ackAll(p);
      else retryAll(p, () => heldRetrySeconds(row.leaseUntil));
    }
  }
  const sendable = group.filter((p) => claimed.has(ledgerKey(p.key)));
  if (!sendable.length) return;

  const call = () =>
    deps.transport.sendBatch(
      sendable.map((p) => p.mail),
      idempotencyKey,
    );
  let outcome = await call();
  for (let i = 0; !outcome.ok && outcome.status === 429 && i < INLINE_RETRIES; i++) {
    const waitMs = Math.max(250, (outcome.retryAfterSeconds ?? 1) * 1000);
    // Only while the lease outlasts the wait and the call: the rows are settled before it ends.
    if (
      (outcome.retryAfterSeconds ?? 1) > INLINE_WAIT_MAX_S ||
      Date.now() + waitMs + PACE_MAX_WAIT_MS + config.RESEND_TIMEOUT_MS > leaseUntil
    )
      break;
    await deps.sleep(waitMs);
    outcome = await call();
  }
  await settle(d1, await settleOutcome(sendable, outcome, idempotencyKey, deps));
}

/** Acks or retries each message of the call, and says what its ledger rows become. */
async function settleOutcome(
  sendable: Item[],
  outcome: BatchOutcome,
  idempotencyKey: string,
  deps: Deps,
): Promise<Settlement[]> {
  const settlements: Settlement[] = [];
  if (!outcome.ok && outcome.alreadyAccepted) {
    for (const p of sendable) {
      settlements.push({
        ...p.key,
        status: "sent",
        idempotencyKey,
        detail: "accepted earlier under the same Idempotency-Key",
      });
      ackAll(p);
    }
  } else if (!outcome.ok) {
    // Resend refused the call before doing anything (rate limit, validation): the key can go.
    // Otherwise (5xx, timeout, no answer, 409 "still in progress") it may send: keep the key for a replay.
    const refused = outcome.status !== null && outcome.status >= 400 && outcome.status < 500 && outcome.status !== 409;
    for (const p of sendable) {
      const attempts = attemptsOf(p);
      const last = isLastAttempt(attempts);
      const detail = `${last ? "dead-lettered" : "will retry"} after attempt ${attempts}: ${outcome.error}`;
      settlements.push({ ...p.key, status: "sending", idempotencyKey: refused ? null : idempotencyKey, detail });
      if (last) console.error("mailer: giving up, to the dead-letter queue", ledgerKey(p.key), outcome.error);
      retryAll(p, (n) => backoffSeconds(n, outcome.retryAfterSeconds, deps.random));
    }
  } else {
    const invalid: string[] = [];
    outcome.items.forEach((result, i) => {
      const p = sendable[i]!;
      if (result.ok) {
        settlements.push({ ...p.key, status: "sent", providerId: result.id, idempotencyKey, detail: null });
      } else {
        // Refused per item (an address Resend will never take): mark it and never try it again.
        settlements.push({ ...p.key, status: "failed", idempotencyKey, detail: result.error });
        invalid.push(p.mail.to);
        console.error("mailer: address refused", ledgerKey(p.key), result.error);
      }
      ackAll(p);
    });
    await suppress(deps.db, deps.suppression, invalid, "invalid");
  }
  return settlements;
}
