// npm run profile:search — where a search's time goes on the real catalog of ../shared/corpus
// (built by scripts/lib/real-catalog.mjs, as eval:search builds it). The production searchPapers
// (shared/papers/queries.ts), bundled by esbuild for Node, runs through drizzle's D1 driver over
// a small D1 shim on the catalog's SQLite file (node:sqlite, read-only), so that the time in SQL
// (the two statements) and the time in JavaScript (drizzle's rows, the rescoring, highlighting)
// are told apart. One query at a time, in one process: the figures are for comparing budgets and
// steps in the same run, not the worker's latency (workerd, D1 and the network add theirs).
// Queries: the first PROFILE_QUERIES (30) ai_summary sentences (cut to 250 characters at a word)
// and two-word ai_keywords topics of hf-daily-2024-2025.jsonl.gz. PROFILE_BUDGETS (30000,60000,
// 10000) are the postings budgets tried (POSTINGS_BUDGET, then SHORT_QUERY_BUDGET, then a smaller one).
import { createReadStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { createGunzip } from "node:zlib";
import { build } from "esbuild";
import { ROOT } from "./lib/local-stack.mjs";
import { DAILY_FILE, realCatalog } from "./lib/real-catalog.mjs";

const COUNT = Number(process.env.PROFILE_QUERIES ?? 30);
const BUDGETS = (process.env.PROFILE_BUDGETS ?? "30000,60000,10000").split(",").map(Number);

const catalog = await realCatalog();
const out = join(ROOT, ".bench", "profile-search");
mkdirSync(out, { recursive: true });
const bundle = join(out, "search.mjs");
await build({
  stdin: {
    contents: 'export { drizzle } from "drizzle-orm/d1"; export { searchPapers } from "./shared/papers/queries";',
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: bundle,
  logLevel: "error",
});
const { drizzle, searchPapers } = await import(bundle);

const sqlite = new DatabaseSync(catalog.dbFile, { readOnly: true });
let sqlMs = 0;
/** The part of a D1 prepared statement that drizzle's D1 driver calls, timed. */
const statement = (query, params = []) => {
  const timed = (rows) => {
    const start = performance.now();
    const result = rows(sqlite.prepare(query));
    sqlMs += performance.now() - start;
    return result;
  };
  return {
    bind: (...values) => statement(query, values),
    all: async () => ({ results: timed((s) => s.all(...params)), success: true, meta: {} }),
    raw: async () => timed((s) => s.all(...params).map((row) => Object.values(row))),
    first: async () => timed((s) => s.get(...params)) ?? null,
    run: async () => ({ results: timed((s) => s.all(...params)), success: true, meta: {} }),
  };
};
const db = drizzle({
  prepare: (query) => statement(query),
  batch: async (all) => Promise.all(all.map((s) => s.all())),
});

/** @type {{ sentence: string[]; topic: string[] }} */
const sets = { sentence: [], topic: [] };
for await (const line of createInterface({ input: createReadStream(DAILY_FILE).pipe(createGunzip()) })) {
  const paper = JSON.parse(line);
  if (paper.ai_summary && sets.sentence.length < COUNT) {
    sets.sentence.push(
      paper.ai_summary.length > 250 ? paper.ai_summary.slice(0, 250).replace(/\s\S*$/, "") : paper.ai_summary,
    );
  }
  for (const k of paper.ai_keywords ?? []) {
    if (k.trim().split(/\s+/).length === 2 && sets.topic.length < COUNT) sets.topic.push(k.trim().toLowerCase());
  }
}

console.log(`# Search profile (${new Date().toISOString()}, node ${process.version}): ${catalog.stats.count} papers`);
console.log("\n| set | budget | ms a query | in SQL | in JavaScript |\n|---|---:|---:|---:|---:|");
for (const [name, queries] of Object.entries(sets)) {
  for (const budget of BUDGETS) {
    for (const q of queries.slice(0, 3)) await searchPapers(db, q, { budget }); // warm the page cache
    sqlMs = 0;
    const start = performance.now();
    for (const q of queries) await searchPapers(db, q, { limit: 20, budget });
    const each = (performance.now() - start) / queries.length;
    const inSql = sqlMs / queries.length;
    console.log(
      `| ${name} (${queries.length}) | ${budget} | ${each.toFixed(1)} | ${inSql.toFixed(1)} | ${(each - inSql).toFixed(1)} |`,
    );
  }
}
