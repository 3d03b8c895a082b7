import { env } from "cloudflare:test";
import { sha256Hex } from "#shared/crypto";

let made = 0;

/**
 * An account with a live session, written straight to D1 (the sign-in flow has its own tests in
 * test/accounts/signin.test.ts): returns the Cookie header that carries the session.
 */
export async function signedInAccount(handle = `user-${++made}`, opts: { expiresAt?: number } = {}) {
  const id = crypto.randomUUID();
  const sessionId = `session-${crypto.randomUUID()}`;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO accounts (id, email, handle) VALUES (?1, ?2, ?3)").bind(
      id,
      `${handle}@example.com`,
      handle,
    ),
    env.DB.prepare("INSERT INTO sessions (id_hash, account_id, expires_at) VALUES (?1, ?2, ?3)").bind(
      await sha256Hex(sessionId),
      id,
      opts.expiresAt ?? Date.now() + 86_400_000,
    ),
  ]);
  return { id, handle, cookie: `__Host-session=${sessionId}` };
}
