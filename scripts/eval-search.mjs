// npm run eval:search — what the search finds, measured on the real catalog of ../shared/corpus
// (its README.md; the script stops with exit code 1 when the folder is absent).
// The catalog (scripts/lib/real-catalog.mjs): the union by id of arxiv-ml.jsonl.gz and
// hf-daily-2024-2025.jsonl.gz (about 154k papers, the 8,839 featured ones also on their featured
// days) in a local D1 made by the real migrations, built once and kept under .bench/real-catalog/.
// Hugging Face's ai_summary and ai_keywords are not in it: the queries are made of them.
// Three query sets from hf-daily-2024-2025.jsonl.gz, each a deterministic seeded sample:
// - sentence: a paper's ai_summary (a paraphrase of its abstract), cut to 250 characters at a word
//   boundary (the API's limit), must find that paper: MRR@10, Recall@10 (and @100), empty share.
// - topic: an ai_keywords phrase (lower-cased, trimmed) that 5 to 60 featured papers carry must
//   find those papers. Judged only on the featured papers that carry keywords: the others are
//   unjudged and dropped from the ranking before scoring. nDCG@10 (binary gains), P@10,
//   Recall@10, MRR@10, empty share.
// - title: 2 to 4 of a featured paper's title words, the rarest by document frequency in the
//   catalog's titles and abstracts (ties by the word; the count per paper drawn from the seed),
//   in title order, must find that paper: MRR@10, Recall@10 (and @100), empty share.
// Every query goes through the real GET /api/papers/search?q=...&limit=100 of the three workers'
// bundles in Miniflare (scripts/lib/direct-stack.mjs, as bench:site runs them), each request from
// its own CF-Connecting-IP so that no rate limit answers, a few at a time. Beside it, a baseline
// computed in Node on the same SQLite file: plain FTS5 bm25 over an OR of the query's words, each
// quoted, bm25(papers_fts, 10.0, 4.0, 1.0) (the project's column weights), top 100. The query sets
// and the baseline's rankings are kept beside the catalog (keyed by the sets' settings), so a
// second run asks only the API.
// Prints a Markdown table (set, metric, paperboy, bm25-OR) and the API's latency (p50/p95); any
// answer other than 200 makes the run INVALID (exit code 1).
// Options: EVAL_SENTENCES (300), EVAL_TOPICS (400 of about 1,000), EVAL_TITLES (600),
// EVAL_SAMPLE=n to set all three at once (EVAL_SAMPLE=20 for a quick check), EVAL_SEED (1),
// EVAL_CONCURRENCY (4 requests at a time), EVAL_OUT=path to also write the figures as JSON,
// EVAL_MISSES=n to print, per set, n queries whose paper is not first, with the top 3 found,
// EVAL_VECTORS=1 to measure hybrid search with the local default (issue 22) through the product:
// the local model is learnt and every paper embedded by the API's own routes (POST
// /admin/vectors/train, then /admin/vectors/backfill until none wait; once, kept with the catalog,
// timed), then every query asked again with the vector arm on: "words" is the API with the arm
// switched off (POST /admin/switches/vector-search), "hybrid" with it on, and "vectors" the stored
// vectors alone (each query's nearest 100 of every paper's vector, in Node, by the same model).
// Without it the API is asked with the arm off, so that a catalog with vectors measures the words.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { dequantise } from "../shared/vectors/int8.ts";
import { embedText } from "../shared/vectors/lsa.ts";
import { startDirect } from "./lib/direct-stack.mjs";
import { ROOT, readDevVar, seedSearchIndex, seedVectors } from "./lib/local-stack.mjs";
import { nearestToVector } from "./lib/lsa.mjs";
import { DAILY_FILE, readJsonl, realCatalog, requireCorpus } from "./lib/real-catalog.mjs";
import { freePort, intEnv, rng } from "./lib/script-env.mjs";

const SAMPLE = intEnv("EVAL_SAMPLE", 0) || undefined;
const SETTINGS = {
  sentences: intEnv("EVAL_SENTENCES", SAMPLE ?? 300),
  topics: intEnv("EVAL_TOPICS", SAMPLE ?? 400),
  titles: intEnv("EVAL_TITLES", SAMPLE ?? 600),
  seed: intEnv("EVAL_SEED", 1),
};
const CONCURRENCY = Math.max(1, intEnv("EVAL_CONCURRENCY", 4));
const OUT = process.env.EVAL_OUT;
const MISSES = intEnv("EVAL_MISSES", 0);
const WITH_VECTORS = intEnv("EVAL_VECTORS", 0) !== 0;
/** The API's limits (workers/api/src/api/api-schemas.ts MAX_QUERY and MAX_LIMIT). */
const MAX_QUERY = 250;
const LIMIT = 100;
const TOPIC_MIN = 5;
const TOPIC_MAX = 60;
/** Bump when the way the sets or the baseline are made changes: older kept sets are then ignored. */
const SETS_VERSION = 1;

const started = Date.now();
requireCorpus();

function shuffled(xs, rand) {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const wordsOf = (text) =>
  text
    .normalize("NFKC")
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu) ?? [];

/** At most MAX_QUERY characters, cut at the last space that keeps it within. */
function cutAtWord(text) {
  const s = text.replace(/\s+/g, " ").trim();
  if (s.length <= MAX_QUERY) return s;
  const cut = s.slice(0, MAX_QUERY + 1).lastIndexOf(" ");
  return s.slice(0, cut > 0 ? cut : MAX_QUERY).trim();
}

/**
 * The three query sets. Each query: { q, relevant: ids }. Topic queries are scored against
 * `judged`, the featured papers that carry keywords.
 */
function buildSets(daily, db) {
  const papers = [...daily].sort(byId);
  const sentence = shuffled(
    papers.filter((p) => p.ai_summary?.trim()),
    rng(SETTINGS.seed),
  )
    .slice(0, SETTINGS.sentences)
    .map((p) => ({ q: cutAtWord(p.ai_summary), relevant: [p.id] }));

  const withKeywords = papers.filter((p) => Array.isArray(p.ai_keywords) && p.ai_keywords.length);
  /** @type {Map<string, Set<string>>} */
  const byTopic = new Map();
  for (const p of withKeywords) {
    for (const k of p.ai_keywords) {
      const topic = String(k).trim().toLowerCase().replace(/\s+/g, " ");
      if (!topic || topic.length > MAX_QUERY) continue;
      if (!byTopic.has(topic)) byTopic.set(topic, new Set());
      byTopic.get(topic)?.add(p.id);
    }
  }
  const topics = [...byTopic]
    .filter(([, ids]) => ids.size >= TOPIC_MIN && ids.size <= TOPIC_MAX)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const topic = shuffled(topics, rng(SETTINGS.seed + 1))
    .slice(0, SETTINGS.topics)
    .map(([q, ids]) => ({ q, relevant: [...ids].sort() }));

  // Title words: the sampled titles' candidate words (3+ characters, starting with a letter),
  // counted over every title and abstract of the catalog.
  const randTitle = rng(SETTINGS.seed + 2);
  const titled = shuffled(papers, randTitle).slice(0, SETTINGS.titles);
  const candidates = (title) => [...new Set(wordsOf(title).filter((w) => w.length >= 3 && /^\p{L}/u.test(w)))];
  const df = new Map(titled.flatMap((p) => candidates(p.title)).map((w) => [w, 0]));
  for (const row of db.prepare("SELECT title, abstract FROM papers").iterate()) {
    for (const w of new Set(wordsOf(`${row.title} ${row.abstract}`))) {
      const n = df.get(w);
      if (n !== undefined) df.set(w, n + 1);
    }
  }
  const title = [];
  for (const p of titled) {
    const words = candidates(p.title);
    const want = 2 + Math.floor(randTitle() * 3);
    if (words.length < 2) continue;
    const rarest = [...words].sort((a, b) => (df.get(a) ?? 0) - (df.get(b) ?? 0) || (a < b ? -1 : 1));
    const rare = new Set(rarest.slice(0, want));
    title.push({ q: words.filter((w) => rare.has(w)).join(" "), relevant: [p.id] });
  }
  return { sentence, topic, title, judged: withKeywords.map((p) => p.id) };
}

/** Plain bm25 over an OR of the query's words, on the same SQLite file: the ids, best first. */
function baselineRankings(db, queries) {
  const stmt = db.prepare(
    `SELECT p.id AS id FROM (
       SELECT rowid AS num, bm25(papers_fts, 10.0, 4.0, 1.0) AS score FROM papers_fts
       WHERE papers_fts MATCH ? ORDER BY score, num LIMIT ${LIMIT}) AS r
     JOIN papers AS p ON p.num = r.num ORDER BY r.score, r.num`,
  );
  const times = [];
  const rankings = queries.map(({ q }) => {
    const words = [...new Set(wordsOf(q))];
    if (!words.length) return [];
    const t = performance.now();
    const ids = stmt.all(words.map((w) => `"${w}"`).join(" OR ")).map((r) => String(r.id));
    times.push(performance.now() - t);
    return ids;
  });
  return { rankings, times };
}

/** Every query through GET /api/papers/search, CONCURRENCY at a time, each from its own address. */
async function apiRankings(base, queries) {
  let next = 0;
  let sent = 0;
  const rankings = new Array(queries.length);
  const times = [];
  const failures = [];
  async function lane() {
    while (next < queries.length) {
      const i = next++;
      const n = ++sent;
      const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      const url = `${base}/api/papers/search?q=${encodeURIComponent(queries[i].q)}&limit=${LIMIT}`;
      const t = performance.now();
      const res = await fetch(url, { headers: { "CF-Connecting-IP": ip } });
      const body = await res.text();
      times.push(performance.now() - t);
      if (res.status !== 200) {
        failures.push({ q: queries[i].q, status: res.status, body: body.slice(0, 200) });
        rankings[i] = [];
        continue;
      }
      rankings[i] = JSON.parse(body).map((item) => String(item.paper.id));
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { rankings, times, failures };
}

/**
 * The vector arm alone, in Node: each query embedded by the local model of the space that answers
 * (its terms as stored, int8 read back) and its LIMIT nearest among every stored paper vector by
 * cosine: all of them, not the inverted file's probed clusters the API reads.
 */
function storedVectorRankings(dbFile) {
  const db = new DatabaseSync(dbFile, { readOnly: true });
  const space = db
    .prepare(
      "SELECT space FROM vector_spaces WHERE completed_at IS NOT NULL ORDER BY completed_at DESC, space DESC LIMIT 1",
    )
    .get()?.space;
  if (!space) throw new Error("no complete vector space in the catalog");
  const k = Number(db.prepare("SELECT dimensions FROM local_models WHERE space = ?").get(space)?.dimensions);
  const terms = new Map();
  for (const r of db.prepare("SELECT term, idf, scale, vector FROM local_model_terms WHERE space = ?").iterate(space))
    terms.set(r.term, { idf: Number(r.idf), row: dequantise(String(r.vector), Number(r.scale)) });
  const rows = db.prepare("SELECT paper_id, scale, vector FROM local_vectors WHERE space = ?").all(space);
  db.close();
  const ids = rows.map((r) => String(r.paper_id));
  const vectors = new Float32Array(rows.length * k);
  rows.forEach((r, i) => {
    vectors.set(dequantise(String(r.vector), Number(r.scale)), i * k);
  });
  /** @type {Record<string, string[][]>} */
  const rankings = {};
  for (const name of ["sentence", "topic", "title"])
    rankings[name] = sets[name].map(({ q }) => {
      const v = embedText(q, k, (t) => terms.get(t));
      return v ? nearestToVector(vectors, k, v, LIMIT).map(([r]) => ids[r]) : [];
    });
  return { space: String(space), terms: terms.size, papers: rows.length, rankings };
}

// --- scores --------------------------------------------------------------------------------------

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const quantile = (xs, q) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** One known paper per query: where it ranks. */
function knownItem(queries, rankings) {
  const ranks = queries.map(({ relevant }, i) => rankings[i].indexOf(relevant[0]) + 1);
  return {
    "MRR@10": mean(ranks.map((r) => (r >= 1 && r <= 10 ? 1 / r : 0))),
    "Recall@10": mean(ranks.map((r) => (r >= 1 && r <= 10 ? 1 : 0))),
    "Recall@100": mean(ranks.map((r) => (r >= 1 ? 1 : 0))),
    empty: mean(rankings.map((r) => (r.length ? 0 : 1))),
  };
}

/** Many relevant papers per query, judged only among `judged` (the rest dropped before scoring). */
function topicScores(queries, rankings, judged) {
  const rows = queries.map(({ relevant }, i) => {
    const rel = new Set(relevant);
    const top = rankings[i].filter((id) => judged.has(id)).slice(0, 10);
    const hits = top.map((id) => rel.has(id));
    const dcg = hits.reduce((a, h, k) => a + (h ? 1 / Math.log2(k + 2) : 0), 0);
    let idcg = 0;
    for (let k = 0; k < Math.min(10, rel.size); k++) idcg += 1 / Math.log2(k + 2);
    const first = hits.indexOf(true);
    const found = hits.filter(Boolean).length;
    return {
      ndcg: dcg / idcg,
      p: found / 10,
      recall: found / rel.size,
      rr: first >= 0 ? 1 / (first + 1) : 0,
      empty: rankings[i].length ? 0 : 1,
    };
  });
  return {
    "nDCG@10": mean(rows.map((r) => r.ndcg)),
    "P@10": mean(rows.map((r) => r.p)),
    "Recall@10": mean(rows.map((r) => r.recall)),
    "MRR@10": mean(rows.map((r) => r.rr)),
    empty: mean(rows.map((r) => r.empty)),
  };
}

// --- the run -------------------------------------------------------------------------------------

const catalog = await realCatalog();
const dbBytes = statSync(catalog.dbFile).size;
const { count, featured, days, ms: loadMs } = catalog.stats;
const loaded = catalog.cached ? "kept from an earlier run" : `loaded in ${(loadMs / 1000).toFixed(1)} s`;
console.log(
  `catalog: ${count} papers, ${featured} featured on ${days} days; ` +
    `${(dbBytes / 1e6).toFixed(0)} MB; ${loaded} (${catalog.persistTo})`,
);

const setsKey = createHash("sha256")
  .update(JSON.stringify({ SETS_VERSION, SETTINGS, catalog: catalog.key }))
  .digest("hex")
  .slice(0, 16);
const setsFile = join(catalog.persistTo, `eval-sets-${setsKey}.json`);
/**
 * @type {{ sets: ReturnType<typeof buildSets>, baseline: Record<string, string[][]>,
 *   baselineMs: number[] }}
 */
let kept;
if (existsSync(setsFile)) {
  kept = JSON.parse(readFileSync(setsFile, "utf8"));
  console.log(`query sets and baseline kept from an earlier run (${setsFile})`);
} else {
  const t = Date.now();
  const db = new DatabaseSync(catalog.dbFile, { readOnly: true });
  const sets = buildSets(await readJsonl(DAILY_FILE), db);
  console.log(`query sets built in ${((Date.now() - t) / 1000).toFixed(1)} s; bm25-OR baseline...`);
  const baseline = {};
  const baselineMs = [];
  for (const name of ["sentence", "topic", "title"]) {
    const r = baselineRankings(db, sets[name]);
    baseline[name] = r.rankings;
    baselineMs.push(...r.times);
  }
  db.close();
  kept = { sets, baseline, baselineMs };
  writeFileSync(setsFile, JSON.stringify(kept));
  console.log(`baseline in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
const { sets, baseline } = kept;
const judged = new Set(sets.judged);
console.log(
  `queries: ${sets.sentence.length} sentences, ${sets.topic.length} topics, ` +
    `${sets.title.length} title-word sets (seed ${SETTINGS.seed})`,
);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const mf = await startDirect({ port, persistTo: catalog.persistTo });
/** @type {Record<string, string[][]>} */
const system = {};
const times = {};
/** @type {Record<string, string[][]>} */
const hybrid = {};
const hybridTimes = {};
const failures = [];
const admin = { Authorization: `Bearer ${readDevVar("ADMIN_TOKEN")}`, "Content-Type": "application/json" };
/** Switches hybrid search's vector arm on or off (it is on by default: left on at the end). */
async function vectorArm(on) {
  const res = await fetch(`${base}/admin/switches/vector-search`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ on }),
  });
  if (!res.ok) throw new Error(`switching the vector arm failed: ${res.status} ${await res.text()}`);
}
let apiMs = 0;
let vectorsMs = 0;
try {
  if (WITH_VECTORS) {
    const t = Date.now();
    await seedVectors(base, readDevVar("ADMIN_TOKEN"), console.log);
    vectorsMs = Date.now() - t;
  }
  await seedSearchIndex(base, readDevVar("ADMIN_TOKEN"), console.log);
  // one request first, so that the isolate's start and SQLite's first reads fall outside the timings
  const warm = `${base}/api/papers/search?q=warm&limit=${LIMIT}`;
  await (await fetch(warm, { headers: { "CF-Connecting-IP": "10.255.255.255" } })).text();
  await vectorArm(false);
  const apiStarted = Date.now();
  for (const name of ["sentence", "topic", "title"]) {
    const r = await apiRankings(base, sets[name]);
    system[name] = r.rankings;
    times[name] = r.times;
    failures.push(...r.failures);
  }
  apiMs = Date.now() - apiStarted;
  await vectorArm(true);
  if (WITH_VECTORS)
    for (const name of ["sentence", "topic", "title"]) {
      const r = await apiRankings(base, sets[name]);
      hybrid[name] = r.rankings;
      hybridTimes[name] = r.times;
      failures.push(...r.failures);
    }
} finally {
  await mf.dispose();
}

const scores = {
  sentence: {
    paperboy: knownItem(sets.sentence, system.sentence),
    bm25: knownItem(sets.sentence, baseline.sentence),
  },
  topic: {
    paperboy: topicScores(sets.topic, system.topic, judged),
    bm25: topicScores(sets.topic, baseline.topic, judged),
  },
  title: { paperboy: knownItem(sets.title, system.title), bm25: knownItem(sets.title, baseline.title) },
};
const allTimes = Object.values(times).flat();
const spread = (xs) => ({ p50: quantile(xs, 0.5), p95: quantile(xs, 0.95) });
const latency = {
  all: spread(allTimes),
  sentence: spread(times.sentence),
  topic: spread(times.topic),
  title: spread(times.title),
};

const fmt = (x) => (Number.isNaN(x) ? "-" : x.toFixed(3));
const lines = ["| set | metric | paperboy | bm25-OR |", "|---|---|---:|---:|"];
for (const [name, s] of Object.entries(scores)) {
  const n = sets[name].length;
  for (const metric of Object.keys(s.paperboy)) {
    const label = metric === "empty" ? "empty results (share)" : metric;
    lines.push(`| ${name} (${n}) | ${label} | ${fmt(s.paperboy[metric])} | ${fmt(s.bm25[metric])} |`);
  }
}
console.log(`\n${lines.join("\n")}\n`);
const ms = (x) => `${x.toFixed(0)} ms`;
const both = (l) => `${ms(l.p50)}/${ms(l.p95)}`;
console.log(
  `API latency at ${CONCURRENCY} concurrent requests: p50 ${ms(latency.all.p50)}, ` +
    `p95 ${ms(latency.all.p95)} (p50/p95: sentence ${both(latency.sentence)}, ` +
    `topic ${both(latency.topic)}, title ${both(latency.title)}); ` +
    `${allTimes.length} requests in ${(apiMs / 1000).toFixed(1)} s`,
);
const baselineMs = kept.baselineMs;
console.log(
  `bm25-OR baseline in Node (one at a time): p50 ${ms(quantile(baselineMs, 0.5))}, ` +
    `p95 ${ms(quantile(baselineMs, 0.95))}`,
);

if (WITH_VECTORS) {
  const vector = storedVectorRankings(catalog.dbFile);
  const arms = { words: system, vectors: vector.rankings, hybrid };
  const table = [
    `| set | metric | ${Object.keys(arms).join(" | ")} |`,
    `|---|---|${Object.keys(arms)
      .map(() => "---:")
      .join("|")}|`,
  ];
  for (const name of ["sentence", "topic", "title"]) {
    const per = Object.values(arms).map((arm) =>
      name === "topic" ? topicScores(sets.topic, arm[name], judged) : knownItem(sets[name], arm[name]),
    );
    for (const metric of Object.keys(per[0]))
      table.push(`| ${name} | ${metric} | ${per.map((p) => fmt(p[metric])).join(" | ")} |`);
  }
  const hybridAll = Object.values(hybridTimes).flat();
  console.log(
    `\nthe local default (${vector.space}: ${vector.terms} terms, ${vector.papers} paper vectors; ` +
      `learnt and embedded in ${(vectorsMs / 1000).toFixed(0)} s${vectorsMs < 5000 ? ", kept from an earlier run" : ""}), ` +
      `words with the vector arm off, hybrid with it on, through the API:\n${table.join("\n")}\n`,
  );
  console.log(
    `hybrid API latency: p50 ${ms(quantile(hybridAll, 0.5))}, p95 ${ms(quantile(hybridAll, 0.95))} ` +
      `(sentences ${both(spread(hybridTimes.sentence))})`,
  );
}

const runMs = Date.now() - started;
console.log(`run time ${(runMs / 1000).toFixed(0)} s`);

if (MISSES) {
  const db = new DatabaseSync(catalog.dbFile, { readOnly: true });
  const titleOf = db.prepare("SELECT title FROM papers WHERE id = ?");
  const label = (id) => `${id} ${String(titleOf.get(id)?.title ?? "?").slice(0, 80)}`;
  for (const name of ["sentence", "topic", "title"]) {
    const misses = sets[name]
      .map((query, i) => ({ ...query, got: system[name][i].filter((id) => name !== "topic" || judged.has(id)) }))
      .filter((m) => !m.relevant.includes(m.got[0]))
      .slice(0, MISSES);
    console.log(`\n${name}: ${misses.length} misses shown`);
    for (const m of misses) {
      const rank = m.got.findIndex((id) => m.relevant.includes(id)) + 1;
      console.log(`- ${JSON.stringify(m.q)} -> first relevant at ${rank || "none"}; wanted ${label(m.relevant[0])}`);
      for (const id of m.got.slice(0, 3)) console.log(`    ${m.relevant.includes(id) ? "*" : " "} ${label(id)}`);
    }
  }
  db.close();
}

if (OUT) {
  /** @type {string | null} */
  let commit = null;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    // not a git checkout
  }
  const out = {
    date: new Date().toISOString(),
    commit,
    settings: { ...SETTINGS, concurrency: CONCURRENCY, limit: LIMIT },
    catalog: { ...catalog.stats, dbBytes, cached: catalog.cached },
    queries: { sentence: sets.sentence.length, topic: sets.topic.length, title: sets.title.length },
    scores,
    latencyMs: latency,
    baselineLatencyMs: { p50: quantile(baselineMs, 0.5), p95: quantile(baselineMs, 0.95) },
    failures: failures.length,
    runMs,
  };
  writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`figures written to ${OUT}`);
}
if (failures.length) {
  const some = JSON.stringify(failures.slice(0, 3));
  console.error(`\nINVALID RUN: ${failures.length} answers other than 200, e.g. ${some}`);
  process.exitCode = 1;
}
