import { env } from "cloudflare:test";
import { count } from "drizzle-orm";
import { afterEach, expect, it, vi } from "vitest";
import { D1_MAX_PARAMS } from "#shared/db/chunk";
import { createDb } from "#shared/db/client";
import { announcements, papers } from "#shared/db/schema";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import * as fx from "../support/fixtures";
import { stubUpstream, xml } from "../support/upstream-stub";

afterEach(() => vi.restoreAllMocks());

/** A listing of n items shaped like the real cs.AI capture, with distinct ids. */
function syntheticListing(n: number): string {
  const item = fx.rssAI.slice(fx.rssAI.indexOf("<item>"), fx.rssAI.indexOf("</item>") + "</item>".length);
  const items = Array.from({ length: n }, (_, i) => item.replaceAll("2604.21935", `2604.${String(30000 + i)}`));
  return fx.rssAI.slice(0, fx.rssAI.indexOf("<item>")) + items.join("\n") + "</channel></rss>";
}

it("writes a 600-item listing in statements of at most 100 bound parameters each", async () => {
  stubUpstream({ "https://rss.arxiv.test/rss/cs.AI+cs.CL+cs.CV+cs.LG+stat.ML": () => xml(syntheticListing(600)) });
  const prepared: string[] = [];
  const prepare = env.DB.prepare.bind(env.DB);
  vi.spyOn(env.DB, "prepare").mockImplementation((sql) => {
    prepared.push(sql);
    return prepare(sql);
  });

  const run = await runIngest(env, { source: "arxiv-rss" }, { sleep: async () => {} });

  expect(run).toMatchObject({ status: "ok", read: 600, inserted: 1200 });
  const inserts = prepared.filter((sql) => sql.startsWith("insert into"));
  const params = (sql: string) => (sql.match(/\?/g) ?? []).length;
  expect(Math.max(...prepared.map(params))).toBeLessThanOrEqual(D1_MAX_PARAMS);
  // 600 papers at 5 rows per statement, 600 announcements at 25: several statements each.
  expect(inserts.filter((sql) => sql.startsWith('insert into "papers"')).length).toBe(120);
  expect(inserts.filter((sql) => sql.startsWith('insert into "announcements"')).length).toBe(24);
  const db = createDb(env.DB);
  expect((await db.select({ n: count() }).from(papers).get())!.n).toBe(600);
  expect((await db.select({ n: count() }).from(announcements).get())!.n).toBe(600);
});
