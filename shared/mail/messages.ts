import { z } from "zod";
import type { SubscriberMail } from "../contracts";
import { FREQUENCIES } from "../db/schema";
import { arxivCategory } from "../papers/records";

export const Frequency = z.enum(FREQUENCIES);
export type Frequency = z.infer<typeof Frequency>;

const CONFIRM = "confirm:";

/** The ledger row of a subscriber's mail: a digest's period, or the confirmation request's time. A sign-in mail's ledger is its signin_tokens row. */
export const deliveryKeyOf = (m: SubscriberMail) => ({
  subscriberId: m.subscriberId,
  period: m.kind === "digest" ? m.period : `${CONFIRM}${m.requestedAt}`,
});

/** The message a ledger row stands for (the inverse of deliveryKeyOf). */
export const messageOf = (k: { subscriberId: string; period: string }): SubscriberMail =>
  k.period.startsWith(CONFIRM)
    ? { kind: "confirm", subscriberId: k.subscriberId, requestedAt: k.period.slice(CONFIRM.length) }
    : { kind: "digest", subscriberId: k.subscriberId, period: k.period };

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
