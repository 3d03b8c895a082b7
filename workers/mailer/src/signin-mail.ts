import { and, eq, inArray, ne } from "drizzle-orm";
import { signinTokens, suppressions } from "#shared/db/schema";
import { suppressionHashesOf } from "#shared/mail/address";
import { isSettled, type SettledStatus } from "#shared/mail/ledger";
import { signinToken, signinUrl } from "#shared/mail/signin";
import { suppress } from "#shared/mail/subscribers";
import type { Deps } from "./deps";
import { renderSignin } from "./render";
import { backoffSeconds, heldRetrySeconds, LEASE_MS } from "./retry-policy";

/** The queue messages of one sign-in mail (several when a message came twice). */
export type SigninMail = { tokenId: string; msgs: Message<unknown>[] };

/**
 * Sign-in mails, each its own Resend call. The signin_tokens row is the ledger: claimed with a
 * lease before the call, settled after it. Its Idempotency-Key ("paperboy-signin-<id>") and its
 * bytes are fixed by the id, so a call of unknown outcome is replayed as the same call and Resend
 * answers it from its idempotency store instead of sending again. Suppressed addresses and links
 * that expired before they could be sent are skipped.
 */
export async function sendSignins(mails: SigninMail[], deps: Deps): Promise<void> {
  const { d1, db, config } = deps;
  for (const { tokenId, msgs } of mails) {
    const ack = () => {
      for (const m of msgs) m.ack();
    };
    const finish = async (mailStatus: SettledStatus, detail: string | null) => {
      await db
        .update(signinTokens)
        .set({ mailStatus, mailDetail: detail, leaseUntil: null })
        .where(eq(signinTokens.id, tokenId));
      ack();
    };
    const row = await db.select().from(signinTokens).where(eq(signinTokens.id, tokenId)).get();
    if (!row || isSettled(row.mailStatus)) {
      ack();
      continue;
    }
    const hashes = await suppressionHashesOf(deps.suppression, row.email);
    // An erasure promised no more mail unless asked for anew, and a sign-in request is asked anew
    // (as a new subscription is); an address that bounced or complained is never mailed.
    const blocking = and(inArray(suppressions.emailHash, hashes), ne(suppressions.reason, "erased"));
    if ((await db.select({ h: suppressions.emailHash }).from(suppressions).where(blocking)).length) {
      await finish("skipped", "address is suppressed");
      continue;
    }
    if (row.expiresAt < Date.now() || row.usedAt) {
      await finish("skipped", "the link expired before it could be sent");
      continue;
    }
    const now = Date.now();
    const claimed = await d1
      .prepare(
        `UPDATE signin_tokens SET mail_status = 'sending', lease_until = ?1, attempts = attempts + 1
         WHERE id = ?2 AND mail_status IN ('queued', 'sending') AND (lease_until IS NULL OR lease_until < ?3) RETURNING id`,
      )
      .bind(now + LEASE_MS, tokenId, now)
      .first();
    if (!claimed) {
      const again = await db.select().from(signinTokens).where(eq(signinTokens.id, tokenId)).get();
      if (!again || isSettled(again.mailStatus)) ack();
      else for (const m of msgs) m.retry({ delaySeconds: heldRetrySeconds(again.leaseUntil) });
      continue;
    }
    const url = signinUrl(config.SITE_URL, await signinToken(config.TOKEN_SECRET, tokenId));
    const outcome = await deps.transport.sendBatch(
      [{ to: row.email, ...(await renderSignin({ url })), headers: {} }],
      `paperboy-signin-${tokenId}`,
    );
    if (!outcome.ok && outcome.alreadyAccepted) await finish("sent", "accepted earlier under the same Idempotency-Key");
    else if (!outcome.ok) {
      await db
        .update(signinTokens)
        .set({
          mailStatus: "sending",
          mailDetail: `will retry after attempt ${row.attempts + 1}: ${outcome.error}`,
          leaseUntil: null,
        })
        .where(eq(signinTokens.id, tokenId));
      for (const m of msgs)
        m.retry({ delaySeconds: backoffSeconds(m.attempts, outcome.retryAfterSeconds, deps.random) });
    } else if (outcome.items[0]?.ok) await finish("sent", null);
    else {
      await suppress(db, deps.suppression, [row.email], "invalid");
      await finish("failed", outcome.items[0]?.error ?? "refused");
    }
  }
}
