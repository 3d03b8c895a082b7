import { z } from "zod";
import { arxivCategory } from "../papers/records";

export const Frequency = z.enum(["daily", "weekly"]);
export type Frequency = z.infer<typeof Frequency>;

/** "daily:2026-06-12" (one UTC day) or "weekly:2026-W24" (one ISO week). */
export const PeriodKey = z.string().regex(/^(daily:\d{4}-\d{2}-\d{2}|weekly:\d{4}-W\d{2})$/, "not a period key");

/** The queue's one message schema: the API and the ingest worker produce it, the mailer parses it. */
export const MailMessage = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("confirm"), subscriberId: z.string().min(1), requestedAt: z.iso.datetime() }),
  z.object({ kind: z.literal("digest"), subscriberId: z.string().min(1), period: PeriodKey }),
]);
export type MailMessage = z.infer<typeof MailMessage>;

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
