import { z } from "zod";
import type { Db } from "#shared/db/client";
import type { SubscriberRow } from "#shared/db/schema";
import { type Filters, Frequency, listField } from "#shared/mail/messages";
import { type PreferencesUpdate, updateSubscriber } from "#shared/mail/subscribers";

const FilterText = z.string().max(2000).optional();

/** The fields of a form that chooses a digest: its frequency and the filters as typed (comma- or line-separated). */
export const ChoiceFields = { frequency: Frequency.optional(), categories: FilterText, keywords: FilterText };

/** The filters of a form's two text fields, for `Filters` to check. */
export const filterInput = (form: { categories?: string; keywords?: string }) => ({
  categories: listField(form.categories),
  keywords: listField(form.keywords),
});

export type SubscriptionChange =
  | { action: "save"; frequency?: Frequency; filters: Filters }
  | { action: "unsubscribe" }
  | { action: "resume" };

/**
 * Saves a subscription's choices (the frequency stays when the form names none), pauses it
 * (unsubscribes) or resumes it: what the preferences page (a mailed link) and the account page (a
 * session) both do to a subscriber row, after each has checked what its own page allows.
 */
export async function changeSubscription(db: Db, sub: SubscriberRow, change: SubscriptionChange, now: string) {
  const update: PreferencesUpdate =
    change.action === "save"
      ? { frequency: change.frequency ?? sub.frequency, ...change.filters }
      : change.action === "unsubscribe"
        ? { status: "unsubscribed", unsubscribedAt: now }
        : { status: "confirmed", unsubscribedAt: null };
  return updateSubscriber(db, sub.id, update, now);
}
