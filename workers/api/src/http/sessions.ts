import { and, desc, eq, gt } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { base64url, sha256Hex } from "#shared/crypto";
import { createDb, type Db } from "#shared/db/client";
import { type AccountRow, accounts, sessions } from "#shared/db/schema";
import { DAY_MS } from "#shared/domain/periods";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** `__Host-`: Secure, Path=/, no Domain, so no other host or path can set or read it. */
export const SESSION_COOKIE = "__Host-session";
export const SESSION_TTL_MS = 30 * DAY_MS;
/** The sliding expiry is written at most this often, not on every request. */
const SLIDE_EVERY_MS = 3_600_000;

const cookieOptions = { httpOnly: true, secure: true, sameSite: "Lax", path: "/" } as const;

const randomId = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Starts a session for `accountId` and sets its cookie; only the id's SHA-256 is stored. */
export async function startSession(db: Db, c: Context, accountId: string, now = Date.now()) {
  const id = randomId();
  await db.insert(sessions).values({
    idHash: await sha256Hex(id),
    accountId,
    expiresAt: now + SESSION_TTL_MS,
    userAgent: (c.req.header("User-Agent") ?? "").slice(0, 200) || null,
  });
  setCookie(c, SESSION_COOKIE, id, { ...cookieOptions, maxAge: SESSION_TTL_MS / 1000 });
}

export type Session = { account: AccountRow; idHash: string };

/** The live session the cookie names, its expiry moved on (sliding); null when there is none. */
export async function currentSession(db: Db, c: Context, now = Date.now()): Promise<Session | null> {
  const id = getCookie(c, SESSION_COOKIE);
  if (!id || id.length > 100) return null;
  const idHash = await sha256Hex(id);
  const row = await db
    .select({ account: accounts, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(accounts, eq(accounts.id, sessions.accountId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)))
    .get();
  if (!row) return null;
  if (row.expiresAt - now < SESSION_TTL_MS - SLIDE_EVERY_MS) {
    await db
      .update(sessions)
      .set({ expiresAt: now + SESSION_TTL_MS, lastSeenAt: new Date(now).toISOString() })
      .where(eq(sessions.idHash, idHash));
    setCookie(c, SESSION_COOKIE, id, { ...cookieOptions, maxAge: SESSION_TTL_MS / 1000 });
  }
  return { account: row.account, idHash };
}

/** The signed-in account, or a 401 (a page, or JSON under /api) that says to sign in. */
export async function requireSession(c: Context<AppEnv>, message = "Sign in to see your account."): Promise<Session> {
  const session = await currentSession(createDb(c.env.DB), c);
  if (!session) throw new ApiError(401, "unauthorized", message);
  return session;
}

export const activeSessions = (db: Db, accountId: string, now = Date.now()) =>
  db
    .select()
    .from(sessions)
    .where(and(eq(sessions.accountId, accountId), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastSeenAt));

export const clearSessionCookie = (c: Context) => deleteCookie(c, SESSION_COOKIE, cookieOptions);

export async function endSession(db: Db, c: Context, session: Session) {
  await db.delete(sessions).where(eq(sessions.idHash, session.idHash));
  clearSessionCookie(c);
}

export async function endAllSessions(db: Db, c: Context, accountId: string) {
  await db.delete(sessions).where(eq(sessions.accountId, accountId));
  clearSessionCookie(c);
}
