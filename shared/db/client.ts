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

/** A statement that can go in a D1 batch and, awaited alone, answers `T`: a drizzle builder (its `db.get(sql)` with parameters goes in no batch). */
export type Batchable<T> = BatchItem<"sqlite"> & PromiseLike<T>;

/** Sends a statement with the others the request makes in the same turn (jointReader), or alone. */
export type JointReader = <T>(statement: Batchable<T>) => Promise<T>;

/** A statement sent on its own: where no other part of the request reads beside it. */
export const alone: JointReader = (statement) => Promise.resolve(statement);

/**
 * Statements that parts of one request make without waiting on each other, sent to D1 as one batch:
 * each statement asked for before the next macrotask goes with the others asked for by then (a part
 * whose work before its statement is computation alone, in microtasks, is always in time), and each
 * gets its own answer. A round trip costs about what a statement does (docs/benchmarks.md). A batch
 * is a transaction: when it fails, each statement is sent again alone, so that one part's failing
 * statement never fails another part.
 */
export function jointReader(db: Db): JointReader {
  type Queued = { statement: Batchable<unknown>; resolve: (answer: unknown) => void; reject: (err: unknown) => void };
  let queued: Queued[] = [];
  const send = async () => {
    const all = queued;
    queued = [];
    if (all.length > 1) {
      try {
        const answers = await runBatch(
          db,
          all.map((q) => q.statement),
        );
        for (const [i, q] of all.entries()) q.resolve(answers[i]);
        return;
      } catch (err) {
        console.warn("a joint read failed; its statements are sent again one by one", err);
      }
    }
    for (const q of all) alone(q.statement).then(q.resolve, q.reject);
  };
  return <T>(statement: Batchable<T>) =>
    new Promise<T>((resolve, reject) => {
      if (!queued.length) setTimeout(send, 0);
      queued.push({ statement, resolve: resolve as (answer: unknown) => void, reject });
    });
}
