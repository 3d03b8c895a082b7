import { and, isNotNull, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "#shared/db/client";
import { dailyEntries } from "#shared/db/schema";

/** Words a handle may not be: the site's own paths and names that would mislead. */
export const RESERVED_HANDLES = new Set([
  "about",
  "account",
  "accounts",
  "admin",
  "api",
  "dev",
  "docs",
  "feeds",
  "healthz",
  "help",
  "login",
  "logout",
  "me",
  "null",
  "paperboy",
  "papers",
  "preferences",
  "root",
  "search",
  "settings",
  "signin",
  "signout",
  "static",
  "subscribe",
  "support",
  "trending",
  "u",
  "undefined",
  "unsubscribe",
  "webhooks",
  "www",
]);

/** 3 to 30 lower-case letters, digits and hyphens, not a reserved word. */
export const Handle = z
  .string()
  .trim()
  .min(3, "a handle has at least 3 characters")
  .max(30, "a handle has at most 30 characters")
  .regex(/^[a-z0-9-]+$/, "a handle has only lower-case letters, digits and hyphens")
  .refine((h) => !RESERVED_HANDLES.has(h), "this handle is reserved");

export const DisplayName = z.string().trim().max(60, "a display name has at most 60 characters");

/**
 * Whether `handle` is, in any case, the name of an upstream (Hugging Face) submitter of a featured
 * paper: such a handle is refused, so that no account passes for them (README, `submitter=`). A scan
 * of the entries without an account, at a handle's choice only.
 */
export async function isUpstreamSubmitter(db: Db, handle: string): Promise<boolean> {
  const row = await db
    .select({ one: sql`1` })
    .from(dailyEntries)
    .where(
      and(
        isNull(dailyEntries.submitterAccountId),
        isNotNull(dailyEntries.submitterName),
        sql`lower(${dailyEntries.submitterName}) = ${handle.toLowerCase()}`,
      ),
    )
    .limit(1)
    .get();
  return Boolean(row);
}
