import { and, asc, eq, exists, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "#shared/db/client";
import { accounts, comments, papers } from "#shared/db/schema";
import { visible } from "#shared/papers/queries";

/** How long after posting its author may edit a comment. */
export const EDIT_WINDOW_MS = 15 * 60_000;
/** When a comment written at `createdAt` can no longer be edited. */
export const editableUntil = (createdAt: string) => new Date(Date.parse(createdAt) + EDIT_WINDOW_MS).toISOString();
/** The longest comment, in characters of Markdown as written. */
export const MAX_COMMENT_LENGTH = 5000;
/** The most comments a paper page shows (top-level and replies together), oldest first. */
export const THREAD_MAX = 1000;

export interface CommentView {
  id: string;
  parentId: string | null;
  /** The author's handle; null once the account is erased. */
  handle: string | null;
  displayName: string | null;
  body: string;
  createdAt: string;
  editedAt: string | null;
  state: "visible" | "deleted" | "hidden";
}

export interface ThreadComment extends CommentView {
  replies: CommentView[];
}

/** Every comment of a paper with its author, oldest first, whatever its state (the curators' desk reads them all). */
export function paperComments(db: Db, paperId: string) {
  return db
    .select({
      id: comments.id,
      parentId: comments.parentId,
      handle: accounts.handle,
      displayName: accounts.displayName,
      body: comments.body,
      createdAt: comments.createdAt,
      editedAt: comments.editedAt,
      deletedAt: comments.deletedAt,
      hiddenAt: comments.hiddenAt,
    })
    .from(comments)
    .leftJoin(accounts, eq(accounts.id, comments.accountId))
    .where(eq(comments.paperId, paperId))
    .orderBy(asc(comments.createdAt), asc(comments.id));
}

/** The rows of a paper's discussion, to run alone or in a batch (threadOf shapes them). */
export const commentThreadQuery = (db: Db, paperId: string) => paperComments(db, paperId).limit(THREAD_MAX);

/**
 * The rows of commentThreadQuery as a paper's discussion: top-level comments oldest first, each with
 * its replies oldest first; what a deleted or hidden comment said is not kept.
 */
export function threadOf(rows: Awaited<ReturnType<typeof commentThreadQuery>>): ThreadComment[] {
  const top = new Map<string, ThreadComment>();
  const replies: CommentView[] = [];
  for (const r of rows) {
    const state = r.hiddenAt ? "hidden" : r.deletedAt ? "deleted" : "visible";
    const view: CommentView = {
      id: r.id,
      parentId: r.parentId,
      handle: r.handle,
      displayName: r.displayName,
      body: state === "visible" ? r.body : "",
      createdAt: r.createdAt,
      editedAt: r.editedAt,
      state,
    };
    if (r.parentId) replies.push(view);
    else top.set(r.id, { ...view, replies: [] });
  }
  for (const r of replies) top.get(r.parentId!)?.replies.push(r);
  return [...top.values()];
}

export type CommentRow = typeof comments.$inferSelect;

export const commentById = (db: Db, id: string) => db.select().from(comments).where(eq(comments.id, id)).get();

/** Whether the paper is in the catalog and not hidden by a curator: a hidden paper takes no comment. */
export const paperVisible = async (db: Db, paperId: string) =>
  Boolean(
    await db
      .select({ id: papers.id })
      .from(papers)
      .where(and(eq(papers.id, paperId), visible))
      .get(),
  );

/**
 * A new comment, or a reply under `parentId`, the top-level comment it sits under. Written only
 * while the paper is visible and that comment is a live (neither deleted nor hidden) top-level
 * comment of the same paper: the conditions are in the INSERT itself, so that a curator's hiding
 * between the route's checks and the write cannot be outrun. Returns the id, or null when nothing
 * was written.
 */
export async function insertComment(
  db: Db,
  c: { paperId: string; accountId: string; parentId: string | null; body: string; now: Date },
): Promise<string | null> {
  const id = crypto.randomUUID();
  const parent = alias(comments, "parent");
  const underLiveParent = c.parentId
    ? exists(
        db
          .select({ one: sql`1` })
          .from(parent)
          .where(
            and(
              eq(parent.id, c.parentId),
              eq(parent.paperId, c.paperId),
              isNull(parent.parentId),
              isNull(parent.deletedAt),
              isNull(parent.hiddenAt),
            ),
          ),
      )
    : undefined;
  const rows = await db
    .insert(comments)
    .select(
      db
        .select({
          id: sql<string>`${id}`.as("id"),
          paperId: papers.id,
          accountId: sql<string>`${c.accountId}`.as("account_id"),
          parentId: sql<string | null>`${c.parentId}`.as("parent_id"),
          body: sql<string>`${c.body}`.as("body"),
          createdAt: sql<string>`${c.now.toISOString()}`.as("created_at"),
          editedAt: sql<string | null>`NULL`.as("edited_at"),
          deletedAt: sql<string | null>`NULL`.as("deleted_at"),
          hiddenAt: sql<string | null>`NULL`.as("hidden_at"),
        })
        .from(papers)
        .where(and(eq(papers.id, c.paperId), visible, underLiveParent)),
    )
    .returning({ id: comments.id });
  return rows.length ? id : null;
}

/**
 * Edits the author's own visible comment inside its edit window; the conditions are in the UPDATE
 * itself, so a check made before it cannot be outrun. Returns whether it changed the row.
 */
export async function editComment(db: Db, id: string, accountId: string, body: string, now: Date): Promise<boolean> {
  const since = new Date(now.getTime() - EDIT_WINDOW_MS).toISOString();
  const rows = await db
    .update(comments)
    .set({ body, editedAt: now.toISOString() })
    .where(
      and(
        eq(comments.id, id),
        eq(comments.accountId, accountId),
        isNull(comments.deletedAt),
        isNull(comments.hiddenAt),
        sql`${comments.createdAt} > ${since}`,
      ),
    )
    .returning({ id: comments.id });
  return rows.length === 1;
}

/**
 * Deletes the author's own comment softly: the row stays, so that its replies stay in place, but
 * its text goes. Returns whether it changed the row.
 */
export async function deleteComment(db: Db, id: string, accountId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(comments)
    .set({ body: "", deletedAt: now.toISOString() })
    .where(and(eq(comments.id, id), eq(comments.accountId, accountId), isNull(comments.deletedAt)))
    .returning({ id: comments.id });
  return rows.length === 1;
}
