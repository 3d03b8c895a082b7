import { signToken } from "#shared/mail/tokens";

/**
 * The signed links a mail carries. `issuedAt` fixes the tokens' expiry, so that rendering the same
 * mail again gives the same bytes (Resend refuses a reused Idempotency-Key with another payload).
 */
export async function mailLinks(secret: string, siteUrl: string, subscriberId: string, issuedAt: number) {
  const [confirm, prefs, unsub] = await Promise.all([
    signToken(secret, "confirm", subscriberId, issuedAt),
    signToken(secret, "prefs", subscriberId, issuedAt),
    signToken(secret, "unsub", subscriberId, issuedAt),
  ]);
  return {
    confirm: `${siteUrl}/subscribe/confirm?token=${confirm}`,
    preferences: `${siteUrl}/preferences?token=${prefs}`,
    unsubscribe: `${siteUrl}/unsubscribe?token=${unsub}`,
  };
}
