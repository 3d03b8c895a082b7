import type { Context, MiddlewareHandler } from "hono";
import { createDb } from "#shared/db/client";
import type { AccountRow } from "#shared/db/schema";
import type { AppEnv } from "../env";
import { currentSession, type Session } from "./sessions";

/** A session whose account has chosen its handle (it names the author of what the account writes). */
export type SessionWithHandle = Session & { account: AccountRow & { handle: string } };

/** What a route behind a gate finds on its context: `c.var.session`. */
export type SignedInEnv = AppEnv & { Variables: { session: Session } };
export type WithHandleEnv = AppEnv & { Variables: { session: SessionWithHandle } };

/**
 * The answer to a request without a live session: a page, a redirect, or a thrown ApiError. (Its
 * context is typed as the routes' own, but holds no session.)
 */
type SignedOut<E extends AppEnv> = (c: Context<E>) => Response | Promise<Response>;

/** "Must be signed in": the live session goes on the context, or `signedOut` answers. */
export const signedInGate =
  (signedOut: SignedOut<SignedInEnv>): MiddlewareHandler<SignedInEnv> =>
  async (c, next) => {
    const session = await currentSession(createDb(c.env.DB), c);
    if (!session) return signedOut(c);
    c.set("session", session);
    await next();
  };

/** "Must be signed in, must have a handle": an account without one is sent to `chooseHandle` (303). */
export const handleGate =
  (signedOut: SignedOut<WithHandleEnv>, chooseHandle: string): MiddlewareHandler<WithHandleEnv> =>
  async (c, next) => {
    const session = await currentSession(createDb(c.env.DB), c);
    if (!session) return signedOut(c);
    const { handle } = session.account;
    if (!handle) return c.redirect(chooseHandle, 303);
    c.set("session", { ...session, account: { ...session.account, handle } });
    await next();
  };
