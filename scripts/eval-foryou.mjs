// npm run eval:foryou — how well "For you" finds a reader's topic, measured on the real catalog of
// ../shared/corpus (the script stops with exit code 1 when the folder is absent), against trending.
// The catalog and its vectors: scripts/lib/real-catalog.mjs with the local default's vectors (learnt
// and embedded through the API's own routes the first time, as eval:related does, then kept).
// Simulated readers (issue 23): a reader interested in one ai_keywords topic (plural forms merged)
// upvotes 10 of its papers featured in one month: every (topic, month) pair with at least 10 papers
// that month and at least one the next (about 130 on the corpus), in a seeded order. The relevant
// papers: the topic's papers featured the next month. For you ranks that month's papers with the
// product's own model (shared/readers/for-you.ts, run here with Node's type stripping, on the
// stored int8 vectors), from two pools: the month's featured papers (the judged ones, as trending
// ranks) and every paper published or featured that month (the product's pool, where the topic's
// papers that were never featured carry no keywords and count as misses). Trending, the baseline,
// is the same list for everyone: the month's featured papers by upvotes. Reports recall@20,
// precision@20 and the lift over trending, for centroid shares 0 (the nearest upvote alone), 0.5,
// 0.75 and 1 (the centroid alone: the product's CENTROID_SHARE).
// Options: EVAL_READERS (300), EVAL_SEED (1).

import { DatabaseSync } from "node:sqlite";
import { rankForReader } from "../shared/readers/for-you.ts";
import { dequantise } from "../shared/vectors/int8.ts";
import { startDirect } from "./lib/direct-stack.mjs";
import { readDevVar, seedVectors } from "./lib/local-stack.mjs";
import { DAILY_FILE, readJsonl, realCatalog, requireCorpus } from "./lib/real-catalog.mjs";
import { freePort, intEnv, rng } from "./lib/script-env.mjs";

const READERS = intEnv("EVAL_READERS", 300);
const SEED = intEnv("EVAL_SEED", 1);
const LIKES = 10;
const TOP = 20;
const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${msg}`);

requireCorpus();
const catalog = await realCatalog(log);

/** The space that answers, once every paper has a vector in it (learnt and filled the first time). */
function answeringSpace() {
  const db = new DatabaseSync(catalog.dbFile, { readOnly: true });
  try {
    const row = db
      .prepare("SELECT space FROM local_models WHERE ready_at IS NOT NULL ORDER BY trained_at DESC LIMIT 1")
      .get();
    if (!row) return null;
    const papers = Number(db.prepare("SELECT count(*) AS n FROM papers").get()?.n);
    const stored = Number(db.prepare("SELECT count(*) AS n FROM local_vectors WHERE space = ?").get(row.space)?.n);
    return stored === papers ? String(row.space) : null;
  } finally {
    db.close();
  }
}
if (!answeringSpace()) {
  const port = await freePort();
  const mf = await startDirect({ port, persistTo: catalog.persistTo });
  try {
    await seedVectors(`http://127.0.0.1:${port}`, readDevVar("ADMIN_TOKEN"), log);
  } finally {
    await mf.dispose();
  }
}
const space = answeringSpace();
if (!space) throw new Error("the catalog's vectors are incomplete after the backfill: INVALID run");

const db = new DatabaseSync(catalog.dbFile, { readOnly: true });
const papers = db.prepare("SELECT id, title, substr(published, 1, 7) AS month FROM papers").all();
const stored = new Map(
  db
    .prepare("SELECT paper_id, scale, vector FROM local_vectors WHERE space = ?")
    .all(space)
    .map((r) => [String(r.paper_id), r]),
);
db.close();
const vectorCache = new Map();
const vectorOf = (id) => {
  if (!vectorCache.has(id)) {
    const r = stored.get(id);
    vectorCache.set(id, r ? dequantise(String(r.vector), Number(r.scale)) : null);
  }
  return vectorCache.get(id);
};
const titleOf = new Map(papers.map((p) => [String(p.id), String(p.title)]));
log(`catalog: ${papers.length} papers, ${stored.size} vectors in ${space}`);

// --- the featured papers, their topics and months -------------------------------------------------
/** A keyword as a topic: lower-cased, one space, a plural's last s dropped ("diffusion models" is "diffusion model"). */
const topicOf = (k) =>
  String(k)
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((w) => (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") ? w.slice(0, -1) : w))
    .join(" ");
const featured = [];
for (const p of await readJsonl(DAILY_FILE)) {
  if (!titleOf.has(p.id) || !p.featuredDay) continue;
  const keywords = Array.isArray(p.ai_keywords) ? [...new Set(p.ai_keywords.map(topicOf))] : [];
  featured.push({ id: p.id, month: p.featuredDay.slice(0, 7), upvotes: Number(p.upvotes) || 0, keywords });
}
const nextMonth = (m) => {
  const [y, mo] = m.split("-").map(Number);
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, "0")}`;
};
/** topic -> month -> featured ids */
const byTopicMonth = new Map();
for (const f of featured)
  for (const k of f.keywords) {
    if (!byTopicMonth.has(k)) byTopicMonth.set(k, new Map());
    const months = byTopicMonth.get(k);
    if (!months.has(f.month)) months.set(f.month, []);
    months.get(f.month).push(f.id);
  }
const pairs = [];
for (const [topic, months] of byTopicMonth)
  for (const [month, ids] of months)
    if (ids.length >= LIKES && (months.get(nextMonth(month))?.length ?? 0) >= 1) pairs.push({ topic, month });
pairs.sort((a, b) => (a.topic + a.month < b.topic + b.month ? -1 : 1));
const rand = rng(SEED);
const shuffled = (list) =>
  list
    .map((x) => [rand(), x])
    .sort((a, b) => a[0] - b[0])
    .map(([, x]) => x);
const readers = shuffled(pairs).slice(0, READERS);
log(`${featured.length} featured papers; ${pairs.length} (topic, month) pairs qualify; ${readers.length} readers`);

// --- each month's candidates and its trending list -----------------------------------------------
const candidatesOf = new Map();
const trendingOf = new Map();
/** The month's candidates: its featured papers (the judged ones), or with every paper published that month too. */
function monthCandidates(month, pool) {
  const key = `${month} ${pool}`;
  if (!candidatesOf.has(key)) {
    const ids = new Set(pool === "all" ? papers.filter((p) => p.month === month).map((p) => String(p.id)) : []);
    for (const f of featured) if (f.month === month) ids.add(f.id);
    const upvotes = new Map(featured.filter((f) => f.month === month).map((f) => [f.id, f.upvotes]));
    candidatesOf.set(
      key,
      [...ids].map((paperId) => ({
        paperId,
        vector: vectorOf(paperId),
        authorKeys: [],
        authors: [],
        categories: [],
        words: null,
        upvotes: upvotes.get(paperId) ?? 0,
      })),
    );
    trendingOf.set(
      month,
      featured
        .filter((f) => f.month === month)
        .sort((a, b) => b.upvotes - a.upvotes || (a.id < b.id ? 1 : -1))
        .slice(0, TOP)
        .map((f) => f.id),
    );
  }
  return candidatesOf.get(key);
}

// --- the readers ---------------------------------------------------------------------------------
const SHARES = [0, 0.5, 0.75, 1];
const POOLS = ["featured", "all"];
const totals = Object.fromEntries(
  ["trending", ...POOLS.flatMap((pool) => SHARES.map((s) => `${pool} ${s}`))].map((k) => [k, { r: 0, p: 0 }]),
);
for (const { topic, month } of readers) {
  const liked = shuffled(byTopicMonth.get(topic).get(month)).slice(0, LIKES);
  const next = nextMonth(month);
  const relevant = new Set(byTopicMonth.get(topic).get(next));
  monthCandidates(next, "featured"); // and its trending list
  const model = {
    liked: liked
      .filter((id) => vectorOf(id))
      .map((id) => ({ paperId: id, title: titleOf.get(id), vector: vectorOf(id) })),
    marked: [],
    authors: new Map(),
    categories: new Set(),
    topics: [],
    seen: new Set(liked),
  };
  const score = (list, key) => {
    const hits = list.filter((id) => relevant.has(id)).length;
    totals[key].r += hits / relevant.size;
    totals[key].p += hits / TOP;
  };
  score(
    trendingOf.get(next).filter((id) => !model.seen.has(id)),
    "trending",
  );
  for (const pool of POOLS)
    for (const share of SHARES)
      score(
        rankForReader(model, monthCandidates(next, pool), TOP, share).map((r) => r.paperId),
        `${pool} ${share}`,
      );
}
const n = readers.length;
const forYouName = (key) => {
  const [pool, share] = key.split(" ");
  return `For you, centroid share ${share}, ${pool === "all" ? "every paper of the month" : "the month's featured papers"}`;
};
const base = totals.trending.r / n;
console.log(`\n| ${n} simulated readers | recall@${TOP} | precision@${TOP} | lift over trending (recall) |`);
console.log("|---|---:|---:|---:|");
for (const [name, t] of Object.entries(totals))
  console.log(
    `| ${name === "trending" ? "trending (the same list for everyone)" : forYouName(name)} | ${(t.r / n).toFixed(3)} | ${(t.p / n).toFixed(3)} | ${name === "trending" ? "1" : base ? `${(t.r / n / base).toFixed(1)}x` : "n/a"} |`,
  );
console.log(
  `\n(${[...new Set(readers.map((r) => nextMonth(r.month)))].length} months ranked; ${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
