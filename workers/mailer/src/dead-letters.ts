import { recordDeadLetters } from "#shared/mail/dead-letters";
import { ledgerKey, readLedger, settle, type Settlement } from "#shared/mail/ledger";
import { MailMessage } from "#shared/contracts";
import { deliveryKeyOf } from "#shared/mail/messages";
import { letterOf } from "./handle-batch";

/**
 * The dead-letter queue's consumer: every message that ran out of retries is recorded in
 * mail_dead_letters with the last error its ledger row holds, and its ledger row is marked failed
 * with that reason, so nothing that reaches the dead-letter queue is forgotten. A curator re-drives
 * them (POST /admin/dead-letters/redrive).
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, d1: D1Database): Promise<void> {
  const parsed = batch.messages.map((msg) => {
    const body = MailMessage.safeParse(msg.body);
    return { msg, key: body.success ? deliveryKeyOf(body.data) : null };
  });
  const ledger = await readLedger(d1, parsed.flatMap((p) => (p.key ? [p.key] : [])));
  const failed: Settlement[] = [];
  const letters = parsed.map(({ msg, key }) => {
    const row = key ? ledger.get(ledgerKey(key)) : undefined;
    if (!key) return letterOf(msg, "dead-letter-queue", "invalid message: not a mail message", msg.attempts);
    const error = row?.detail ?? "dead-lettered before the mailer recorded an attempt";
    if (row?.status !== "sent" && row?.status !== "skipped") failed.push({ ...key, status: "failed", detail: error, idempotencyKey: row?.idempotencyKey ?? null });
    return letterOf(msg, "dead-letter-queue", error, row?.attempts ?? msg.attempts);
  });
  await recordDeadLetters(d1, letters);
  await settle(d1, failed);
  for (const { msg } of parsed) msg.ack();
  console.error(`mailer: recorded ${letters.length} dead letter(s)`);
}
