import { and, asc, eq, getTableColumns, inArray, isNull } from "drizzle-orm";
import { deliveryKeyOf, MailMessage } from "../contracts";
import { chunk, rowsPerStatement } from "../db/chunk";
import { createDb } from "../db/client";
import { mailDeadLetters, signinTokens } from "../db/schema";
import { reopenForRedrive } from "./ledger";

export type DeadLetter = Omit<typeof mailDeadLetters.$inferInsert, "id" | "createdAt" | "redrivenAt">;

/** Written by the mailer (its dead-letter queue consumer, and for messages it refused as invalid). */
export async function recordDeadLetters(d1: D1Database, letters: readonly DeadLetter[]) {
  const db = createDb(d1);
  const statements = chunk(letters, rowsPerStatement(Object.keys(getTableColumns(mailDeadLetters)).length)).map(
    (part) => db.insert(mailDeadLetters).values(part),
  );
  for (const statement of statements) await statement;
}

/** The dead letters not re-driven yet, oldest first. */
export async function pendingDeadLetters(d1: D1Database, limit = 500) {
  return createDb(d1)
    .select()
    .from(mailDeadLetters)
    .where(isNull(mailDeadLetters.redrivenAt))
    .orderBy(asc(mailDeadLetters.id))
    .limit(limit);
}

/**
 * A curator's re-drive: each pending dead letter (all of them, or those in `ids`) whose message is
 * valid goes back on the queue, its ledger row reopened first. A message that never parsed cannot
 * be sent again: it is counted and stays listed.
 */
export async function redriveDeadLetters(d1: D1Database, queue: Queue, ids?: readonly number[]) {
  const db = createDb(d1);
  const letters = await db
    .select()
    .from(mailDeadLetters)
    .where(and(isNull(mailDeadLetters.redrivenAt), ids ? inArray(mailDeadLetters.id, [...ids]) : undefined))
    .orderBy(asc(mailDeadLetters.id))
    .limit(1000);
  const valid: { id: number; message: MailMessage }[] = [];
  for (const letter of letters) {
    const parsed = MailMessage.safeParse(safeJson(letter.body));
    if (parsed.success) valid.push({ id: letter.id, message: parsed.data });
  }
  await reopenForRedrive(
    d1,
    valid.flatMap((v) => (v.message.kind === "signin" ? [] : [deliveryKeyOf(v.message)])),
  );
  // A sign-in row goes back to sending: its key and bytes are fixed, so the retry replays the same call.
  const signins = valid.flatMap((v) => (v.message.kind === "signin" ? [v.message.tokenId] : []));
  if (signins.length)
    await db
      .update(signinTokens)
      .set({ mailStatus: "sending", leaseUntil: null })
      .where(and(inArray(signinTokens.id, signins), eq(signinTokens.mailStatus, "failed")));
  for (const part of chunk(valid, 100)) {
    await queue.sendBatch(part.map((v) => ({ body: v.message })));
    await db
      .update(mailDeadLetters)
      .set({ redrivenAt: new Date().toISOString() })
      .where(
        inArray(
          mailDeadLetters.id,
          part.map((v) => v.id),
        ),
      );
  }
  return { redriven: valid.length, unparseable: letters.length - valid.length };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
