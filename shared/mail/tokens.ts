import { z } from "zod";
import { base64url, hmacKey, hmacSign } from "../crypto";

/** What a signed link may do; a token for one purpose is refused for any other. */
export const TokenPurpose = z.enum(["confirm", "prefs", "unsub"]);
export type TokenPurpose = z.infer<typeof TokenPurpose>;

const Claims = z.object({ p: TokenPurpose, s: z.string().min(1).max(64), e: z.number().int() });
type Claims = z.infer<typeof Claims>;

/** Lifetimes in seconds: a confirmation link for a week, links in mails for a year. */
export const TOKEN_TTL: Record<TokenPurpose, number> = {
  confirm: 7 * 86_400,
  prefs: 365 * 86_400,
  unsub: 365 * 86_400,
};

const encoder = new TextEncoder();

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function tokenKey(secret: string) {
  if (secret.length < 16) throw new Error("TOKEN_SECRET must be at least 16 characters");
  return hmacKey(secret);
}

/** `base64url(claims).base64url(HMAC-SHA256(claims))`, expiring `TOKEN_TTL[purpose]` after `now`. */
export async function signToken(
  secret: string,
  purpose: TokenPurpose,
  subject: string,
  now = Date.now(),
): Promise<string> {
  const claims: Claims = { p: purpose, s: subject, e: Math.floor(now / 1000) + TOKEN_TTL[purpose] };
  const body = base64url(encoder.encode(JSON.stringify(claims)));
  const sig = await hmacSign(await tokenKey(secret), body);
  return `${body}.${base64url(sig)}`;
}

export type TokenCheck =
  | { ok: true; subject: string }
  | { ok: false; reason: "malformed" | "forged" | "expired" | "wrong_purpose" };

/** Verifies signature (constant time, by crypto.subtle.verify), purpose and expiry. */
export async function verifyToken(
  secret: string,
  purpose: TokenPurpose,
  token: string,
  now = Date.now(),
): Promise<TokenCheck> {
  const [body, sigText, ...rest] = token.split(".");
  if (!body || !sigText || rest.length) return { ok: false, reason: "malformed" };
  const sig = fromBase64url(sigText);
  const raw = fromBase64url(body);
  if (!sig || !raw) return { ok: false, reason: "malformed" };
  const valid = await crypto.subtle.verify("HMAC", await tokenKey(secret), sig, encoder.encode(body));
  if (!valid) return { ok: false, reason: "forged" };
  let claims: Claims;
  try {
    claims = Claims.parse(JSON.parse(new TextDecoder().decode(raw)));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (claims.p !== purpose) return { ok: false, reason: "wrong_purpose" };
  if (claims.e * 1000 < now) return { ok: false, reason: "expired" };
  return { ok: true, subject: claims.s };
}
