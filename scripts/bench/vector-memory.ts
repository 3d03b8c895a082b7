// Peak memory of the local default's two jobs, each in a fresh Node process (the same V8 as
// workerd), on the real catalog's D1 file: `learn` reads the sample trainLocalModel reads and
// learns the model and its centroids from it; `embed` embeds one backfill chunk (MAX_EMBED_CHUNK
// papers, the newest) with the stored model's terms, as localEmbedder does. Prints JSON.
import { readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { dequantise } from "../../shared/vectors/int8";
import { kMeans, LOCAL_DIMENSIONS, MAX_CLUSTERS, MAX_TERMS, TRAIN_SAMPLE } from "../../shared/vectors/local-model";
import { embedText, termsOf, trainLsa } from "../../shared/vectors/lsa";
import { MAX_EMBED_CHUNK } from "../../shared/vectors/paper-vectors";
import { paperText } from "../../shared/vectors/vectors";

const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
const [job, dbFile] = process.argv.slice(2);
const db = new DatabaseSync(dbFile!, { readOnly: true });
const before = peakRss();
const started = performance.now();
let what: Record<string, number>;

if (job === "learn") {
  const maxNum = Number((db.prepare("SELECT max(num) AS n FROM papers").get() as { n: number }).n);
  const total = Number((db.prepare("SELECT count(*) AS n FROM papers").get() as { n: number }).n);
  const stride = Math.max(1, Math.ceil(maxNum / TRAIN_SAMPLE));
  const texts = (
    db.prepare("SELECT title, abstract FROM papers WHERE num % ? = 0 ORDER BY num").all(stride) as {
      title: string;
      abstract: string;
    }[]
  ).map(paperText);
  const clusters = Math.min(MAX_CLUSTERS, Math.round(Math.sqrt(total)));
  const every = Math.max(1, Math.floor(texts.length / (clusters * 20)));
  const kmeansTexts = texts.filter((_, i) => i % every === 0);
  const sample = texts.length;
  const model = trainLsa(
    (function* () {
      while (texts.length) yield texts.pop()!;
    })(),
    { k: LOCAL_DIMENSIONS, maxTerms: MAX_TERMS, minDf: 5 },
  );
  const row = new Map(model.terms.map((t, j) => [t, j]));
  const vectors = kmeansTexts.flatMap((t) => {
    const v = embedText(t, model.k, (term) => {
      const j = row.get(term);
      return j === undefined
        ? undefined
        : { idf: model.idf[j]!, row: model.projection.subarray(j * model.k, (j + 1) * model.k) };
    });
    return v ? [v] : [];
  });
  const all = new Float32Array(vectors.length * model.k);
  vectors.forEach((v, i) => {
    all.set(v, i * model.k);
  });
  kMeans(all, model.k, clusters);
  what = { sample, terms: model.terms.length, clusters };
} else if (job === "embed") {
  const space = (
    db
      .prepare(
        "SELECT space FROM vector_spaces WHERE completed_at IS NOT NULL ORDER BY completed_at DESC, space DESC LIMIT 1",
      )
      .get() as { space: string }
  ).space;
  const k = Number(
    (db.prepare("SELECT dimensions FROM local_models WHERE space = ?").get(space) as { dimensions: number }).dimensions,
  );
  const papers = db.prepare("SELECT title, abstract FROM papers ORDER BY num DESC LIMIT ?").all(MAX_EMBED_CHUNK) as {
    title: string;
    abstract: string;
  }[];
  const texts = papers.map(paperText);
  // the chunk's batches of 100, as embedWaiting calls the embedder: each reads its texts' terms
  let terms = 0;
  for (let i = 0; i < texts.length; i += 100) {
    const batch = texts.slice(i, i + 100);
    const wanted = [...new Set(batch.flatMap(termsOf))];
    const rows = db
      .prepare(
        "SELECT term, idf, scale, vector FROM local_model_terms WHERE space = ? AND term IN (SELECT value FROM json_each(?))",
      )
      .all(space, JSON.stringify(wanted)) as { term: string; idf: number; scale: number; vector: string }[];
    terms += rows.length;
    const known = new Map(rows.map((r) => [r.term, { idf: r.idf, row: dequantise(r.vector, r.scale) }]));
    for (const t of batch) embedText(t, k, (term) => known.get(term));
  }
  what = { papers: texts.length, termRows: terms };
} else throw new Error(`job must be learn or embed, not ${job}`);

db.close();
console.log(
  JSON.stringify({
    job,
    ...what,
    ms: performance.now() - started,
    peakRssGrowth: peakRss() - before,
    peakRss: peakRss(),
  }),
);
