// npm run bench:site — the site and the API with a synthetic catalog
// (scripts/lib/synthetic-catalog.mjs) at each size of BENCH_SIZES, the three workers bundled as
// `wrangler deploy` bundles them and run in Miniflare's workerd (scripts/lib/direct-stack.mjs).
// wrk measures a trivial route (/healthz, the baseline), a cached day page (a cache hit) and every
// route a visitor or a client hits uncached. "Uncached" means addresses no earlier request asked
// for: each route walks a list (days x sorts, paper ids, queries x result pages, limits), each wrk
// thread taking every other address and each round going on where the last stopped; an address
// with `page` is never stored (edge-cache.ts), which the walks add once a list runs out. Every
// request comes from another client address (CF-Connecting-IP), so that no rate limit answers.
// Options: BENCH_SIZES (10000,100000), BENCH_SECONDS (5 per round), BENCH_ROUNDS (3, after a
// warm-up round of BENCH_WARMUP=2 seconds a route), BENCH_CONNECTIONS (16), BENCH_RAW=1 to print
// wrk's own output, BENCH_ONLY=cached to measure only the baseline and the cached page (quick at a
// small size: BENCH_SIZES=1000 BENCH_ROUNDS=9).
// BENCH_WRANGLER_DEV=1 runs the workers under `wrangler dev` instead (the same bindings, .dev.vars
// and seeded D1), which adds wrangler's dev proxy: a second workerd process that runs every
// text/html response through an HTMLRewriter to add its live-reload script, and per-request work
// in wrangler's Node process. Production has neither, and the rewriter taxes HTML routes only, so
// the default mode is the one whose ratios say something about the deployed worker.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { startDirect, workerdPids } from "./lib/direct-stack.mjs";
import { ensureDevVars, migrateLocal, ROOT, startWorkers, waitUntilUp } from "./lib/local-stack.mjs";
import { DAYS, fillCatalog, LAST_DAY, PER_DAY } from "./lib/synthetic-catalog.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY_CACHED = process.env.BENCH_ONLY === "cached";
if (process.env.BENCH_ONLY && !ONLY_CACHED)
  throw new Error(`BENCH_ONLY must be "cached", not "${process.env.BENCH_ONLY}"`);
const WRANGLER_DEV = process.env.BENCH_WRANGLER_DEV === "1";
if (process.env.BENCH_WRANGLER_DEV && !WRANGLER_DEV)
  throw new Error(`BENCH_WRANGLER_DEV must be "1", not "${process.env.BENCH_WRANGLER_DEV}"`);
const persistTo = join(ROOT, ".bench/site-state");

const RARE_WORD = "quantum";
const COMMON_WORDS = [
  "model",
  "data",
  "task",
  "method",
  "large",
  "performance",
  "benchmark",
  "learning",
  "language",
  "training",
];
const SORTS = ["upvotes", "trending", "newest"];
const API_SORTS = ["", "&sort=publishedAt", "&sort=trending"];
/** Result pages a common-word search has (shared/papers/queries.ts COMMON_WINDOW / 20). */
const COMMON_PAGES = 25;

// A deterministic shuffle, so that walks do not follow insertion order.
function shuffled(xs, seed = 7) {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** A walk's addresses: `base`, then the same again with `page=2..` (never stored), as many as needed. */
function withPages(base, minimum = 60_000) {
  const total = Math.max(base.length, minimum);
  const out = [...base];
  for (let page = 2; out.length < total; page++)
    for (const path of base) out.push(`${path}${path.includes("?") ? "&" : "?"}page=${page}`);
  return out.slice(0, total);
}

function searchWalk(db, queries, maxPages) {
  const count = db.prepare("SELECT count(*) AS n FROM papers_fts WHERE papers_fts MATCH ?");
  const out = [];
  for (const q of queries) {
    const fts = q
      .split(" ")
      .map((w) => `"${w}"`)
      .join(" ");
    const pages = Math.max(1, Math.min(maxPages, Math.ceil(count.get(fts).n / 20)));
    for (let p = 1; p <= pages; p++) out.push({ q, p });
  }
  return out;
}

function walks(dbFile, ids, days) {
  const db = new DatabaseSync(dbFile, { readOnly: true });
  const pairs = COMMON_WORDS.flatMap((a, i) => COMMON_WORDS.slice(i + 1).map((b) => `${a} ${b}`));
  const rare = searchWalk(db, [RARE_WORD, ...COMMON_WORDS.map((w) => `${RARE_WORD} ${w}`)], 200);
  const common = searchWalk(db, COMMON_WORDS, COMMON_PAGES);
  const two = searchWalk(db, pairs, COMMON_PAGES);
  db.close();
  const site = (list) => shuffled(list.map(({ q, p }) => `/search?q=${encodeURIComponent(q)}&page=${p}`));
  const dayList = shuffled(days.flatMap((d) => SORTS.map((s) => `/papers/date/${d}?sort=${s}`)));
  const limits = [10, 20, 30, 50, 100];
  return {
    dayListing: withPages(dayList),
    paperPage: withPages(shuffled(ids.map((id) => `/papers/${id}`))),
    searchRare: site(rare),
    searchCommon: site(common),
    searchTwoCommon: site(two),
    apiListing: shuffled(
      days.flatMap((d) => API_SORTS.flatMap((s) => limits.map((l) => `/api/daily_papers?date=${d}${s}&limit=${l}`))),
    ),
    apiSearch: shuffled(
      COMMON_WORDS.flatMap((w) => Array.from({ length: 100 }, (_, i) => `/api/papers/search?q=${w}&limit=${i + 1}`)),
    ),
    counts: { rare: rare.length, common: common.length, two: two.length },
  };
}

/**
 * CPU time (ms) used so far by `pid` and its descendants (Linux /proc): wrangler, its two workerd
 * processes and esbuild. Less at the mercy of the box's other load than requests per second.
 */
function treeCpuMs(pid) {
  const stats = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // the fields after the command's closing parenthesis: state, ppid, ..., utime (12th), stime (13th)
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
      stats.push({ pid: Number(name), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of stats) if (!tree.has(p.pid) && tree.has(p.ppid)) tree.add(p.pid), (grew = true);
  }
  return stats.filter((p) => tree.has(p.pid)).reduce((a, p) => a + p.ticks, 0) * 10; // USER_HZ is 100
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/**
 * wrk with a Lua script that walks `paths` from `start`: thread t of 2 takes start + t, + 2, ...;
 * every request has its own CF-Connecting-IP. Returns the figures and how many requests it made.
 */
function wrk(base, paths, start, name, seconds = SECONDS) {
  const list = join(ROOT, `.bench/${name}.txt`);
  writeFileSync(list, `${paths.join("\n")}\n`);
  const script = join(ROOT, `.bench/${name}.lua`);
  writeFileSync(
    script,
    `local n = 0
setup = function(thread) thread:set("tid", n); n = n + 1 end
init = function(args)
  paths = {}
  for line in io.lines("${list}") do paths[#paths + 1] = line end
  i = ${start} + tid
end
request = function()
  local path = paths[(i % #paths) + 1]
  i = i + 2
  return wrk.format("GET", path, { ["CF-Connecting-IP"] = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256) })
end
`,
  );
  const args = ["-t2", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "-s", script];
  const out = execFileSync("wrk", [...args, base], { encoding: "utf8" });
  const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
  const ms = (label) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
  };
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50: ms(50),
    p99: ms(99),
    requests: num(/(\d+) requests in/),
    errors: (Number.isNaN(non2xx) ? 0 : non2xx) + socketErrors,
    raw: out,
  };
}

async function benchSize(papers) {
  ensureDevVars();
  rmSync(persistTo, { recursive: true, force: true });
  migrateLocal(persistTo);
  const d1Dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const dbFile = join(d1Dir, readdirSync(d1Dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite") ?? "");
  const filled = fillCatalog(dbFile, papers);
  console.log(
    `\n# ${filled.count} papers (${Math.min(papers, PER_DAY * DAYS)} featured over ${filled.days.length} days), filled in ${(filled.ms / 1000).toFixed(1)} s`,
  );
  const w = ONLY_CACHED ? null : walks(dbFile, filled.ids, filled.days);
  if (w)
    console.log(
      `walks: ${filled.days.length * SORTS.length} day listings (then with page=), ${filled.ids.length} paper pages, search ${w.counts.rare} rare / ${w.counts.common} common / ${w.counts.two} two-common result pages`,
    );

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  console.log(
    `mode: ${WRANGLER_DEV ? "BENCH_WRANGLER_DEV=1, wrangler dev (its dev proxy in front)" : "deployed bundles in Miniflare on its own port"}`,
  );
  const mf = WRANGLER_DEV ? null : await startDirect({ port, persistTo });
  const child = mf ? null : startWorkers({ port, persistTo, quiet: true });
  // CPU time of wrangler dev's process tree, or of the workerd process Miniflare started
  const cpuMs = mf
    ? () => workerdPids().reduce((a, pid) => a + treeCpuMs(pid), 0)
    : () => treeCpuMs(/** @type {number} */ (child?.pid));
  try {
    if (child) await waitUntilUp(base, child);
    const day = `/papers/date/${LAST_DAY}`;
    const html = await (await fetch(base + day)).text();
    const cached = await fetch(base + day);
    console.log(
      `cached day page: ${Buffer.byteLength(html)} bytes of HTML, second fetch X-Cache: ${cached.headers.get("X-Cache")}`,
    );
    /** @type {[string, string[]][]} */
    const runs = [
      // through the same Lua script as the rest: wrk's work per request is then the same for both
      ["baseline: GET /healthz", ["/healthz"]],
      ["cached day page (cache hit)", [day]],
    ];
    if (w)
      runs.push(
        ["uncached day listing", w.dayListing],
        ["uncached paper page", w.paperPage],
        [`uncached search, a rare word ("${RARE_WORD}", "${RARE_WORD} data", ...)`, w.searchRare],
        [`uncached search, a common word ("model", "data", ...)`, w.searchCommon],
        [`uncached search, two common words ("model data", ...)`, w.searchTwoCommon],
        ["uncached API listing (/api/daily_papers?date=)", w.apiListing],
        ["uncached API search (/api/papers/search?q=model)", w.apiSearch],
      );
    const cursors = runs.map(() => 0);
    // A warm-up round, not counted: the isolate's start, V8's compilation of each route's code and
    // SQLite's first reads of the database file would otherwise fall on the first round measured
    // (it ran 0.6-0.7x the later rounds' speed, the cached page slower than the rest).
    runs.forEach(([, paths], i) => {
      cursors[i] += wrk(base, paths, cursors[i], `route${i}`, WARMUP).requests + CONNECTIONS * 2;
    });
    const rounds = runs.map(() => /** @type {ReturnType<typeof wrk>[]} */ ([]));
    // The box is shared: the routes take turns, ROUNDS times, and each figure is the median of its rounds.
    for (let r = 0; r < ROUNDS; r++) {
      runs.forEach(([, paths], i) => {
        const cpuBefore = cpuMs();
        const res = wrk(base, paths, cursors[i], `route${i}`);
        res.cpuPerRequestMs = (cpuMs() - cpuBefore) / res.requests;
        cursors[i] += res.requests + CONNECTIONS * 2;
        rounds[i].push(res);
      });
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const results = runs.map(([name, paths], i) => {
      const rs = rounds[i];
      const wrapped = paths.length > 1 && cursors[i] > paths.length;
      return {
        name,
        wrapped,
        cpuMs: median(rs.map((x) => x.cpuPerRequestMs)),
        rps: median(rs.map((x) => x.rps)),
        p50: median(rs.map((x) => x.p50)),
        p99: median(rs.map((x) => x.p99)),
        errors: rs.reduce((a, x) => a + x.errors, 0),
        requests: cursors[i],
        raw: rs.map((x) => x.raw).join("\n"),
      };
    });
    const [baseline, hit, dayMiss, paper, rare, common, two, apiList, apiSearch] = results;
    console.log(
      `\n| route (${papers} papers) | req/s | p50 ms | p99 ms | CPU ms/request | requests | errors |\n|---|---:|---:|---:|---:|---:|---:|`,
    );
    for (const r of results)
      console.log(
        `| ${r.name}${r.wrapped ? " (list repeated)" : ""} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpuMs.toFixed(2)} | ${r.requests} | ${r.errors} |`,
      );
    const ratio = (a, b) => (a / b).toFixed(2);
    // Rounds taken side by side share the box's load of the moment: their ratios vary less than the medians' ratio.
    const perRound = rounds[1].map((h, r) => h.rps / rounds[0][r].rps);
    const hitRatios = `median of the rounds' ratios ${median(perRound).toFixed(2)}, by round ${perRound.map((x) => x.toFixed(2)).join(" ")}`;
    const cpu = (i) => median(rounds[i].map((x) => x.cpuPerRequestMs));
    if (w) {
      console.log(`\nuncached paper page / uncached day listing: ${ratio(paper.rps, dayMiss.rps)} (target >= 0.8)`);
      console.log(`uncached common-word search / day listing: ${ratio(common.rps, dayMiss.rps)} (target >= 0.5)`);
      console.log(`uncached two-common-word search / day listing: ${ratio(two.rps, dayMiss.rps)} (target >= 0.5)`);
      const worst = results.slice(2).reduce((a, r) => (r.p99 > a.p99 ? r : a));
      console.log(
        `worst uncached p99 / day listing p99: ${ratio(worst.p99, dayMiss.p99)} (${worst.name}; target <= 3)`,
      );
    }
    console.log(`cached page / baseline: ${ratio(hit.rps, baseline.rps)} (target >= 0.95; ${hitRatios})`);
    console.log(
      `by CPU per request of ${mf ? "Miniflare's workerd" : "wrangler dev's processes"}: baseline ${cpu(0).toFixed(2)} ms, cached page ${cpu(1).toFixed(2)} ms, ratio ${ratio(cpu(0), cpu(1))}`,
    );
    if (w)
      console.log(
        `also: rare search ${ratio(rare.rps, dayMiss.rps)}, API listing ${ratio(apiList.rps, dayMiss.rps)}, API search ${ratio(apiSearch.rps, dayMiss.rps)} of the day listing`,
      );
    if (process.env.BENCH_RAW) for (const r of results) console.log(`\n## ${r.name}\n${r.raw}`);
    // An answer that failed is fast: no ratio above means anything then (rerun with BENCH_RAW=1 to see them).
    const failed = results.filter((r) => r.errors > 0);
    if (failed.length) {
      console.error(`\nINVALID RUN: errors on ${failed.map((r) => `${r.name} (${r.errors})`).join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    if (mf) await mf.dispose();
    if (child) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
  }
}

for (const size of SIZES) await benchSize(size);
