import type { Context, MiddlewareHandler } from "hono";
import { createDb } from "#shared/db/client";
import { type AppEnv, readConfig } from "../env";
import { ApiError } from "../errors";
import { PRIVATE } from "../http/private-page";
import { currentSession } from "../http/sessions";

/** Who is curating: a signed-in curator (forms in a browser) or a script holding the bearer token. */
export interface Curator {
  /** As written in the audit log: "@handle" (the handle it has now), or "admin token". */
  actor: string;
  /** The curator's account, recorded beside `actor`; null for the admin token. */
  accountId: string | null;
  via: "session" | "token";
}

export type CuratorEnv = AppEnv & { Variables: { curator: Curator } };

const encoder = new TextEncoder();

/** Constant-time comparison, so that the token cannot be guessed byte by byte from timings. */
function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

async function curatorOf(c: Context<CuratorEnv>): Promise<Curator | null> {
  const config = readConfig(c.env);
  const bearer = c.req.header("Authorization")?.replace(/^Bearer\s+/i, "");
  if (bearer !== undefined)
    return config.ADMIN_TOKEN && bearer && sameSecret(bearer, config.ADMIN_TOKEN)
      ? { actor: "admin token", accountId: null, via: "token" }
      : null;
  const session = await currentSession(createDb(c.env.DB), c);
  if (!session || !config.CURATOR_EMAILS.has(session.account.email)) return null;
  return {
    actor: session.account.handle ? `@${session.account.handle}` : `account ${session.account.id}`,
    accountId: session.account.id,
    via: "session",
  };
}

/**
 * Everything under /admin: the bearer token (scripts) or the session of an account whose address
 * is in CURATOR_EMAILS (people). Answers are private and never stored.
 */
export const requireCurator: MiddlewareHandler<CuratorEnv> = async (c, next) => {
  const curator = await curatorOf(c);
  c.header("Cache-Control", PRIVATE);
  if (!curator) {
    c.header("WWW-Authenticate", 'Bearer realm="paperboy-admin"');
    throw new ApiError(
      401,
      "unauthorized",
      "curators only: sign in with a curator's address, or send the admin bearer token",
    );
  }
  c.set("curator", curator);
  await next();
  c.header("Cache-Control", PRIVATE);
};
