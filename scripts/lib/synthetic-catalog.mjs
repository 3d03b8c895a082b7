// A deterministic synthetic catalog for the site benchmark: PAPERS papers, 30 featured a day for
// up to 1,000 days, the rest only in the catalog (as announced papers are). Written straight into
// the local D1's SQLite file, through the real migrations' FTS triggers.
import { DatabaseSync } from "node:sqlite";

export const PER_DAY = 30;
export const DAYS = 1000;
export const LAST_DAY = "2026-06-12";

export const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Topic words with the document frequencies of the shipped captures' abstracts (61 abstracts of
 * test/fixtures/upstream: "model" 0.66, "task" 0.34, "method" 0.31, "large" 0.30, "data" 0.30,
 * "benchmark" 0.28, "learning" and "language" 0.25, "training" 0.21, "reasoning" 0.18, "quantum"
 * 0); titles carry each at 0.3 of that ("model" 0.16 in the captures' titles). The other words
 * follow a Zipf-like curve over 4,000 made-up words.
 */
export const TOPIC_DF = {
  model: 0.5,
  learning: 0.25,
  language: 0.25,
  data: 0.3,
  training: 0.22,
  task: 0.3,
  method: 0.3,
  large: 0.3,
  performance: 0.28,
  benchmark: 0.28,
  reasoning: 0.15,
  transformer: 0.1,
  diffusion: 0.07,
  agents: 0.2,
  vision: 0.1,
  retrieval: 0.08,
  attention: 0.1,
  alignment: 0.12,
  policy: 0.1,
  graph: 0.1,
  sparse: 0.05,
  memory: 0.1,
  robust: 0.1,
  multimodal: 0.1,
  scaling: 0.03,
  tokenizer: 0.03,
  quantum: 0.004,
};

/** New-style arXiv ids: the day's year and month, then a 5-digit number counted per month. */
function idMaker() {
  const perMonth = new Map();
  return (day) => {
    const yymm = `${day.slice(2, 4)}${day.slice(5, 7)}`;
    const n = perMonth.get(yymm) ?? 0;
    perMonth.set(yymm, n + 1);
    return `${yymm}.${String(10000 + n)}`;
  };
}

export function fillCatalog(dbFile, papers) {
  let seed = 42;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const SYL = [
    "ra",
    "to",
    "ne",
    "mi",
    "ka",
    "lo",
    "ve",
    "su",
    "di",
    "an",
    "or",
    "el",
    "is",
    "um",
    "ex",
    "po",
    "qu",
    "tri",
    "gen",
    "form",
  ];
  const VOCAB = Array.from({ length: 4000 }, () =>
    Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(SYL)).join(""),
  );
  const topics = Object.entries(TOPIC_DF);
  const zipf = () => VOCAB[Math.floor(VOCAB.length * rand() ** 2.5)];
  const words = (n) => {
    const out = Array.from({ length: n }, zipf);
    const abstract = n > 20;
    for (const [w, df] of topics) {
      if (rand() >= (abstract ? df : df * 0.3)) continue;
      const times = abstract ? 1 + Math.floor(rand() * 3) : 1;
      for (let k = 0; k < times; k++) out[Math.floor(rand() * n)] = w;
    }
    return out.join(" ");
  };
  const NAMES = Array.from(
    { length: 3000 },
    () => `${pick(VOCAB)[0].toUpperCase()}${pick(VOCAB)} ${pick(VOCAB)[0].toUpperCase()}${pick(VOCAB)}`,
  );

  const db = new DatabaseSync(dbFile);
  const insertPaper = db.prepare(
    `INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published, updated, code_url, github_stars)
     VALUES (?, 1, ?, ?, ?, '["cs.LG","cs.AI"]', 'cs.LG', ?, ?, ?, ?)`,
  );
  const insertEntry = db.prepare(
    `INSERT INTO daily_entries (paper_id, day, source, submitter_name, submitter_fullname, upstream_upvotes, num_comments) VALUES (?, ?, 'hf-daily', ?, ?, ?, ?)`,
  );
  const started = Date.now();
  const ids = [];
  const nextId = idMaker();
  const days = new Set();
  db.exec("BEGIN");
  // The catalog-only papers first (a backfill), then the featured days oldest first, as daily
  // ingest adds them: the papers added last are the newest.
  const featuredCount = Math.min(papers, PER_DAY * DAYS);
  for (let k = 0; k < papers; k++) {
    const i = k < papers - featuredCount ? featuredCount + k : papers - 1 - k;
    const featured = i < featuredCount;
    const day = featured ? addDays(LAST_DAY, -Math.floor(i / PER_DAY)) : addDays(LAST_DAY, -Math.floor(rand() * 2000));
    const id = nextId(day);
    ids.push(id);
    const at = `${day}T00:00:00.000Z`;
    const authors = JSON.stringify(Array.from({ length: 2 + Math.floor(rand() * 8) }, () => pick(NAMES)));
    insertPaper.run(
      id,
      words(8 + Math.floor(rand() * 6)),
      words(150 + Math.floor(rand() * 100)),
      authors,
      at,
      at,
      rand() < 0.3 ? `https://github.com/example/${id}` : null,
      rand() < 0.3 ? Math.floor(rand() * 500) : null,
    );
    if (featured) {
      days.add(day);
      const who = pick(NAMES);
      insertEntry.run(
        id,
        day,
        who.replace(" ", "").toLowerCase(),
        who,
        Math.floor(rand() ** 3 * 300),
        Math.floor(rand() * 8),
      );
    }
  }
  db.exec("COMMIT");
  const count = db.prepare("SELECT count(*) AS n FROM papers").get()?.n;
  db.close();
  return { count, ids, days: [...days], ms: Date.now() - started };
}
