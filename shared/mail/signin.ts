import { sha256Hex } from "./address";

/** A sign-in link works for 15 minutes, once. */
export const SIGNIN_TTL_MS = 15 * 60_000;

const encoder = new TextEncoder();

/**
 * The secret of a sign-in link: HMAC-SHA-256(TOKEN_SECRET, "signin:" + id), base64url. The API
 * stores only its SHA-256; the mailer derives it again from the id in the message, so the queue and
 * the database never hold a usable token, and a re-rendered mail is byte-identical.
 */
export async function signinToken(secret: string, tokenId: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`signin:${tokenId}`)));
  let s = "";
  for (const b of mac) s += String.fromCharCode(b);
  return `${tokenId}.${btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

export const signinTokenHash = (token: string) => sha256Hex(token);

export const signinUrl = (siteUrl: string, token: string) => `${siteUrl}/signin/verify?token=${encodeURIComponent(token)}`;
