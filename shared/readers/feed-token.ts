import { base64url, hmacKey, hmacSign } from "../crypto";

/**
 * The secret in the address of a person's private For-you feed: their feed key (a random id kept in
 * accounts.feed_key) and HMAC-SHA-256(TOKEN_SECRET, "feed:" + key), base64url. The account page
 * derives it again to show it; a renewal draws a new key, and the old address stops working.
 */
export async function feedToken(secret: string, feedKey: string): Promise<string> {
  return `${feedKey}.${base64url(await hmacSign(await hmacKey(secret), `feed:${feedKey}`))}`;
}

/** The feed key a token names, when its HMAC is right; else null. */
export async function feedKeyOf(secret: string, token: string): Promise<string | null> {
  const key = token.split(".")[0] ?? "";
  if (!/^[0-9a-f-]{36}$/.test(key)) return null;
  const expected = new TextEncoder().encode(await feedToken(secret, key));
  const given = new TextEncoder().encode(token);
  return given.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(given, expected) ? key : null;
}
