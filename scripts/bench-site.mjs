// npm run bench:site — the site against a local `wrangler dev` with a 100,000-paper synthetic
// database (30 featured papers a day for 1,000 days; the rest only in the catalog, as announced
// papers are). Measures with wrk: a trivial route of the same worker (/healthz, the baseline), a
// cached daily page (a Cache API hit), an uncached daily page and a search (`page=1` keeps both
// out of the Cache API, so every request runs the handler and its D1 queries).
// Options: BENCH_PAPERS (100000), BENCH_SECONDS (5 per round), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16).
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ROOT, migrateLocal, startWorkers, waitUntilUp } from "./lib/local-stack.mjs";

const PAPERS = Number(process.env.BENCH_PAPERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PER_DAY = 30;
const DAYS = 1000;
const LAST_DAY = "2026-06-12";
const persistTo = join(ROOT, ".bench/site-state");

// A deterministic generator, so that runs compare.
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const pick = (a) => a[Math.floor(rand() * a.length)];
const SYL = ["ra", "to", "ne", "mi", "ka", "lo", "ve", "su", "di", "an", "or", "el", "is", "um", "ex", "po", "qu", "tri", "gen", "form"];
const VOCAB = Array.from({ length: 4000 }, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(SYL)).join(""));
// Topic words with roughly the document frequencies of ML abstracts ("model" in half of them,
// "tokenizer" in one in a hundred); the other words follow a Zipf-like curve over 4,000 words.
const ML = Object.entries({ model: 0.5, learning: 0.4, language: 0.25, data: 0.3, training: 0.25, reasoning: 0.1, transformer: 0.08, diffusion: 0.06, agents: 0.06, vision: 0.08, retrieval: 0.04, attention: 0.07, benchmark: 0.12, alignment: 0.03, policy: 0.04, graph: 0.04, sparse: 0.02, memory: 0.03, robust: 0.05, multimodal: 0.05, scaling: 0.03, tokenizer: 0.01 });
const zipf = () => VOCAB[Math.floor(VOCAB.length * rand() ** 2.5)];
function words(n) {
  const out = Array.from({ length: n }, zipf);
  const abstract = n > 20;
  for (const [w, df] of ML) {
    if (rand() >= (abstract ? df : df * 0.3)) continue;
    const times = abstract ? 1 + Math.floor(rand() * 3) : 1;
    for (let k = 0; k < times; k++) out[Math.floor(rand() * n)] = w;
  }
  return out.join(" ");
}
const NAMES = Array.from({ length: 3000 }, () => `${pick(VOCAB)[0].toUpperCase()}${pick(VOCAB)} ${pick(VOCAB)[0].toUpperCase()}${pick(VOCAB)}`);
const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

function fill(dbFile) {
  const db = new DatabaseSync(dbFile);
  const insertPaper = db.prepare(
    `INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published, updated, code_url, github_stars)
     VALUES (?, 1, ?, ?, ?, '["cs.LG","cs.AI"]', 'cs.LG', ?, ?, ?, ?)`,
  );
  const insertEntry = db.prepare(
    `INSERT INTO daily_entries (paper_id, day, source, submitter_name, submitter_fullname, upstream_upvotes, num_comments) VALUES (?, ?, 'hf-daily', ?, ?, ?, ?)`,
  );
  const started = Date.now();
  db.exec("BEGIN");
  for (let i = 0; i < PAPERS; i++) {
    const featured = i < PER_DAY * DAYS;
    const day = featured ? addDays(LAST_DAY, -Math.floor(i / PER_DAY)) : addDays(LAST_DAY, -Math.floor(rand() * 2000));
    const id = `${day.slice(2, 4)}${day.slice(5, 7)}.${String(10000 + (i % 90000)).padStart(5, "0")}${i >= 90000 ? String(Math.floor(i / 90000)) : ""}`;
    const at = `${day}T00:00:00.000Z`;
    const authors = JSON.stringify(Array.from({ length: 2 + Math.floor(rand() * 8) }, () => pick(NAMES)));
    insertPaper.run(id, words(8 + Math.floor(rand() * 6)), words(150 + Math.floor(rand() * 100)), authors, at, at, rand() < 0.3 ? `https://github.com/example/${id}` : null, rand() < 0.3 ? Math.floor(rand() * 500) : null);
    if (featured) {
      const who = pick(NAMES);
      insertEntry.run(id, day, who.replace(" ", "").toLowerCase(), who, Math.floor(rand() ** 3 * 300), Math.floor(rand() * 8));
    }
  }
  db.exec("COMMIT");
  const count = /** @type {{ n: number }} */ (db.prepare("SELECT count(*) AS n FROM papers").get()).n;
  db.close();
  return { count, ms: Date.now() - started };
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

function wrk(url, luaQueries) {
  const args = ["-t2", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--latency"];
  if (luaQueries) {
    const script = join(ROOT, ".bench/search.lua");
    writeFileSync(
      script,
      `local qs = {${luaQueries.map((q) => `"${q}"`).join(",")}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", "/search?page=1&q=" .. qs[(i % #qs) + 1])\nend\n`,
    );
    args.push("-s", script);
  }
  const out = execFileSync("wrk", [...args, url], { encoding: "utf8" });
  const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
  const ms = (label) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
  };
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { rps: num(/Requests\/sec:\s+([\d.]+)/), p50: ms(50), p99: ms(99), errors: (Number.isNaN(non2xx) ? 0 : non2xx) + socketErrors, raw: out };
}

rmSync(persistTo, { recursive: true, force: true });
migrateLocal(persistTo);
const d1Dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
const dbFile = join(d1Dir, /** @type {string} */ (readdirSync(d1Dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")));
const filled = fill(dbFile);
console.log(`filled ${filled.count} papers (${Math.min(PAPERS, PER_DAY * DAYS)} featured over ${DAYS} days) in ${(filled.ms / 1000).toFixed(1)} s`);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const child = startWorkers({ port, persistTo, quiet: true });
try {
  await waitUntilUp(base, child);
  const day = `${base}/papers/date/${LAST_DAY}`;
  const page = await fetch(day);
  const html = await page.text();
  const css = await (await fetch(new URL(/** @type {RegExpExecArray} */ (/href="(\/static\/site\.[0-9a-f]+\.css)"/.exec(html))[1], base))).text();
  const cached = await fetch(day);
  console.log(`daily page: ${Buffer.byteLength(html)} bytes of HTML (${(html.match(/class="card"/g) ?? []).length} cards), CSS ${Buffer.byteLength(css)} bytes; second fetch X-Cache: ${cached.headers.get("X-Cache")}`);
  const searchWords = ["transformer", "diffusion+model", "robust+agents", "sparse+attention", "language+model", "graph+memory", "alignment+policy", "multimodal+reasoning"];
  for (const q of searchWords) await fetch(`${base}/search?page=1&q=${q}`);
  await fetch(`${day}?page=1`);

  // The box is shared: the routes take turns, ROUNDS times, and each figure is the median of its rounds.
  /** @type {[string, () => ReturnType<typeof wrk>][]} */
  const runs = [
    ["baseline: GET /healthz", () => wrk(`${base}/healthz`)],
    ["cached daily page (Cache API hit)", () => wrk(day)],
    ["uncached daily page (`?page=1`)", () => wrk(`${day}?page=1`)],
    ["search, 8 queries rotating (`page=1`)", () => wrk(base, searchWords)],
  ];
  const rounds = runs.map(() => /** @type {ReturnType<typeof wrk>[]} */ ([]));
  for (let r = 0; r < ROUNDS; r++) runs.forEach(([, run], i) => rounds[i].push(run()));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const results = runs.map(([name], i) => {
    const rs = rounds[i];
    return /** @type {[string, ReturnType<typeof wrk>]} */ ([name, { rps: median(rs.map((x) => x.rps)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)), errors: rs.reduce((a, x) => a + x.errors, 0), raw: rs.map((x) => x.raw).join("\n") }]);
  });
  const [baseline, hit, miss, search] = results.map((r) => r[1]);
  console.log(`\n| route | req/s | p50 ms | p99 ms | errors (non-2xx, socket) |\n|---|---:|---:|---:|---:|`);
  for (const [name, r] of results) console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |`);
  console.log(`\ncached / baseline throughput: ${(hit.rps / baseline.rps).toFixed(2)} (target >= 0.8)`);
  console.log(`search p99 / cached p99: ${(search.p99 / hit.p99).toFixed(2)} (target <= 3)`);
  console.log(`uncached / cached throughput: ${(miss.rps / hit.rps).toFixed(2)}`);
  if (process.env.BENCH_RAW) for (const [name, r] of results) console.log(`\n## ${name}\n${r.raw}`);
} finally {
  child.kill("SIGTERM");
}
