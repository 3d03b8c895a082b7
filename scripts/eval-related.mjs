// npm run eval:related — how related the "Related papers" are, measured on the real catalog of
// ../shared/corpus (the script stops with exit code 1 when the folder is absent).
// The catalog: scripts/lib/real-catalog.mjs (as eval:search), without ai_keywords. The judge:
// Hugging Face's ai_keywords of the featured papers (hf-daily-2024-2025.jsonl.gz). The papers
// asked about: featured papers that share at least two keyword phrases with another featured paper
// (a seeded sample). For each, a related paper "shares" when it carries one of its keyword phrases.
// A related paper without keywords (never featured) is unjudged: counted in judged@5 only.
// Methods, each over the whole catalog, through the product: the "Related papers" of the paper's
// Markdown (GET /papers/{id} with Accept: text/markdown, which no cache stores) from the three
// workers' bundles in Miniflare, with the local default's vectors
// (learnt and embedded through the API's own routes the first time, then kept with the catalog):
// - words: the related-by-meaning switch off (rare shared words);
// - meaning: on (the nearest neighbours of the paper's vector, in the inverted file);
// - with EVAL_LSA=1, lsa k: the same model learnt in Node from every paper rather than a sample,
//   40,000 terms, title twice (scripts/lib/lsa.mjs), neighbours by exhaustive cosine: the ceiling
//   of what the sampled, quantised and clustered product gives.
// Prints, per method: shared@5 (related papers sharing a phrase, out of 5), judged@5 (related
// papers that carry keywords at all), precision among judged, and the share of papers with at
// least one related paper sharing a phrase.
// Options: EVAL_RELATED (400 papers), EVAL_K (256), EVAL_SEED (1), EVAL_CONCURRENCY (4),
// EVAL_LSA=1 for the Node model too (its training takes about three minutes).

import { DatabaseSync } from "node:sqlite";
import { startDirect } from "./lib/direct-stack.mjs";
import { readDevVar, seedVectors } from "./lib/local-stack.mjs";
import { nearestRows, trainLsa } from "./lib/lsa.mjs";
import { DAILY_FILE, readJsonl, realCatalog, requireCorpus } from "./lib/real-catalog.mjs";
import { freePort, intEnv, rng } from "./lib/script-env.mjs";

const COUNT = intEnv("EVAL_RELATED", 400);
const K = intEnv("EVAL_K", 256);
const SEED = intEnv("EVAL_SEED", 1);
const CONCURRENCY = Math.max(1, intEnv("EVAL_CONCURRENCY", 4));
const WITH_LSA = intEnv("EVAL_LSA", 0) !== 0;
const TOP = 5;
const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${msg}`);

requireCorpus();
const catalog = await realCatalog(log);
const db = new DatabaseSync(catalog.dbFile, { readOnly: true });
const rows = db.prepare("SELECT id, title, abstract FROM papers ORDER BY num").all();
const rowOf = new Map(rows.map((r, i) => [String(r.id), i]));
log(`catalog: ${rows.length} papers`);

// --- the judge and the papers asked about --------------------------------------------------------
const keywords = new Map();
for (const p of await readJsonl(DAILY_FILE)) {
  if (!Array.isArray(p.ai_keywords) || !p.ai_keywords.length || !rowOf.has(p.id)) continue;
  keywords.set(p.id, new Set(p.ai_keywords.map((k) => String(k).trim().toLowerCase().replace(/\s+/g, " "))));
}
const byPhrase = new Map();
for (const [id, set] of keywords)
  for (const k of set) {
    if (!byPhrase.has(k)) byPhrase.set(k, []);
    byPhrase.get(k).push(id);
  }
const sharesTwo = (id) => {
  const counts = new Map();
  for (const k of keywords.get(id))
    for (const o of byPhrase.get(k)) if (o !== id) counts.set(o, (counts.get(o) ?? 0) + 1);
  return [...counts.values()].some((c) => c >= 2);
};
const eligible = [...keywords.keys()].filter(sharesTwo).sort();
const rand = rng(SEED);
const asked = eligible
  .map((id) => [rand(), id])
  .sort((a, b) => a[0] - b[0])
  .slice(0, COUNT)
  .map(([, id]) => id);
log(
  `${keywords.size} featured papers with keywords, ${eligible.length} share two phrases with another; asking about ${asked.length}`,
);

function score(lists) {
  let shared = 0;
  let judged = 0;
  let any = 0;
  asked.forEach((id, i) => {
    const mine = keywords.get(id);
    const list = lists[i].slice(0, TOP);
    const judgedHere = list.filter((o) => keywords.has(o));
    const sharedHere = judgedHere.filter((o) => [...keywords.get(o)].some((k) => mine.has(k))).length;
    judged += judgedHere.length;
    shared += sharedHere;
    if (sharedHere) any++;
  });
  return {
    "shared@5": (shared / asked.length).toFixed(3),
    "judged@5": (judged / asked.length).toFixed(3),
    "precision among judged": judged ? (shared / judged).toFixed(3) : "n/a",
    "papers with one sharing": (any / asked.length).toFixed(3),
  };
}

// --- words and meaning: through the product ------------------------------------------------------
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const mf = await startDirect({ port, persistTo: catalog.persistTo });
/** The related papers the product lists, with related-by-meaning `on` or off. */
async function productLists(on) {
  const res = await fetch(`${base}/admin/switches/related-by-meaning`, {
    method: "POST",
    headers: { Authorization: `Bearer ${readDevVar("ADMIN_TOKEN")}`, "Content-Type": "application/json" },
    body: JSON.stringify({ on }),
  });
  if (!res.ok) throw new Error(`switching related-by-meaning failed: ${res.status}`);
  const lists = new Array(asked.length);
  let next = 0;
  const lane = async () => {
    while (next < asked.length) {
      const i = next++;
      // Markdown negotiated at the HTML address: never stored by a cache, so the page as it is now
      const res = await fetch(`${base}/papers/${asked[i]}`, { headers: { Accept: "text/markdown" } });
      if (res.status !== 200) throw new Error(`GET /papers/${asked[i]} answered ${res.status}: INVALID run`);
      const md = await res.text();
      const section = md.includes("## Related papers") ? md.slice(md.indexOf("## Related papers")) : "";
      lists[i] = [...section.matchAll(/\(arXiv ([^)\s]+)\)/g)].map((m) => m[1]);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return lists;
}
let wordsLists;
let meaningLists;
try {
  await seedVectors(base, readDevVar("ADMIN_TOKEN"), log);
  wordsLists = await productLists(false);
  meaningLists = await productLists(true);
} finally {
  await mf.dispose();
}
log("words and meaning: asked the API");

// --- lsa: learnt from the catalog ----------------------------------------------------------------
/** @type {Record<string, Record<string, string>>} */
const results = { words: score(wordsLists), "meaning (local default)": score(meaningLists) };
if (WITH_LSA) {
  const lsa = trainLsa(
    rows.map((r) => `${r.title} ${r.title} ${r.abstract}`),
    { k: K, seed: SEED, log },
  );
  log(`lsa: trained, k=${K}`);
  const lsaLists = asked.map((id) => nearestRows(lsa.vectors, K, rowOf.get(id), TOP).map(([r]) => String(rows[r].id)));
  results[`lsa k=${K}`] = score(lsaLists);
}
const metrics = Object.keys(results.words);
console.log(`\n| metric (${asked.length} papers) | ${Object.keys(results).join(" | ")} |`);
console.log(
  `|---|${Object.keys(results)
    .map(() => "---:")
    .join("|")}|`,
);
for (const m of metrics)
  console.log(
    `| ${m} | ${Object.values(results)
      .map((r) => r[m])
      .join(" | ")} |`,
  );
