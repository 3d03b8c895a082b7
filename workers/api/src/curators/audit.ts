import { desc, eq, getTableColumns } from "drizzle-orm";
import type { Db } from "#shared/db/client";
import { type AUDIT_ACTIONS, accounts, auditLog } from "#shared/db/schema";

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditRow = typeof auditLog.$inferSelect;
/** A row as the log shows it, with the curator's account as it is now: null once erased. */
export type AuditEntry = AuditRow & { actorNow: { id: string; handle: string | null } | null };

/** Who acts: "@handle" as it is at the time (or "admin token") and the account, which never changes. */
export interface AuditActor {
  actor: string;
  accountId: string | null;
}

/** The audit row of one curator action, to go in the same batch as the change it records. */
export function auditStatement(
  db: Db,
  entry: { by: AuditActor; action: AuditAction; target: string; before?: unknown; after?: unknown; at?: string },
) {
  return db.insert(auditLog).values({
    at: entry.at ?? new Date().toISOString(),
    actor: entry.by.actor,
    actorAccountId: entry.by.accountId,
    action: entry.action,
    target: entry.target,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}

/** The latest entries, newest first; of one target (a paper id, "comment:<id>") when given. */
export function recentAudit(db: Db, opts: { target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
  return db
    .select({ ...getTableColumns(auditLog), actorNow: { id: accounts.id, handle: accounts.handle } })
    .from(auditLog)
    .leftJoin(accounts, eq(accounts.id, auditLog.actorAccountId))
    .where(opts.target ? eq(auditLog.target, opts.target) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(opts.limit ?? 100)
    .all();
}
