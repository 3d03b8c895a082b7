// npm run bench:site — the site and the API with a synthetic catalog
// (scripts/lib/synthetic-catalog.mjs) at each size of BENCH_SIZES, the three workers bundled as
// `wrangler deploy` bundles them and run in Miniflare's workerd (scripts/lib/direct-stack.mjs).
// wrk measures a trivial route (/healthz, the baseline), a cached day page (a cache hit) and every
// route a visitor or a client hits uncached. "Uncached" means addresses no earlier request asked
// for: each route walks a list (days x sorts, paper ids, queries x result pages, limits), each wrk
// thread taking every other address and each round going on where the last stopped; the pages'
// addresses carry `page` (withPages), so that none is ever stored (edge-cache.ts) and each request
// is the route's own work, as a search's is. Every request comes from another client address
// (CF-Connecting-IP), so that no rate limit answers.
// Three more routes measure the search as people use it (issue 21), each address a query no earlier
// request asked for, with `page=1` so that none is ever stored: a sentence of up to 250 characters
// cut at a word boundary, a two-word topic, and the same topics in double quotes (a phrase).
// BENCH_SIZES may name `real` beside the synthetic sizes (BENCH_SIZES=real,1000000): the real
// catalog of ../shared/corpus (scripts/lib/real-catalog.mjs, as eval:search builds it; a copy of
// its D1 is what the workers read, so no run writes into the kept build). There the sentences are
// the featured papers' ai_summary (hf-daily-2024-2025.jsonl.gz), the topics their two-word
// ai_keywords; at a synthetic size, a sentence is a run of words from a sampled paper's abstract
// and a topic two adjacent words of one, so that each finds at least its paper.
// Two last routes measure the share cards (issue 24): a paper's card.png, each paper once (a render
// with resvg), and one card at its versioned address, the paper page's og:image (a cache hit).
// Two more measure For you (issue 23) for signed-in readers written into the bench's copy of the
// catalog (10 random upvotes each): each reader's first view (a rebuild of their ranking: the
// window's vectors read and scored) and later views (the kept ranking read back); private pages,
// never cached.
// Each round runs the routes in turn, the two of a ratio one after the other (the day listing, then
// the searches people type; the paper page, then the same page by words), and a target on a ratio
// is judged on the median of the rounds' ratios (the medians' ratio printed beside it): two routes
// run side by side share the box's load of the moment (docs/benchmarks.md).
// Options: BENCH_SIZES (10000,100000), BENCH_SECONDS (5 per round), BENCH_ROUNDS (3, after a
// warm-up round of BENCH_WARMUP=2 seconds a route), BENCH_CONNECTIONS (16), BENCH_TIMEOUT (30 s, wrk's
// per-request timeout), BENCH_RAW=1 to print
// wrk's own output, BENCH_ONLY=cached to measure only the baseline and the cached page (quick at a
// small size: BENCH_SIZES=1000 BENCH_ROUNDS=9).
// BENCH_WRANGLER_DEV=1 runs the workers under `wrangler dev` instead (the same bindings, .dev.vars
// and seeded D1), which adds wrangler's dev proxy: a second workerd process that runs every
// text/html response through an HTMLRewriter to add its live-reload script, and per-request work
// in wrangler's Node process. Production has neither, and the rewriter taxes HTML routes only, so
// the default mode is the one whose ratios say something about the deployed worker.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { bundle } from "./lib/bench-worker.mjs";
import { startDirect, workerdPids } from "./lib/direct-stack.mjs";
import {
  ensureDevVars,
  migrateLocal,
  ROOT,
  readDevVar,
  seedSearchIndex,
  seedVectors,
  startWorkers,
  waitUntilUp,
} from "./lib/local-stack.mjs";
import { DAILY_FILE, d1File, readJsonl, realCatalog, requireCorpus } from "./lib/real-catalog.mjs";
import { freePort } from "./lib/script-env.mjs";
import { DAYS, fillCatalog, LAST_DAY, PER_DAY } from "./lib/synthetic-catalog.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map((s) => {
  const size = s.trim();
  if (size === "real") return size;
  if (!/^\d+$/.test(size) || Number(size) < 1)
    throw new Error(`BENCH_SIZES lists "real" or paper counts, not "${size}"`);
  return Number(size);
});
if (SIZES.includes("real")) requireCorpus();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TIMEOUT = Number(process.env.BENCH_TIMEOUT ?? 30);
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
const COMMON_PAGES = 10;
/** The search's longest query (workers/api/src/api/api-schemas.ts MAX_QUERY). */
const MAX_QUERY = 250;
/** The JavaScript heap the local default's jobs are measured under (loadReal): half an isolate's 128 MB. */
const HEAP_CAP_MB = 64;
/** Distinct queries each of the sentence, topic and phrase walks is made of, at most. */
const PEOPLE_QUERIES = 20_000;
/** Targets of the three (issue 21): of the uncached day listing, at least this share of its req/s... */
const PEOPLE_RPS_SHARE = 1 / 3;
/** ...and at most this multiple of its p99. */
const PEOPLE_P99_TIMES = 3;

/** At most MAX_QUERY characters, cut at the last space that keeps it within (as eval:search cuts). */
function cutAtWord(text) {
  const s = text.replace(/\s+/g, " ").trim();
  if (s.length <= MAX_QUERY) return s;
  const cut = s.slice(0, MAX_QUERY + 1).lastIndexOf(" ");
  return s.slice(0, cut > 0 ? cut : MAX_QUERY).trim();
}

const distinct = (xs) => [...new Set(xs)];

/**
 * The queries of the three people-like routes on the real catalog: each featured paper's
 * ai_summary cut to 250 characters; each two-word ai_keywords phrase (lower-cased), and in quotes.
 */
async function realQueries() {
  const daily = (await readJsonl(DAILY_FILE)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const sentences = distinct(daily.filter((p) => p.ai_summary?.trim()).map((p) => cutAtWord(p.ai_summary)));
  const topics = distinct(
    daily.flatMap((p) =>
      (Array.isArray(p.ai_keywords) ? p.ai_keywords : []).map((k) =>
        String(k).trim().toLowerCase().replace(/\s+/g, " "),
      ),
    ),
  ).filter((t) => /^[\p{L}\p{N}][\p{L}\p{N}-]* [\p{L}\p{N}][\p{L}\p{N}-]*$/u.test(t));
  return { sentences, topics };
}

/**
 * The same at a synthetic size, from the catalog's own words: a sampled paper's abstract from a
 * seeded word on, cut to 250 characters (a paraphrase would share its words as much); two adjacent
 * words of another sampled abstract (a phrase that is in the catalog).
 */
function syntheticQueries(db) {
  const n = Number(db.prepare("SELECT max(rowid) AS n FROM papers").get()?.n);
  const abstract = db.prepare("SELECT abstract FROM papers WHERE rowid = ?");
  let s = 11;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const sentences = [];
  const topics = [];
  for (
    let k = 0;
    k < PEOPLE_QUERIES * 2 && (sentences.length < PEOPLE_QUERIES || topics.length < PEOPLE_QUERIES);
    k++
  ) {
    const words = String(abstract.get(1 + Math.floor(rand() * n))?.abstract ?? "").split(" ");
    if (words.length < 60) continue;
    const from = Math.floor(rand() * (words.length - 50));
    if (k % 2 === 0) sentences.push(cutAtWord(words.slice(from).join(" ")));
    else topics.push(`${words[from]} ${words[from + 1]}`);
  }
  return { sentences: distinct(sentences), topics: distinct(topics) };
}

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

/**
 * A walk's addresses: `base` with `page=1`, then `page=2..`, as many as needed. A page's address
 * with `page` is never stored (edge-cache.ts), as the searches' are: each request is a miss that
 * stores nothing, whichever round it falls in. (A miss at a plain address also stores the page, in
 * Miniflare's cache at about 1.4 ms of workerd's CPU a day listing: when the walks began plain, the
 * day listing was a quarter faster in the rounds past its plain addresses than in those before.)
 * Routes that ignore `page` (a day, a paper) answer the same page.
 */
function withPages(base, minimum = 60_000) {
  const total = Math.max(base.length, minimum);
  const out = [];
  for (let page = 1; out.length < total; page++)
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

function walks(dbFile, ids, days, people) {
  const db = new DatabaseSync(dbFile, { readOnly: true });
  const { sentences, topics } = people ?? syntheticQueries(db);
  const pairs = COMMON_WORDS.flatMap((a, i) => COMMON_WORDS.slice(i + 1).map((b) => `${a} ${b}`));
  const rare = searchWalk(db, [RARE_WORD, ...COMMON_WORDS.map((w) => `${RARE_WORD} ${w}`)], 200);
  const common = searchWalk(db, COMMON_WORDS, COMMON_PAGES);
  const two = searchWalk(db, pairs, COMMON_PAGES);
  db.close();
  const site = (list) => shuffled(list.map(({ q, p }) => `/search?q=${encodeURIComponent(q)}&page=${p}`));
  const firstPages = (qs) =>
    site(
      shuffled(qs, 3)
        .slice(0, PEOPLE_QUERIES)
        .map((q) => ({ q, p: 1 })),
    );
  const dayList = shuffled(days.flatMap((d) => SORTS.map((s) => `/papers/date/${d}?sort=${s}`)));
  const limits = [10, 20, 30, 50, 100];
  return {
    dayListing: withPages(dayList),
    paperPage: withPages(shuffled(ids.filter((_, i) => i % 2 === 0).map((id) => `/papers/${id}`))),
    // other papers than paperPage's: a page the other route asked would be a cache hit
    paperPageOther: withPages(shuffled(ids.filter((_, i) => i % 2 === 1).map((id) => `/papers/${id}`))),
    // each paper's card as it is now: a render, then kept (15 s) like the counts it shows
    paperCard: shuffled(
      ids.map((id) => `/papers/${id}/card.png`),
      5,
    ),
    searchRare: site(rare),
    searchCommon: site(common),
    searchTwoCommon: site(two),
    searchSentence: firstPages(sentences),
    searchTopic: firstPages(topics),
    searchPhrase: firstPages(topics.map((t) => `"${t}"`)),
    apiListing: shuffled(
      days.flatMap((d) => API_SORTS.flatMap((s) => limits.map((l) => `/api/daily_papers?date=${d}${s}&limit=${l}`))),
    ),
    apiSearch: shuffled(
      COMMON_WORDS.flatMap((w) => Array.from({ length: 100 }, (_, i) => `/api/papers/search?q=${w}&limit=${i + 1}`)),
    ),
    counts: {
      rare: rare.length,
      common: common.length,
      two: two.length,
      sentences: Math.min(sentences.length, PEOPLE_QUERIES),
      topics: Math.min(topics.length, PEOPLE_QUERIES),
    },
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

/**
 * wrk with a Lua script that walks `paths` from `start`: thread t of 2 takes start + t, + 2, ...;
 * every request has its own CF-Connecting-IP. A path may carry a Cookie header after a tab (a
 * signed-in reader's). Returns the figures and how many requests it made.
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
  local path, cookie = paths[(i % #paths) + 1]:match("^([^\t]*)\t?(.*)$")
  i = i + 2
  local headers = { ["CF-Connecting-IP"] = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256) }
  if cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("GET", path, headers)
end
`,
  );
  // wrk counts an answer slower than its timeout (2 s by default) as an error and leaves it out of
  // the latencies: a slow search would then look faster than it is. BENCH_TIMEOUT (30 s) keeps them.
  const args = ["-t2", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "--timeout", `${TIMEOUT}s`, "-s", script];
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

/**
 * The real catalog's D1, copied fresh into persistTo (no cache, no rate-limit state of earlier runs),
 * with the local default's vectors: learnt and embedded into the kept build through the API the
 * first time (timed: the backfill's papers per second), kept from then on.
 */
async function loadReal() {
  const cat = await realCatalog();
  const vectorPort = await freePort();
  const vectorStack = await startDirect({ port: vectorPort, persistTo: cat.persistTo });
  try {
    const done = await seedVectors(`http://127.0.0.1:${vectorPort}`, readDevVar("ADMIN_TOKEN"), () => {});
    console.log(
      done.embedded
        ? `\nvectors: ${done.learnt ? `learnt ${done.learnt.space} from ${done.learnt.sample} papers in ${(done.learnt.ms / 1000).toFixed(1)} s (one invocation), then ` : ""}` +
            `${done.embedded} papers embedded by the backfill in ${(done.backfillMs / 1000).toFixed(1)} s: ` +
            `${(done.embedded / (done.backfillMs / 1000)).toFixed(0)} papers/s (chunks of 1,000, one invocation each)`
        : "\nvectors: kept from an earlier run",
    );
    const index = await seedSearchIndex(`http://127.0.0.1:${vectorPort}`, readDevVar("ADMIN_TOKEN"), () => {});
    console.log(
      index.steps
        ? `search index: ${index.indexed} papers in ${index.steps} steps (POST /admin/search/index), ${(index.ms / 1000).toFixed(1)} s: ${(index.indexed / (index.ms / 1000)).toFixed(0)} papers/s`
        : "search index: kept from an earlier run",
    );
  } finally {
    await vectorStack.dispose();
  }
  // each job's memory, in a fresh Node process (the same V8 as workerd) from what it reads, its
  // JavaScript heap capped at HEAP_CAP_MB: it aborts if its live objects need more. The peak resident
  // memory's growth is an upper bound: it counts the typed arrays, the input as read, and garbage V8
  // had no reason to collect yet.
  const memoryFile = await bundle("scripts/bench/vector-memory.ts", "node");
  const inputs = join(ROOT, ".bench");
  execFileSync(process.execPath, ["--no-warnings", memoryFile, "prepare", d1File(cat.persistTo), inputs]);
  const mb = (b) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  for (const [job, input] of [
    ["learn", "sample.json"],
    ["embed", "chunk.json"],
  ]) {
    const m = JSON.parse(
      execFileSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, memoryFile, job, join(inputs, input)], {
        encoding: "utf8",
      }),
    );
    const measured = `heap capped at ${HEAP_CAP_MB} MB, peak RSS +${mb(m.peakRssGrowth)}; an isolate has 128 MB`;
    console.log(
      job === "learn"
        ? `memory, learning the local model (${m.sample} papers, ${m.terms} terms, ${m.clusters} clusters; ${(m.ms / 1000).toFixed(1)} s in Node): ${measured}`
        : `memory, one backfill chunk (${m.papers} papers, ${m.termRows} term rows read; ${m.ms.toFixed(0)} ms in Node): ${measured}`,
    );
  }
  cpSync(join(cat.persistTo, "v3/d1"), join(persistTo, "v3/d1"), { recursive: true });
  const d1Dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const dbFile = join(d1Dir, readdirSync(d1Dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite") ?? "");
  const db = new DatabaseSync(dbFile, { readOnly: true });
  const ids = db
    .prepare("SELECT id FROM papers ORDER BY id")
    .all()
    .map((r) => String(r.id));
  const days = db
    .prepare("SELECT DISTINCT day FROM daily_entries ORDER BY day")
    .all()
    .map((r) => String(r.day));
  db.close();
  console.log(
    `\n# real catalog: ${cat.stats.count} papers (${cat.stats.featured} featured over ${cat.stats.days} days), ${cat.cached ? "kept build" : "built"} ${cat.key}`,
  );
  return { dbFile, ids, days, count: cat.stats.count, people: await realQueries() };
}

/** Signed-in readers For you is measured for: the first view of each rebuilds, the next reads what it kept. */
const FIRST_VIEW_READERS = 6000;
const KEPT_READERS = 200;
/** Each reader's upvotes: 10 papers, as eval:foryou's simulated readers. */
const READER_UPVOTES = 10;

/**
 * Accounts with a live session and 10 upvotes each, written into the bench's copy of the catalog
 * before the workers start (the kept real build is never written). Returns each one's Cookie.
 */
function seedReaders(dbFile, ids, count) {
  const db = new DatabaseSync(dbFile);
  const cookies = [];
  db.exec("BEGIN");
  const account = db.prepare("INSERT INTO accounts (id, email, handle) VALUES (?, ?, ?)");
  const session = db.prepare("INSERT INTO sessions (id_hash, account_id, expires_at) VALUES (?, ?, ?)");
  const upvote = db.prepare("INSERT OR IGNORE INTO upvotes (account_id, paper_id) VALUES (?, ?)");
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  for (let r = 0; r < count; r++) {
    const id = `bench-reader-${r}`;
    const secret = `bench-session-${r}-${next()}`;
    account.run(id, `${id}@bench.test`, id);
    session.run(createHash("sha256").update(secret).digest("hex"), id, Date.now() + 86_400_000);
    for (let k = 0; k < READER_UPVOTES; k++) upvote.run(id, ids[next() % ids.length]);
    cookies.push(`__Host-session=${secret}`);
  }
  db.exec("COMMIT");
  db.close();
  return cookies;
}

async function benchSize(size) {
  ensureDevVars();
  rmSync(persistTo, { recursive: true, force: true });
  /** @type {{dbFile: string, ids: string[], days: string[], count: number, people?: {sentences: string[], topics: string[]}}} */
  let cat;
  if (size === "real") cat = await loadReal();
  else {
    migrateLocal(persistTo);
    const d1Dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
    const dbFile = join(d1Dir, readdirSync(d1Dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite") ?? "");
    const filled = fillCatalog(dbFile, size);
    console.log(
      `\n# ${filled.count} papers (${Math.min(size, PER_DAY * DAYS)} featured over ${filled.days.length} days), filled in ${(filled.ms / 1000).toFixed(1)} s`,
    );
    cat = { dbFile, ids: filled.ids, days: filled.days, count: Number(filled.count) };
  }
  const papers = size === "real" ? `${cat.count} real` : cat.count;
  const lastDay = size === "real" ? cat.days[cat.days.length - 1] : LAST_DAY;
  const w = ONLY_CACHED ? null : walks(cat.dbFile, cat.ids, cat.days, cat.people);
  const readers = w ? seedReaders(cat.dbFile, cat.ids, FIRST_VIEW_READERS + KEPT_READERS) : [];
  if (w)
    console.log(
      `walks: ${cat.days.length * SORTS.length} day listings (each with page=, then again with the next page), ${cat.ids.length} paper pages, search ${w.counts.rare} rare / ${w.counts.common} common / ${w.counts.two} two-common result pages, ${w.counts.sentences} sentences, ${w.counts.topics} topics (and as phrases)`,
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
    // the search's term index (the real catalog keeps its own from loadReal)
    const index = await seedSearchIndex(base, readDevVar("ADMIN_TOKEN"), () => {});
    if (index.steps)
      console.log(
        `search index: ${index.indexed} papers in ${index.steps} steps, ${(index.ms / 1000).toFixed(1)} s: ${(index.indexed / (index.ms / 1000)).toFixed(0)} papers/s`,
      );
    const day = `/papers/date/${lastDay}`;
    const html = await (await fetch(base + day)).text();
    const cached = await fetch(base + day);
    console.log(
      `cached day page: ${Buffer.byteLength(html)} bytes of HTML, second fetch X-Cache: ${cached.headers.get("X-Cache")}`,
    );
    // a card at its versioned address (the paper page's og:image), stored for good once drawn
    const paperHtml = await (await fetch(`${base}/papers/${cat.ids[0]}`)).text();
    const card = new URL(/<meta property="og:image" content="([^"]+)"/.exec(paperHtml)?.[1] ?? "/card-missing")
      .pathname;
    const cardBytes = (await (await fetch(base + card)).arrayBuffer()).byteLength;
    console.log(`share card: ${card}, ${cardBytes} bytes of PNG`);
    /** Each route's switches (`/admin/switches`): both on unless the route says otherwise. */
    /** @type {[string, string[], Record<string, boolean>?][]} */
    const runs = [
      // through the same Lua script as the rest: wrk's work per request is then the same for both
      ["baseline: GET /healthz", ["/healthz"]],
      ["cached day page (cache hit)", [day]],
    ];
    // a ratio's two routes one after the other (the header); at the real catalog's size, with the
    // local default's vectors, the same sentences and paper pages with their arm off
    /** @type {(on: boolean, run: [string, string[], Record<string, boolean>]) => typeof runs} */
    const onlyIf = (on, run) => (on ? [run] : []);
    const real = size === "real";
    if (w)
      runs.push(
        ["uncached day listing", w.dayListing],
        ["uncached search, a sentence of up to 250 characters", w.searchSentence],
        ["uncached search, a two-word topic", w.searchTopic],
        ["uncached search, a quoted two-word phrase", w.searchPhrase],
        ...onlyIf(real, [
          "uncached search, a sentence, words alone (vector-search off)",
          w.searchSentence,
          { "vector-search": false },
        ]),
        ["uncached paper page", w.paperPage],
        ...onlyIf(real, [
          "uncached paper page, related by words (related-by-meaning off)",
          w.paperPageOther,
          { "related-by-meaning": false },
        ]),
        [`uncached search, a rare word ("${RARE_WORD}", "${RARE_WORD} data", ...)`, w.searchRare],
        [`uncached search, a common word ("model", "data", ...)`, w.searchCommon],
        [`uncached search, two common words ("model data", ...)`, w.searchTwoCommon],
        ["uncached API listing (/api/daily_papers?date=)", w.apiListing],
        ["uncached API search (/api/papers/search?q=model)", w.apiSearch],
        ["uncached share card (a paper's card.png, drawn)", w.paperCard],
        ["cached share card (its versioned address, a hit)", [card]],
      );
    // For you (issue 23): private, never cached; a reader's first view rebuilds their ranking, later ones read it
    if (w)
      runs.push(
        [
          "For you, a reader's first view (ranked anew)",
          readers.slice(0, FIRST_VIEW_READERS).map((cookie) => `/for-you\t${cookie}`),
        ],
        ["For you, a later view (the kept ranking)", readers.slice(FIRST_VIEW_READERS).map((c) => `/for-you\t${c}`)],
      );
    const admin = { Authorization: `Bearer ${readDevVar("ADMIN_TOKEN")}`, "Content-Type": "application/json" };
    /** Sets the switches a route runs with (a request each, before its wrk: outside the figures). */
    const switchesFor = async (wanted = {}) => {
      for (const name of ["vector-search", "related-by-meaning"]) {
        const res = await fetch(`${base}/admin/switches/${name}`, {
          method: "POST",
          headers: admin,
          body: JSON.stringify({ on: wanted[name] ?? true }),
        });
        if (!res.ok) throw new Error(`switch ${name}: ${res.status} ${await res.text()}`);
      }
    };
    const cursors = runs.map(() => 0);
    // A warm-up round, not counted: the isolate's start, V8's compilation of each route's code and
    // SQLite's first reads of the database file would otherwise fall on the first round measured
    // (it ran 0.6-0.7x the later rounds' speed, the cached page slower than the rest).
    for (const [i, [, paths, switches]] of runs.entries()) {
      await switchesFor(switches);
      cursors[i] += wrk(base, paths, cursors[i], `route${i}`, WARMUP).requests + CONNECTIONS * 2;
    }
    const rounds = runs.map(() => /** @type {ReturnType<typeof wrk>[]} */ ([]));
    // The box is shared: the routes take turns, ROUNDS times, and each figure is the median of its rounds.
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, [, paths, switches]] of runs.entries()) {
        await switchesFor(switches);
        const cpuBefore = cpuMs();
        const res = wrk(base, paths, cursors[i], `route${i}`);
        res.cpuPerRequestMs = (cpuMs() - cpuBefore) / res.requests;
        cursors[i] += res.requests + CONNECTIONS * 2;
        rounds[i].push(res);
      }
    }
    await switchesFor();
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
        rounds: rs,
      };
    });
    /** A route's figures by its name, or its name's first words (the uncached ones, read only when `w`, are all there then). */
    const named = (name) =>
      /** @type {(typeof results)[number]} */ (results.find((r) => r.name === name || r.name.startsWith(`${name} `)));
    const [baseline, hit] = results;
    const dayMiss = named("uncached day listing");
    const paper = named("uncached paper page");
    const rare = named("uncached search, a rare word");
    const common = named("uncached search, a common word");
    const two = named("uncached search, two common words");
    const apiList = named("uncached API listing");
    const apiSearch = named("uncached API search");
    const people = [
      named("uncached search, a sentence of"),
      named("uncached search, a two-word topic"),
      named("uncached search, a quoted two-word phrase"),
    ];
    const cardMiss = named("uncached share card");
    const cardHit = named("cached share card");
    const paperByWords = named("uncached paper page, related by words");
    const sentenceWords = named("uncached search, a sentence, words alone");
    console.log(
      `\n| route (${papers} papers) | req/s | p50 ms | p99 ms | CPU ms/request | requests | errors |\n|---|---:|---:|---:|---:|---:|---:|`,
    );
    for (const r of results)
      console.log(
        `| ${r.name}${r.wrapped ? " (list repeated)" : ""} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpuMs.toFixed(2)} | ${r.requests} | ${r.errors} |`,
      );
    const ratio = (a, b) => (a / b).toFixed(2);
    // A round's routes share the box's load of the moment: a target on two routes run one after the
    // other is judged on the rounds' ratios.
    const byRounds = (a, b) => {
      const each = a.rounds.map((x, r) => x.rps / b.rounds[r].rps);
      const value = median(each);
      const said = `median of the rounds' ratios ${value.toFixed(2)}, by round ${each.map((x) => x.toFixed(2)).join(" ")}; the medians' ratio ${ratio(a.rps, b.rps)}`;
      return { value, said };
    };
    const hitRatio = byRounds(hit, baseline);
    if (w) {
      console.log(`\nuncached paper page / uncached day listing: ${ratio(paper.rps, dayMiss.rps)} (target >= 0.8)`);
      console.log(`uncached common-word search / day listing: ${ratio(common.rps, dayMiss.rps)} (target >= 0.5)`);
      console.log(`uncached two-common-word search / day listing: ${ratio(two.rps, dayMiss.rps)} (target >= 0.5)`);
      const worst = [dayMiss, paper, rare, common, two, apiList, apiSearch, ...people].reduce((a, r) =>
        r.p99 > a.p99 ? r : a,
      );
      console.log(
        `worst uncached p99 / day listing p99: ${ratio(worst.p99, dayMiss.p99)} (${worst.name}; target <= 3)`,
      );
    }
    console.log(`cached page / baseline: ${hitRatio.value.toFixed(2)} (target >= 0.95; ${hitRatio.said})`);
    console.log(
      `by CPU per request of ${mf ? "Miniflare's workerd" : "wrangler dev's processes"}: baseline ${baseline.cpuMs.toFixed(2)} ms, cached page ${hit.cpuMs.toFixed(2)} ms, ratio ${ratio(baseline.cpuMs, hit.cpuMs)}`,
    );
    if (w)
      console.log(
        `also: rare search ${ratio(rare.rps, dayMiss.rps)}, API listing ${ratio(apiList.rps, dayMiss.rps)}, API search ${ratio(apiSearch.rps, dayMiss.rps)} of the day listing`,
      );
    if (w && cardMiss && cardHit)
      console.log(
        `share card: drawn ${cardMiss.cpuMs.toFixed(1)} ms of CPU a request (${ratio(cardMiss.cpuMs, dayMiss.cpuMs)}x the uncached day listing's), a hit ${cardHit.cpuMs.toFixed(2)} ms (${ratio(cardHit.cpuMs, hit.cpuMs)}x the cached day page's)`,
      );
    if (w) {
      // issue 21's targets for the searches people type, against the day listing of the same run
      console.log(
        `\nsearches people type, of the uncached day listing (targets: req/s >= ${PEOPLE_RPS_SHARE.toFixed(2)}x, p99 <= ${PEOPLE_P99_TIMES}x):`,
      );
      for (const r of people) {
        const share = byRounds(r, dayMiss);
        const times = r.p99 / dayMiss.p99;
        const holds = (ok) => (ok ? "holds" : "DOES NOT HOLD");
        console.log(
          `- ${r.name}: req/s ${share.value.toFixed(2)}x (${holds(share.value >= PEOPLE_RPS_SHARE)}; ${share.said}), p99 ${times.toFixed(2)}x (${holds(times <= PEOPLE_P99_TIMES)})`,
        );
      }
    }
    if (paperByWords && sentenceWords) {
      const [sentence] = people;
      console.log(
        `\nthe local default's vectors (issue 22):\n- paper page with neighbours by meaning / by words: ${byRounds(paper, paperByWords).said} (target >= 0.8)\n` +
          `- hybrid sentence search / uncached day listing: ${byRounds(sentence, dayMiss).said} (target >= 0.33)\n` +
          `- hybrid / the same sentences by words alone: ${byRounds(sentence, sentenceWords).said}; p99 hybrid ${sentence.p99.toFixed(0)} ms, words ${sentenceWords.p99.toFixed(0)} ms`,
      );
    }
    const forYou = results.filter((r) => r.name.startsWith("For you"));
    if (forYou.length) {
      console.log("\nFor you (issue 23), of the uncached day listing (target: p50 and p99 within 2x):");
      for (const r of forYou)
        console.log(
          `- ${r.name}: p50 ${ratio(r.p50, dayMiss.p50)}x, p99 ${ratio(r.p99, dayMiss.p99)}x, req/s ${ratio(r.rps, dayMiss.rps)}x`,
        );
    }
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
