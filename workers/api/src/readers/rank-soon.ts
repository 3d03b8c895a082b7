import type { Context } from "hono";
import { createDb } from "#shared/db/client";
import { forYou } from "#shared/readers/reader-store";
import { vectorIndexFrom } from "#shared/vectors/from-env";
import type { AppEnv } from "../env";

/**
 * After a write that changed what a person's For-you model is made of (a vote, a follow, a mark):
 * the ranking of someone who reads For you (who has one kept) is built again once the answer is
 * sent (waitUntil), so that their next view finds it ready rather than building it then. Someone
 * who never opened For you costs nothing; a failure only leaves the work to the next view.
 */
export function rankAgainSoon<E extends AppEnv>(c: Context<E>, accountId: string) {
  const db = createDb(c.env.DB);
  c.executionCtx.waitUntil(
    forYou(db, vectorIndexFrom(c.env, db), accountId, new Date(), "ahead").catch((err: unknown) => {
      console.error("For you: ranking again after a change failed", err);
    }),
  );
}
