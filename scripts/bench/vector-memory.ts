// Peak memory of the local default's two jobs, each in a fresh Node process (the same V8 as
// workerd), from the real catalog: `learn` runs learnFromTexts (what trainLocalModel runs) on the sample
// trainLocalModel reads; `embed` embeds one backfill chunk (MAX_EMBED_CHUNK papers, the newest)
// with the stored model's every term row held at once, as localEmbedder holds them. Each prints JSON; `prepare` first
// writes what they read.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { int8Of } from "../../shared/vectors/int8";
import { learnFromTexts, TRAIN_SAMPLE } from "../../shared/vectors/local-model";
import { embedText } from "../../shared/vectors/lsa";
import { MAX_EMBED_CHUNK } from "../../shared/vectors/paper-vectors";
import { paperText } from "../../shared/vectors/vectors";

const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
const [job, path, out] = process.argv.slice(2);

/**
 * `prepare DB DIR`: what each job reads, written out of the D1 file first, so that the jobs never
 * open SQLite (node:sqlite maps the file: its pages would count in the process's memory, where a
 * Worker's D1 is a remote database). sample.json: the texts trainLocalModel reads (every stride-th
 * paper); chunk.json: one backfill chunk's texts and the model's every term row.
 */
if (job === "prepare") {
  const db = new DatabaseSync(path!, { readOnly: true });
  const maxNum = Number((db.prepare("SELECT max(num) AS n FROM papers").get() as { n: number }).n);
  const total = Number((db.prepare("SELECT count(*) AS n FROM papers").get() as { n: number }).n);
  const stride = Math.max(1, Math.ceil(maxNum / TRAIN_SAMPLE));
  const sample = (
    db.prepare("SELECT title, abstract FROM papers WHERE num % ? = 0 ORDER BY num").all(stride) as {
      title: string;
      abstract: string;
    }[]
  ).map(paperText);
  writeFileSync(join(out!, "sample.json"), JSON.stringify({ total, texts: sample }));
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
  const texts = (
    db.prepare("SELECT title, abstract FROM papers ORDER BY num DESC LIMIT ?").all(MAX_EMBED_CHUNK) as {
      title: string;
      abstract: string;
    }[]
  ).map(paperText);
  const rows = db.prepare("SELECT term, idf, scale, vector FROM local_model_terms WHERE space = ?").all(space);
  writeFileSync(join(out!, "chunk.json"), JSON.stringify({ k, texts, rows }));
  db.close();
  process.exit(0);
}

const before = peakRss();
const started = performance.now();
let what: Record<string, number>;
if (job === "learn") {
  const { total, texts } = JSON.parse(readFileSync(path!, "utf8")) as { total: number; texts: string[] };
  const sample = texts.length;
  const { model, centroids } = learnFromTexts(texts, total);
  what = { sample, terms: model.terms.length, clusters: centroids.length / model.k };
} else if (job === "embed") {
  const { k, texts, rows } = JSON.parse(readFileSync(path!, "utf8")) as {
    k: number;
    texts: string[];
    rows: { term: string; idf: number; scale: number; vector: string }[];
  };
  // the model held whole, int8 as localEmbedder holds it
  const known = new Map(rows.map((r) => [r.term, { idf: r.idf * r.scale, row: int8Of(r.vector) }]));
  for (const t of texts) embedText(t, k, (term) => known.get(term));
  what = { papers: texts.length, termRows: rows.length };
} else throw new Error(`job must be prepare, learn or embed, not ${job}`);

console.log(
  JSON.stringify({
    job,
    ...what,
    ms: performance.now() - started,
    peakRssGrowth: peakRss() - before,
    peakRss: peakRss(),
  }),
);
