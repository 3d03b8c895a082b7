import { eq } from "drizzle-orm";
import type { PurgeRequest } from "#shared/contracts";
import type { Db } from "#shared/db/client";
import { comments, dailyEntries, papers } from "#shared/db/schema";
import { ApiError, badRequest, notFound } from "../errors";
import { type AuditActor, auditStatement } from "./audit";

/**
 * What curators change, each in one D1 batch with its audit row (who, what, when, before and
 * after), so that no change goes unrecorded and no record describes a change that did not happen.
 * Each returns what the caches must forget.
 */

const now = () => new Date().toISOString();

async function paperRow(db: Db, id: string) {
  const row = await db
    .select({
      id: papers.id,
      hiddenAt: papers.hiddenAt,
      codeUrl: papers.codeUrl,
      projectUrl: papers.projectUrl,
      linksCuratedAt: papers.linksCuratedAt,
    })
    .from(papers)
    .where(eq(papers.id, id))
    .get();
  if (!row) throw notFound(`paper ${id} is not in the catalog`);
  return row;
}

const entryOf = (db: Db, id: string) => db.select().from(dailyEntries).where(eq(dailyEntries.paperId, id)).get();

/** Features a paper on a day (a paper is featured once: an existing entry must be unfeatured first). */
export async function featurePaper(db: Db, by: AuditActor, id: string, day: string): Promise<PurgeRequest> {
  await paperRow(db, id);
  const existing = await entryOf(db, id);
  if (existing)
    throw new ApiError(
      409,
      "conflict",
      `paper ${id} is already featured on ${existing.day}: unfeature it first to move it`,
    );
  const entry = { paperId: id, day, source: "curator" as const };
  await db.batch([
    db.insert(dailyEntries).values(entry),
    auditStatement(db, { by, action: "feature-paper", target: id, before: null, after: entry }),
  ]);
  return { papers: [id], days: [day] };
}

export async function unfeaturePaper(db: Db, by: AuditActor, id: string): Promise<PurgeRequest> {
  const existing = await entryOf(db, id);
  if (!existing) throw badRequest("invalid_request", `paper ${id} is not featured on any day`);
  await db.batch([
    db.delete(dailyEntries).where(eq(dailyEntries.paperId, id)),
    auditStatement(db, { by, action: "unfeature-paper", target: id, before: existing, after: null }),
  ]);
  return { papers: [id], days: [existing.day] };
}

/** Writes a paper's row (`audit.target`) and its audit row in one batch; the caches forget the paper and its day. */
async function changePaper(
  db: Db,
  set: Partial<typeof papers.$inferInsert>,
  audit: Parameters<typeof auditStatement>[1],
): Promise<PurgeRequest> {
  await db.batch([db.update(papers).set(set).where(eq(papers.id, audit.target)), auditStatement(db, audit)]);
  const entry = await entryOf(db, audit.target);
  return { papers: [audit.target], days: entry ? [entry.day] : [] };
}

/** Hides a paper from every page, feed, search, the API and digests, or shows it again. */
export async function setPaperHidden(db: Db, by: AuditActor, id: string, hidden: boolean): Promise<PurgeRequest> {
  const row = await paperRow(db, id);
  const hiddenAt = hidden ? (row.hiddenAt ?? now()) : null;
  return changePaper(
    db,
    { hiddenAt },
    {
      by,
      action: hidden ? "hide-paper" : "show-paper",
      target: id,
      before: { hiddenAt: row.hiddenAt },
      after: { hiddenAt },
    },
  );
}

/** Sets a paper's code and project links; the daily feed no longer overwrites them. Empty clears a link. */
export async function editLinks(
  db: Db,
  by: AuditActor,
  id: string,
  links: { codeUrl: string | null; projectUrl: string | null },
): Promise<PurgeRequest> {
  const row = await paperRow(db, id);
  const after = { ...links, linksCuratedAt: now() };
  return changePaper(db, after, {
    by,
    action: "edit-links",
    target: id,
    before: { codeUrl: row.codeUrl, projectUrl: row.projectUrl, linksCuratedAt: row.linksCuratedAt },
    after,
  });
}

/** Hides a comment (its text no longer shows, its replies stay), or shows it again. */
export async function setCommentHidden(
  db: Db,
  by: AuditActor,
  commentId: string,
  hidden: boolean,
): Promise<PurgeRequest & { paperId: string }> {
  const row = await db
    .select({ id: comments.id, paperId: comments.paperId, hiddenAt: comments.hiddenAt })
    .from(comments)
    .where(eq(comments.id, commentId))
    .get();
  if (!row) throw notFound(`there is no comment ${commentId}`);
  const hiddenAt = hidden ? (row.hiddenAt ?? now()) : null;
  await db.batch([
    db.update(comments).set({ hiddenAt }).where(eq(comments.id, commentId)),
    auditStatement(db, {
      by,
      action: hidden ? "hide-comment" : "show-comment",
      target: `comment:${commentId}`,
      before: { paperId: row.paperId, hiddenAt: row.hiddenAt },
      after: { paperId: row.paperId, hiddenAt },
    }),
  ]);
  const entry = await entryOf(db, row.paperId);
  return { paperId: row.paperId, papers: [row.paperId], days: entry ? [entry.day] : [] };
}
