import { eq, sql } from "drizzle-orm";
import type { PurgeRequest } from "#shared/contracts";
import type { Db } from "#shared/db/client";
import { type AccountRow, accounts, comments, dailyEntries, signinTokens, subscribers } from "#shared/db/schema";
import type { SuppressionSecrets } from "#shared/mail/address";
import { erasureStatements } from "#shared/mail/subscribers";

/**
 * Erases an account in one D1 batch, so that nothing is left half-erased: its sign-in links, the
 * subscriber of the same address (erased as a subscriber is: only a keyed hash stays, as a
 * suppression) and the account row, whose sessions and upvotes go with it (ON DELETE CASCADE; the
 * upvotes triggers take its votes out of papers.local_upvotes in the same statement). Its comments
 * lose their text and count as deleted; their rows stay, so that replies stay in place, and lose
 * their author by the foreign key (ON DELETE SET NULL). The papers it submitted stay featured
 * without its name (submitter_account_id goes to NULL by its foreign key).
 *
 * Returns what the caches must forget: the papers its comments are on, and the papers and days it
 * submitted, read in the same batch before the writes, so that they are exactly the rows erased.
 */
export async function eraseAccount(
  db: Db,
  secrets: SuppressionSecrets,
  account: AccountRow,
  now = new Date(),
): Promise<{ subscriber: boolean; shown: PurgeRequest }> {
  const subscriber = await db.select().from(subscribers).where(eq(subscribers.email, account.email)).get();
  const [commented, submitted] = await db.batch([
    db.selectDistinct({ paperId: comments.paperId }).from(comments).where(eq(comments.accountId, account.id)),
    db
      .select({ paperId: dailyEntries.paperId, day: dailyEntries.day })
      .from(dailyEntries)
      .where(eq(dailyEntries.submitterAccountId, account.id)),
    // Used links too: each row holds the address in clear, and none is of use once the account is gone.
    db.delete(signinTokens).where(eq(signinTokens.email, account.email)),
    ...(subscriber ? await erasureStatements(db, secrets, subscriber) : []),
    db
      .update(comments)
      .set({ body: "", deletedAt: sql`coalesce(${comments.deletedAt}, ${now.toISOString()})` })
      .where(eq(comments.accountId, account.id)),
    db
      .update(dailyEntries)
      .set({ submitterName: null, submitterFullname: null })
      .where(eq(dailyEntries.submitterAccountId, account.id)),
    db.delete(accounts).where(eq(accounts.id, account.id)),
  ]);
  const shown = {
    papers: [...new Set([...commented, ...submitted].map((r) => r.paperId))],
    days: [...new Set(submitted.map((r) => r.day))],
  };
  return { subscriber: Boolean(subscriber), shown };
}
