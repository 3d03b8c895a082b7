import { base64url, hmacKey, hmacSign, sha256Hex } from "../crypto";

/** A sign-in link works for 15 minutes, once. */
export const SIGNIN_TTL_MS = 15 * 60_000;

/**
 * The secret of a sign-in link: HMAC-SHA-256(TOKEN_SECRET, "signin:" + id), base64url. The API
 * stores only its SHA-256; the mailer derives it again from the id in the message, so the queue and
 * the database never hold a usable token, and a re-rendered mail is byte-identical.
 */
export async function signinToken(secret: string, tokenId: string): Promise<string> {
  return `${tokenId}.${base64url(await hmacSign(await hmacKey(secret), `signin:${tokenId}`))}`;
}

export const signinTokenHash = (token: string) => sha256Hex(token);

export const signinUrl = (siteUrl: string, token: string) =>
  `${siteUrl}/signin/verify?token=${encodeURIComponent(token)}`;
