// npm run eval:related — how related the "Related papers" are, measured on the real catalog of
// ../shared/corpus (the script stops with exit code 1 when the folder is absent).
// The catalog: scripts/lib/real-catalog.mjs (as eval:search), without ai_keywords. The judge:
// Hugging Face's ai_keywords of the featured papers (hf-daily-2024-2025.jsonl.gz). The papers
// asked about: featured papers that share at least two keyword phrases with another featured paper
// (a seeded sample). For each, a related paper "shares" when it carries one of its keyword phrases.
// A related paper without keywords (never featured) is unjudged: counted in judged@5 only.
// Two methods, each over the whole catalog:
// - words, today's method, through the product: the "Related papers" of GET /papers/{id}.md from
//   the API worker's bundle in Miniflare (no vectors there: related by rare shared words);
// - lsa: the nearest neighbours by cosine of paper vectors learnt from the catalog by latent
//   semantic analysis (scripts/lib/lsa.mjs, k dimensions, trained here in memory): what issue 22's
//   local default model would give, before it exists in the workers.
// Prints, per method: shared@5 (related papers sharing a phrase, out of 5), judged@5 (related
// papers that carry keywords at all), precision among judged, and the share of papers with at
// least one related paper sharing a phrase.
// Options: EVAL_RELATED (400 papers), EVAL_K (256), EVAL_SEED (1), EVAL_CONCURRENCY (4),
// EVAL_LSA=0 to measure the words method alone (the LSA's training takes about three minutes).

import { DatabaseSync } from "node:sqlite";
import { startDirect } from "./lib/direct-stack.mjs";
import { nearestRows, trainLsa } from "./lib/lsa.mjs";
import { DAILY_FILE, readJsonl, realCatalog, requireCorpus } from "./lib/real-catalog.mjs";
import { freePort, intEnv, rng } from "./lib/script-env.mjs";

const COUNT = intEnv("EVAL_RELATED", 400);
const K = intEnv("EVAL_K", 256);
const SEED = intEnv("EVAL_SEED", 1);
const CONCURRENCY = Math.max(1, intEnv("EVAL_CONCURRENCY", 4));
const WITH_LSA = intEnv("EVAL_LSA", 1) !== 0;
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

// --- words: through the product ------------------------------------------------------------------
const port = await freePort();
const mf = await startDirect({ port, persistTo: catalog.persistTo });
const wordsLists = new Array(asked.length);
try {
  let next = 0;
  const lane = async () => {
    while (next < asked.length) {
      const i = next++;
      const res = await fetch(`http://127.0.0.1:${port}/papers/${asked[i]}.md`);
      if (res.status !== 200) throw new Error(`GET /papers/${asked[i]}.md answered ${res.status}: INVALID run`);
      const md = await res.text();
      const section = md.includes("## Related papers") ? md.slice(md.indexOf("## Related papers")) : "";
      wordsLists[i] = [...section.matchAll(/\(arXiv ([^)\s]+)\)/g)].map((m) => m[1]);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
} finally {
  await mf.dispose();
}
log("words: asked the API");

// --- lsa: learnt from the catalog ----------------------------------------------------------------
/** @type {Record<string, Record<string, string>>} */
const results = { words: score(wordsLists) };
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
