import type { DeadLetter } from "#shared/mail/dead-letters";

/** A queue message as a row of mail_dead_letters: its body as JSON, and the ids it names if any. */
export function letterOf(
  msg: Message<unknown>,
  source: DeadLetter["source"],
  error: string,
  attempts: number,
): DeadLetter {
  const body = typeof msg.body === "string" ? msg.body : JSON.stringify(msg.body ?? null);
  const fields = (msg.body ?? {}) as { subscriberId?: unknown; period?: unknown };
  return {
    messageId: msg.id,
    source,
    body,
    subscriberId: typeof fields.subscriberId === "string" ? fields.subscriberId : null,
    period: typeof fields.period === "string" ? fields.period : null,
    error,
    attempts,
  };
}
