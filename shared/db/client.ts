import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";

/** Built per request or per run from the binding; never held at module scope. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof createDb>;

/** All statements in one D1 batch, a transaction: all apply or none. Nothing to do for none. */
export async function runBatch(db: Db, statements: BatchItem<"sqlite">[]): Promise<unknown[]> {
  const [first, ...rest] = statements;
  return first ? db.batch([first, ...rest]) : [];
}

const dialect = new SQLiteAsyncDialect();

/**
 * Raw SQL statements in one D1 batch, a transaction (drizzle batches only its builders, not `sql`):
 * each becomes a prepared statement with its parameters bound.
 */
export async function runSqlBatch(db: Db, statements: SQL[]): Promise<D1Result[]> {
  if (!statements.length) return [];
  return db.$client.batch(
    statements.map((s) => {
      const q = dialect.sqlToQuery(s);
      return db.$client.prepare(q.sql).bind(...q.params);
    }),
  );
}
