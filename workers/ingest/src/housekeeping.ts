import { lt } from "drizzle-orm";
import { createDb } from "#shared/db/client";
import { sessions, signinTokens } from "#shared/db/schema";
import { DAY_MS } from "#shared/domain/periods";

/**
 * A sign-in token is its mail's ledger row too: it is kept a day past its 15-minute life, longer
 * than the mail's retries (at most 77 minutes), then deleted with the sessions that have expired.
 */
export async function purgeExpiredSignins(d1: D1Database, at: Date): Promise<{ tokens: number; sessions: number }> {
  const db = createDb(d1);
  const [tokens, gone] = await db.batch([
    db
      .delete(signinTokens)
      .where(lt(signinTokens.expiresAt, at.getTime() - DAY_MS))
      .returning({ id: signinTokens.id }),
    db.delete(sessions).where(lt(sessions.expiresAt, at.getTime())).returning({ idHash: sessions.idHash }),
  ]);
  return { tokens: tokens.length, sessions: gone.length };
}
