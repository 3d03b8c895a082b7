import { desc, eq } from "drizzle-orm";
import type { Db } from "#shared/db/client";
import { AUDIT_ACTIONS, auditLog } from "#shared/db/schema";

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditEntry = typeof auditLog.$inferSelect;

/** The audit row of one curator action, to go in the same batch as the change it records. */
export function auditStatement(db: Db, entry: { actor: string; action: AuditAction; target: string; before?: unknown; after?: unknown; at?: string }) {
  return db.insert(auditLog).values({ at: entry.at ?? new Date().toISOString(), actor: entry.actor, action: entry.action, target: entry.target, before: entry.before ?? null, after: entry.after ?? null });
}

/** The latest entries, newest first; of one target (a paper id, "comment:<id>") when given. */
export function recentAudit(db: Db, opts: { target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
  return db
    .select()
    .from(auditLog)
    .where(opts.target ? eq(auditLog.target, opts.target) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(opts.limit ?? 100)
    .all();
}
