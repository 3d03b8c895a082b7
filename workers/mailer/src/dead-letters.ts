import { and, inArray, ne } from "drizzle-orm";
import { deliveryKeyOf, MailMessage } from "#shared/contracts";
import { createDb } from "#shared/db/client";
import { signinTokens } from "#shared/db/schema";
import { recordDeadLetters } from "#shared/mail/dead-letters";
import { ledgerKey, readLedger, type Settlement, settle } from "#shared/mail/ledger";
import { letterOf } from "./letter";

/**
 * The dead-letter queue's consumer: every message that ran out of retries is recorded in
 * mail_dead_letters with the last error its ledger row holds, and its ledger row is marked failed
 * with that reason, so nothing that reaches the dead-letter queue is forgotten. A curator re-drives
 * them (POST /admin/dead-letters/redrive).
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, d1: D1Database): Promise<void> {
  const parsed = batch.messages.map((msg) => {
    const body = MailMessage.safeParse(msg.body);
    return {
      msg,
      key: body.success && body.data.kind !== "signin" ? deliveryKeyOf(body.data) : null,
      signin: body.success && body.data.kind === "signin" ? body.data.tokenId : null,
    };
  });
  const signins = parsed.flatMap((p) => (p.signin ? [p.signin] : []));
  const signinErrors = new Map<string, string | null>();
  if (signins.length) {
    const db = createDb(d1);
    for (const row of await db
      .select({ id: signinTokens.id, detail: signinTokens.mailDetail })
      .from(signinTokens)
      .where(inArray(signinTokens.id, signins)))
      signinErrors.set(row.id, row.detail);
    await db
      .update(signinTokens)
      .set({ mailStatus: "failed", leaseUntil: null })
      .where(
        and(
          inArray(signinTokens.id, signins),
          ne(signinTokens.mailStatus, "sent"),
          ne(signinTokens.mailStatus, "skipped"),
        ),
      );
  }
  const ledger = await readLedger(
    d1,
    parsed.flatMap((p) => (p.key ? [p.key] : [])),
  );
  const failed: Settlement[] = [];
  const letters = parsed.map((p) => {
    const { msg, key } = p;
    const row = key ? ledger.get(ledgerKey(key)) : undefined;
    if (p.signin)
      return letterOf(
        msg,
        "dead-letter-queue",
        signinErrors.get(p.signin) ?? "dead-lettered before the mailer recorded an attempt",
        msg.attempts,
      );
    if (!key) return letterOf(msg, "dead-letter-queue", "invalid message: not a mail message", msg.attempts);
    const error = row?.detail ?? "dead-lettered before the mailer recorded an attempt";
    if (row?.status !== "sent" && row?.status !== "skipped")
      failed.push({ ...key, status: "failed", detail: error, idempotencyKey: row?.idempotencyKey ?? null });
    return letterOf(msg, "dead-letter-queue", error, row?.attempts ?? msg.attempts);
  });
  await recordDeadLetters(d1, letters);
  await settle(d1, failed);
  for (const { msg } of parsed) msg.ack();
  console.error(`mailer: recorded ${letters.length} dead letter(s)`);
}
