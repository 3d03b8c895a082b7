import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, type Db, jointReader } from "#shared/db/client";
import { countingD1 } from "../../site/site-support";

/** A builder (what a joint reader batches) answering `value` in column x, a bound parameter. */
const one = (db: Db, value: number) => db.select({ x: sql<number>`${value}` }).from(sql`(SELECT 1)`);

describe("a joint reader", () => {
  it("sends the statements asked for in the same turn in one batch, each answered as alone", async () => {
    const { binding, counter } = countingD1(env.DB);
    const db = createDb(binding);
    const read = jointReader(db);
    // the second asked for a few microtasks later, as by a part that computes before its statement
    const later = Promise.resolve()
      .then(() => undefined)
      .then(() => read(one(db, 2)));
    expect(await Promise.all([read(one(db, 1)), later])).toEqual([[{ x: 1 }], [{ x: 2 }]]);
    expect(counter).toMatchObject({ queries: 2, roundTrips: 1 });
  });

  it("sends a statement asked for once an earlier one is answered in a batch of its own", async () => {
    const { binding, counter } = countingD1(env.DB);
    const db = createDb(binding);
    const read = jointReader(db);
    const first = read(one(db, 1));
    const second = first.then(() => read(one(db, 2)));
    expect(await Promise.all([first, second])).toEqual([[{ x: 1 }], [{ x: 2 }]]);
    expect(counter).toMatchObject({ queries: 2, roundTrips: 2 });
  });

  it("fails only the statement that fails: the batch's others are sent again alone", async () => {
    const { binding, counter } = countingD1(env.DB);
    const db = createDb(binding);
    const read = jointReader(db);
    const bad = read(db.select({ x: sql<number>`x` }).from(sql`no_such_table`));
    const good = read(one(db, 1));
    await expect(bad).rejects.toThrow(/no_such_table/);
    expect(await good).toEqual([{ x: 1 }]);
    // the batch, then each alone
    expect(counter.roundTrips).toBe(3);
  });
});
