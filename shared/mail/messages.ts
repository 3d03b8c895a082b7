import { z } from "zod";
import { parseDay, parseWeek } from "../domain/periods";
import { arxivCategory } from "../papers/records";

export const Frequency = z.enum(["daily", "weekly"]);
export type Frequency = z.infer<typeof Frequency>;

/** "daily:2026-06-12" (one UTC day) or "weekly:2026-W24" (one ISO week); both must exist. */
export const PeriodKey = z
  .string()
  .regex(/^(daily:\d{4}-\d{2}-\d{2}|weekly:\d{4}-W\d{2})$/, "not a period key")
  .refine((key) => {
    const [kind, value = ""] = key.split(":");
    return kind === "daily" ? parseDay(value) !== null : parseWeek(value) !== null;
  }, "not a real period: no such day or ISO week");

/** The queue's one message schema: the API and the ingest worker produce it, the mailer parses it. */
export const MailMessage = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("confirm"), subscriberId: z.string().min(1), requestedAt: z.iso.datetime() }),
  z.object({ kind: z.literal("digest"), subscriberId: z.string().min(1), period: PeriodKey }),
]);
export type MailMessage = z.infer<typeof MailMessage>;

const CONFIRM = "confirm:";

/** The ledger row of a message's mail: a digest's period, or the confirmation request's time. */
export const deliveryKeyOf = (m: MailMessage) => ({ subscriberId: m.subscriberId, period: m.kind === "digest" ? m.period : `${CONFIRM}${m.requestedAt}` });

/** The message a ledger row stands for (the inverse of deliveryKeyOf). */
export const messageOf = (k: { subscriberId: string; period: string }): MailMessage =>
  k.period.startsWith(CONFIRM) ? { kind: "confirm", subscriberId: k.subscriberId, requestedAt: k.period.slice(CONFIRM.length) } : { kind: "digest", subscriberId: k.subscriberId, period: k.period };

/** Filters a subscriber chooses; shared by the forms and the digest query. */
export const Filters = z.object({
  categories: z.array(arxivCategory).max(20),
  keywords: z.array(z.string().trim().min(2).max(60)).max(20),
});
export type Filters = z.infer<typeof Filters>;

/** "cs.LG, cs.CL" or one per line, from a form field. */
export const listField = (text: string | undefined) =>
  (text ?? "")
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
