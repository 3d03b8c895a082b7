// npm run bench:ingest — parse and upsert synthetic listings shaped like the real captures, in
// workerd (Miniflare, local D1) with the production code. Reports papers per second, peak memory
// of the parse against the isolate's 128 MB, and a five-category day (about 2,000 announcements)
// against one cron invocation's CPU limits. Sizes: BENCH_SIZES=2000,20000 (default).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundle, ROOT, startBenchWorker, WORK } from "./lib/bench-worker.mjs";

const sizes = (process.env.BENCH_SIZES ?? "2000,20000").split(",").map(Number);

/** n items cloned from the real cs.AI, cs.CL and cs.LG captures, with distinct ids. */
function syntheticListing(n) {
  const feeds = ["ai", "cl", "lg"].map((c) =>
    readFileSync(join(ROOT, `test/fixtures/upstream/arxiv/rss_cs.${c.toUpperCase()}_2026-04-27.xml`), "utf8"),
  );
  const templates = feeds.flatMap((f) => f.match(/<item>[\s\S]*?<\/item>/g) ?? []);
  const items = [];
  for (let i = 0; i < n; i++) {
    const t = templates[i % templates.length];
    const id = /** @type {RegExpExecArray} */ (/oai:arXiv\.org:(\d+\.\d+)v/.exec(t))[1];
    const fresh = `26${String(Math.floor(i / 90000) + 4).padStart(2, "0")}.${String(10000 + (i % 90000)).padStart(5, "0")}`;
    items.push(t.replaceAll(id, fresh).replace("<title>", `<title>[${i}] `));
  }
  const head = feeds[0].slice(0, feeds[0].indexOf("<item>"));
  return `${head}${items.join("\n    ")}\n  </channel>\n</rss>\n`;
}

const workerFile = await bundle("scripts/bench/ingest-bench-worker.ts");
const memoryFile = await bundle("scripts/bench/parse-memory.ts", "node");
const rows = [];
for (const n of sizes) {
  const xml = syntheticListing(n);
  const xmlFile = join(WORK, `listing-${n}.xml`);
  writeFileSync(xmlFile, xml);

  const mf = await startBenchWorker(workerFile);
  const t0 = performance.now();
  const res = await mf.dispatchFetch("http://bench/", { method: "POST", body: xml });
  const wall = performance.now() - t0;
  const out = /** @type {{ papers: number, skipped: number, inserted: number, parseMs: number, upsertMs: number }} */ (
    await res.json()
  );
  await mf.dispose();

  const memory = JSON.parse(execFileSync(process.execPath, [memoryFile, xmlFile], { encoding: "utf8" }));
  rows.push({ n, bytes: xml.length, ...out, wall, memory });
}

const mb = (b) => (b / 1024 / 1024).toFixed(1);
console.log(`\nIngest benchmark (${new Date().toISOString()}, node ${process.version}, ${sizes.join(" / ")} papers)\n`);
console.log(
  "| papers | listing | parse ms | upsert ms | papers/s (parse+upsert) | parse peak RSS growth | of 128 MB |",
);
console.log("|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const total = r.parseMs + r.upsertMs;
  console.log(
    `| ${r.n} | ${mb(r.bytes)} MB | ${r.parseMs.toFixed(0)} | ${r.upsertMs.toFixed(0)} | ${Math.round((r.papers / total) * 1000)} | ${mb(r.memory.peakRssGrowth)} MB | ${((r.memory.peakRssGrowth / (128 * 1024 * 1024)) * 100).toFixed(0)}% |`,
  );
  if (r.papers !== r.n || r.inserted !== 2 * r.n)
    throw new Error(`expected ${r.n} papers stored, got ${JSON.stringify(r)}`);
}
const day = rows.find((r) => r.n === 2000) ?? rows[0];
const dayMs = ((day.parseMs + day.upsertMs) * 2000) / day.n;
console.log(
  `\nA five-category day (2,000 announcements): ~${(dayMs / 1000).toFixed(2)} s of parse+upsert, ${((dayMs / 30_000) * 100).toFixed(1)}% of the 30 s default CPU limit and ${((dayMs / 900_000) * 100).toFixed(2)}% of the 15 min a daily cron gets (wall time in local workerd, an upper bound on CPU time).`,
);
