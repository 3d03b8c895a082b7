import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "#shared/db/client";
import { accounts, type FollowKind, follows, notForMe, papers } from "#shared/db/schema";
import { AuthorName, authorKey, papersByAuthor } from "#shared/papers/authors";
import { visible } from "#shared/papers/queries";
import { arxivCategory } from "#shared/papers/records";
import { FOLLOWS_MAX, topicWords, touchReader } from "#shared/readers/reader-store";

/** The longest saved topic: a phrase or a few words, as a search box takes them. */
export const MAX_TOPIC = 100;

const nowSql = sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`.as("created_at");
const noControls = (s: string) => !/\p{Cc}/u.test(s);

/** What a follow form posts, checked per kind; `key` is what matching reads, `label` what the person sees. */
export const FollowBody = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("author"), value: AuthorName }),
    z.object({ kind: z.literal("category"), value: arxivCategory }),
    z.object({
      kind: z.literal("topic"),
      value: z
        .string()
        .trim()
        .min(2, "a topic is at least 2 characters")
        .max(MAX_TOPIC, `a topic is at most ${MAX_TOPIC} characters`)
        .refine(noControls, "a topic holds no control characters")
        .refine((t) => topicWords(t).length > 0, "a topic needs at least one word"),
    }),
  ])
  .transform(({ kind, value }) => ({
    kind,
    label: value.replace(/\s+/g, " "),
    key: kind === "author" ? authorKey(value) : kind === "topic" ? topicWords(value).join(" ") : value,
  }));
export type Follow = z.output<typeof FollowBody>;

export type FollowOutcome = "followed" | "already" | "full" | "unknown-author";

/**
 * Adds a follow, and counts it as a change of the person's model, in one batch: the insert runs
 * only while they hold fewer than FOLLOWS_MAX, and touches nothing when they already follow it.
 * An author followed must have a paper in the catalog.
 */
export async function addFollow(db: Db, accountId: string, follow: Follow): Promise<FollowOutcome> {
  if (follow.kind === "author" && (await papersByAuthor(db, follow.label, 0, 1)).total === 0) return "unknown-author";
  const held = sql`(SELECT count(*) FROM ${follows} WHERE ${follows.accountId} = ${accountId})`;
  const [inserted] = await db.batch([
    db
      .insert(follows)
      .select(
        db
          .select({
            accountId: accounts.id,
            kind: sql<FollowKind>`${follow.kind}`.as("kind"),
            key: sql<string>`${follow.key}`.as("key"),
            label: sql<string>`${follow.label}`.as("label"),
            createdAt: nowSql,
          })
          .from(accounts)
          .where(and(eq(accounts.id, accountId), sql`${held} < ${FOLLOWS_MAX}`)),
      )
      .onConflictDoNothing(),
    touchReader(db, accountId, sql`changes() > 0`),
  ]);
  if (inserted.meta.changes > 0) return "followed";
  const exists = await db
    .select({ kind: follows.kind })
    .from(follows)
    .where(and(eq(follows.accountId, accountId), eq(follows.kind, follow.kind), eq(follows.key, follow.key)))
    .get();
  return exists ? "already" : "full";
}

/** Removes a follow (and counts the change); false when there was none. */
export async function removeFollow(db: Db, accountId: string, kind: FollowKind, key: string): Promise<boolean> {
  const [removed] = await db.batch([
    db
      .delete(follows)
      .where(and(eq(follows.accountId, accountId), eq(follows.kind, kind), eq(follows.key, key)))
      .returning({ key: follows.key }),
    touchReader(db, accountId, sql`changes() > 0`),
  ]);
  return removed.length > 0;
}

/**
 * Marks a paper "not for me" (and counts the change), in one batch whose insert reads the paper:
 * an unknown or hidden paper writes nothing. Null when the paper is not shown; else whether the
 * mark is new.
 */
export async function markNotForMe(db: Db, accountId: string, paperId: string): Promise<boolean | null> {
  const [inserted, , shown] = await db.batch([
    db
      .insert(notForMe)
      .select(
        db
          .select({ accountId: sql<string>`${accountId}`.as("account_id"), paperId: papers.id, createdAt: nowSql })
          .from(papers)
          .where(and(eq(papers.id, paperId), visible)),
      )
      .onConflictDoNothing(),
    touchReader(db, accountId, sql`changes() > 0`),
    db
      .select({ id: papers.id })
      .from(papers)
      .where(and(eq(papers.id, paperId), visible)),
  ]);
  if (!shown.length) return null;
  return inserted.meta.changes > 0;
}
