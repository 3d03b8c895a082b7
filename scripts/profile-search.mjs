// npm run profile:search — where a search's time goes on the real catalog of ../shared/corpus
// (built by scripts/lib/real-catalog.mjs, as eval:search builds it). The production searchPapers
// (shared/papers/queries.ts), bundled by esbuild for Node, runs through drizzle's D1 driver over
// a small D1 shim on the catalog's SQLite file (node:sqlite, read-only), so that the time in SQL
// (the two statements) and the time in JavaScript (drizzle's rows, the rescoring, highlighting)
// are told apart. One query at a time, in one process: the figures are for comparing budgets and
// steps in the same run, not the worker's latency (workerd, D1 and the network add theirs).
// Queries: the first PROFILE_QUERIES (150) of each of eval:search's query sets when it has run on
// this catalog (it keeps them beside the catalog), each also scored as eval:search scores it
// (MRR@10, or nDCG@10 for topics, on a second pass at limit 100) in Node, so that a change's cost
// and its quality are read in one run; else as many ai_summary sentences (cut to 250 characters
// at a word) and two-word ai_keywords topics of hf-daily-2024-2025.jsonl.gz, timed only. The
// figures eval:search reports through the API are the ones that count. PROFILE_BUDGETS
// (default,100000,10000) are the postings budgets tried ("default": the production choice,
// POSTINGS_BUDGET for a sentence and SHORT_QUERY_BUDGET for a short query). When the catalog holds a
// complete space of the local default's vectors, the sentences are then run by words alone, hybrid
// (with the vector arm, shared/vectors/query-arm.ts) and by the arm alone.
import { createReadStream, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { createGunzip } from "node:zlib";
import { build } from "esbuild";
import { ROOT } from "./lib/local-stack.mjs";
import { DAILY_FILE, realCatalog } from "./lib/real-catalog.mjs";

const COUNT = Number(process.env.PROFILE_QUERIES ?? 150);
const BUDGETS = (process.env.PROFILE_BUDGETS ?? "default,100000,10000")
  .split(",")
  .map((b) => (b === "default" ? 0 : Number(b)));

const catalog = await realCatalog();
const out = join(ROOT, ".bench", "profile-search");
mkdirSync(out, { recursive: true });
const bundle = join(out, "search.mjs");
await build({
  stdin: {
    contents: [
      'export { drizzle } from "drizzle-orm/d1";',
      'export { searchPapers } from "./shared/papers/queries";',
      'export { localEmbedder } from "./shared/vectors/local-model";',
      'export { localVectorIndex, decodeCentroids, nearestCentroids, PROBES } from "./shared/vectors/local-index";',
      'export { dequantise } from "./shared/vectors/int8";',
      'export { vectorArm } from "./shared/vectors/query-arm";',
    ].join(" "),
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: bundle,
  logLevel: "error",
});
const {
  drizzle,
  searchPapers,
  localEmbedder,
  localVectorIndex,
  vectorArm,
  decodeCentroids,
  nearestCentroids,
  PROBES,
  dequantise,
} = await import(bundle);

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

/**
 * The queries: eval:search's kept sets when it has run on this catalog (each query with the papers
 * it must find, so that quality is measured beside time), else sentences and topics read here.
 * @type {Record<string, { q: string; relevant?: string[] }[]>}
 */
let sets = { sentence: [], topic: [] };
/** @type {Set<string> | null} */
let judged = null;
const kept = readdirSync(catalog.persistTo).find((f) => f.startsWith("eval-sets-"));
if (kept) {
  const saved = JSON.parse(readFileSync(join(catalog.persistTo, kept), "utf8")).sets;
  sets = { sentence: saved.sentence, topic: saved.topic, title: saved.title };
  for (const name of Object.keys(sets)) sets[name] = sets[name].slice(0, COUNT);
  judged = new Set(saved.judged);
} else {
  for await (const line of createInterface({ input: createReadStream(DAILY_FILE).pipe(createGunzip()) })) {
    const paper = JSON.parse(line);
    if (paper.ai_summary && sets.sentence.length < COUNT) {
      const q = paper.ai_summary.length > 250 ? paper.ai_summary.slice(0, 250).replace(/\s\S*$/, "") : paper.ai_summary;
      sets.sentence.push({ q });
    }
    for (const k of paper.ai_keywords ?? []) {
      if (k.trim().split(/\s+/).length === 2 && sets.topic.length < COUNT)
        sets.topic.push({ q: k.trim().toLowerCase() });
    }
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
/** As eval:search scores: MRR@10 of the one paper, or for a topic nDCG@10 among the judged papers. */
function quality(name, queries, rankings) {
  if (name !== "topic") {
    return mean(
      queries.map(({ relevant }, i) => {
        const r = rankings[i].indexOf(relevant[0]) + 1;
        return r >= 1 && r <= 10 ? 1 / r : 0;
      }),
    );
  }
  return mean(
    queries.map(({ relevant }, i) => {
      const rel = new Set(relevant);
      const top = rankings[i].filter((id) => judged?.has(id)).slice(0, 10);
      const dcg = top.reduce((a, id, k) => a + (rel.has(id) ? 1 / Math.log2(k + 2) : 0), 0);
      let idcg = 0;
      for (let k = 0; k < Math.min(10, rel.size); k++) idcg += 1 / Math.log2(k + 2);
      return dcg / idcg;
    }),
  );
}

console.log(`# Search profile (${new Date().toISOString()}, node ${process.version}): ${catalog.stats.count} papers`);
console.log(
  `queries: ${kept ? `eval:search's sets (${kept}), the first ${COUNT} of each` : "read here (run eval:search first to measure quality too)"}`,
);
console.log(
  "\n| set | budget | ms a query | in SQL | in JavaScript | quality (limit 100) |\n|---|---:|---:|---:|---:|---:|",
);
/**
 * Times `run` over the queries at a page of 20 after three to warm the page cache: ms a query, of
 * them in SQL; then, when the sets are judged, each query's ids at limit 100 for its quality.
 * @param {{ q: string }[]} queries
 * @param {(q: string, limit: number) => Promise<{ hits: { paper: { id: string } }[] }>} run
 */
async function profile(queries, run) {
  for (const { q } of queries.slice(0, 3)) await run(q, 20);
  sqlMs = 0;
  const start = performance.now();
  for (const { q } of queries) await run(q, 20);
  const each = (performance.now() - start) / queries.length;
  const inSql = sqlMs / queries.length;
  /** @type {string[][] | null} */
  let rankings = null;
  if (judged) {
    rankings = [];
    for (const { q } of queries) rankings.push((await run(q, 100)).hits.map((h) => h.paper.id));
  }
  return { each, inSql, rankings };
}

for (const [name, queries] of Object.entries(sets)) {
  for (const budget of BUDGETS) {
    const opts = budget ? { budget } : {};
    const { each, inSql, rankings } = await profile(queries, (q, limit) => searchPapers(db, q, { limit, ...opts }));
    const found = rankings
      ? `${name === "topic" ? "nDCG@10" : "MRR@10"} ${quality(name, queries, rankings).toFixed(3)}`
      : "-";
    console.log(
      `| ${name} (${queries.length}) | ${budget || "default"} | ${each.toFixed(1)} | ${inSql.toFixed(1)} | ${(each - inSql).toFixed(1)} | ${found} |`,
    );
  }
}

// Hybrid search (issue 22) when the catalog holds a complete space of the local default (eval:search
// with EVAL_VECTORS=1, or bench:site, made one): the sentences by words alone and with the vector
// arm, the arm alone, in the same run.
const answering = sqlite
  .prepare(
    `SELECT s.space, m.dimensions FROM vector_spaces AS s JOIN local_models AS m ON m.space = s.space
     WHERE s.completed_at IS NOT NULL AND m.ready_at IS NOT NULL ORDER BY s.completed_at DESC LIMIT 1`,
  )
  .get();
const switchedOff = sqlite.prepare(`SELECT 1 FROM switches WHERE name = 'vector-search' AND "on" = 0`).get();
if (!answering)
  console.log("\nno complete space of the local default here: run `EVAL_VECTORS=1 npm run eval:search` first");
else if (switchedOff) console.log("\nthe vector-search switch is off in this catalog: hybrid not profiled");
else {
  const vectors = { embedder: localEmbedder(db, answering), index: localVectorIndex(db) };
  const arm = vectorArm(vectors.index, async () => vectors.embedder, 60_000);
  const queries = sets.sentence;
  const space = answering.space;
  const centroids = decodeCentroids(
    /** @type {{ centroids: string }} */ (
      sqlite.prepare("SELECT centroids FROM local_models WHERE space = ?").get(space)
    ).centroids,
  );
  const clusterRows = sqlite.prepare(
    "SELECT paper_id, scale, vector FROM local_vectors WHERE space = ? AND cluster IN (SELECT value FROM json_each(?))",
  );
  /** @param {string} q */
  async function exactArm(q) {
    const [v] = await vectors.embedder.embed([q], "query").catch(() => [null]);
    if (!v) return { hits: [] };
    const probed = nearestCentroids(centroids, v.length, v, PROBES);
    const start = performance.now();
    const rows = clusterRows.all(space, JSON.stringify(probed));
    sqlMs += performance.now() - start;
    const scored = rows.map((r) => ({
      id: r.paper_id,
      score: dequantise(r.vector, r.scale).reduce((a, x, i) => a + x * v[i], 0),
    }));
    scored.sort((a, b) => b.score - a.score);
    return { hits: scored.slice(0, 100).map((r) => ({ paper: { id: r.id } })) };
  }
  console.log(
    `\nhybrid sentences (${answering.space}), one at a time:\n\n| route | ms a query | in SQL | in JavaScript | quality (limit 100) |\n|---|---:|---:|---:|---:|`,
  );
  /** @type {[string, (q: string, limit: number) => Promise<{ hits: { paper: { id: string } }[] }>][]} */
  const routes = [
    ["words alone", (q, limit) => searchPapers(db, q, { limit })],
    ["hybrid", (q, limit) => searchPapers(db, q, { limit, vectorArm: arm })],
    [
      "the vector arm alone",
      (q) =>
        arm
          .near(q, JSON.stringify([space, null]))
          .then((ids) => ({ hits: (ids ?? []).map((id) => ({ paper: { id } })) })),
    ],
    // what the arm read before the packs: every vector of its clusters, ranked exactly
    ["the vector arm, its clusters' every vector exact", exactArm],
  ];
  for (const [name, run] of routes) {
    const { each, inSql, rankings } = await profile(queries, run);
    const recall =
      rankings && mean(queries.map(({ relevant }, i) => (rankings[i]?.includes(relevant?.[0] ?? "") ? 1 : 0)));
    const found = rankings
      ? `MRR@10 ${quality("sentence", queries, rankings).toFixed(3)}, Recall@100 ${recall?.toFixed(3)}`
      : "-";
    console.log(
      `| ${name} (${queries.length}) | ${each.toFixed(1)} | ${inSql.toFixed(1)} | ${(each - inSql).toFixed(1)} | ${found} |`,
    );
  }
}
