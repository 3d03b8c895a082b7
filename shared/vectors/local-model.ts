/**
 * The local default, for `npm run dev`, the tests and self-hosting without Workers AI: an LSA model
 * (lsa.ts) learnt from the catalog itself by the ingest worker and kept in D1, an Embedder over it,
 * and the inverted file's centroids for local-index.ts. Learning is bounded whatever the catalog's
 * size: it reads a sample of at most TRAIN_SAMPLE papers spread over the catalog, keeps at most
 * MAX_TERMS terms, and so fits one invocation (12 s in workerd at the full sample, its heap's live
 * objects under 64 MB beside about 60 MB of typed arrays: docs/benchmarks.md). A model becomes usable when its last term is written
 * (`ready_at`); one killed half-way is never used and is dropped by the next maintenance. Its
 * space then fills through the same backfill as Workers AI's, and answers once complete
 * (paper-vectors.ts), so the old model answers until then.
 */
import { desc, eq, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { localModels, papers } from "../db/schema";
import { int8Of, quantise } from "./int8";
import { encodeCentroids, localVectorIndex } from "./local-index";
import { embedderOf, embedText, type LsaModel, trainLsa } from "./lsa";
import { activeSpace, embedWaiting, MAX_EMBED_CHUNK } from "./paper-vectors";
import { type Embedder, paperText } from "./vectors";

/** Dimensions asked of a local model (fewer when a small catalog cannot give as many). */
export const LOCAL_DIMENSIONS = 256;
/** Papers a model learns from at most: a sample spread over the catalog by its insertion order. */
export const TRAIN_SAMPLE = 12_000;
export const MAX_TERMS = 12_000;
/** Below this many papers there is too little to learn from: no local model, related papers by words. */
export const MIN_TRAIN_PAPERS = 50;
/** The inverted file's clusters: about √papers, at most this many. */
export const MAX_CLUSTERS = 256;
/** Vectors k-means learns the centroids from, per cluster. */
const KMEANS_PER_CLUSTER = 20;
const KMEANS_ITERATIONS = 6;
/** Texts one embed call takes: the terms they hold are read in one statement. */
const EMBED_BATCH = 100;
/** Terms written per statement (one JSON parameter of about 400 KB). */
const TERMS_PER_STATEMENT = 1000;
const SAMPLE_PAGE = 2000;

export interface TrainOutcome {
  space: string;
  dimensions: number;
  terms: number;
  sample: number;
  catalog: number;
  clusters: number;
  ms: number;
}

/** The sample's texts: every stride-th paper by num, read in pages (the rows are not kept). */
async function* sampleTexts(db: Db, stride: number): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const rows = await db.all<{ num: number; title: string; abstract: string }>(sql`
      SELECT num, title, abstract FROM ${papers} WHERE num > ${after} AND num % ${stride} = 0
      ORDER BY num LIMIT ${SAMPLE_PAGE}`);
    for (const r of rows) yield paperText(r);
    if (rows.length < SAMPLE_PAGE) return;
    after = rows.at(-1)!.num;
  }
}

/** Spherical k-means over unit vectors (rows of `vectors`, k wide): `clusters` unit centroids. */
function kMeans(vectors: Float32Array, k: number, clusters: number, iterations = KMEANS_ITERATIONS): Float32Array {
  const n = vectors.length / k;
  const centroids = new Float32Array(clusters * k);
  // evenly spaced vectors to start: deterministic, and spread as the sample is
  for (let c = 0; c < clusters; c++)
    centroids.set(
      vectors.subarray(Math.floor((c * n) / clusters) * k, (Math.floor((c * n) / clusters) + 1) * k),
      c * k,
    );
  const assigned = new Int32Array(n);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < clusters; c++) {
        let d = 0;
        for (let j = 0; j < k; j++) d += centroids[c * k + j]! * vectors[i * k + j]!;
        if (d > bestScore) [best, bestScore] = [c, d];
      }
      assigned[i] = best;
    }
    const sums = new Float32Array(clusters * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) sums[assigned[i]! * k + j]! += vectors[i * k + j]!;
    for (let c = 0; c < clusters; c++) {
      let norm = 0;
      for (let j = 0; j < k; j++) norm += sums[c * k + j]! ** 2;
      if (!norm) continue; // an empty cluster keeps its centroid
      norm = Math.sqrt(norm);
      for (let j = 0; j < k; j++) centroids[c * k + j] = sums[c * k + j]! / norm;
    }
  }
  return centroids;
}

/** A model's own vectors of some of its sample's texts, for k-means. */
function vectorsOfModel(model: LsaModel, texts: string[]): Float32Array {
  const embed = embedderOf(model);
  const out: Float32Array[] = [];
  for (const text of texts) {
    const v = embed(text);
    if (v) out.push(v);
  }
  const all = new Float32Array(out.length * model.k);
  out.forEach((v, i) => {
    all.set(v, i * model.k);
  });
  return all;
}

/**
 * The model and the inverted file's centroids learnt from a sample's `texts` (emptied: each text is
 * let go once counted) of a catalog of `total` papers. No I/O: trainLocalModel reads and writes
 * around it, and bench:site measures its memory on the real sample (scripts/bench/vector-memory.ts).
 */
export function learnFromTexts(texts: string[], total: number): { model: LsaModel; centroids: Float32Array } {
  // k-means learns from a share of the sample, spread over it
  const clusters = Math.max(1, Math.min(MAX_CLUSTERS, Math.round(Math.sqrt(total))));
  const kmeansEvery = Math.max(1, Math.floor(texts.length / (clusters * KMEANS_PER_CLUSTER)));
  const kmeansTexts = texts.filter((_, i) => i % kmeansEvery === 0);
  const minDf = Math.max(2, Math.min(5, Math.floor(texts.length / 100)));
  const drain = function* () {
    while (texts.length) yield texts.pop()!;
  };
  const model = trainLsa(drain(), { k: LOCAL_DIMENSIONS, maxTerms: MAX_TERMS, minDf });
  const sampleVectors = vectorsOfModel(model, kmeansTexts);
  const centroids = kMeans(sampleVectors, model.k, Math.min(clusters, sampleVectors.length / model.k || 1));
  return { model, centroids };
}

/**
 * Learns a new local model from the catalog and writes it, ready, in a space of its own
 * ("lsa-{time}@{dimensions}"). Throws when the catalog has fewer than MIN_TRAIN_PAPERS papers.
 */
export async function trainLocalModel(db: Db, now: Date): Promise<TrainOutcome> {
  const started = Date.now();
  const total = Number((await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${papers}`))?.n ?? 0);
  if (total < MIN_TRAIN_PAPERS)
    throw new Error(`${total} papers: a local model needs at least ${MIN_TRAIN_PAPERS} to learn from`);
  const maxNum = Number((await db.get<{ n: number }>(sql`SELECT max(num) AS n FROM ${papers}`))?.n ?? 0);
  const stride = Math.max(1, Math.ceil(maxNum / TRAIN_SAMPLE));
  const texts: string[] = [];
  for await (const t of sampleTexts(db, stride)) texts.push(t);
  const sample = texts.length;
  const { model, centroids } = learnFromTexts(texts, total);
  const space = localSpace(now, model.k);
  await db.insert(localModels).values({
    space,
    dimensions: model.k,
    terms: model.terms.length,
    sample,
    catalog: total,
    centroids: encodeCentroids(centroids),
    clusters: centroids.length / model.k,
    trainedAt: now.toISOString(),
  });
  for (let s = 0; s < model.terms.length; s += TERMS_PER_STATEMENT) {
    const rows = model.terms.slice(s, s + TERMS_PER_STATEMENT).map((term, i) => {
      const j = s + i;
      const { scale, data } = quantise(model.projection.subarray(j * model.k, (j + 1) * model.k));
      return { term, idf: model.idf[j], scale, data };
    });
    await db.run(sql`
      INSERT INTO local_model_terms (space, term, idf, scale, vector)
      SELECT ${space}, j.value ->> 'term', j.value ->> 'idf', j.value ->> 'scale', j.value ->> 'data'
      FROM json_each(${JSON.stringify(rows)}) AS j`);
  }
  await db.update(localModels).set({ readyAt: new Date().toISOString() }).where(eq(localModels.space, space));
  return {
    space,
    dimensions: model.k,
    terms: model.terms.length,
    sample,
    catalog: total,
    clusters: centroids.length / model.k,
    ms: Date.now() - started,
  };
}

/** A local model's space: "lsa-{time}@{dimensions}", so that its dimensions are known from its name. */
const LOCAL_SPACE = /^lsa-\d{8}T\d{6}@(\d+)$/;
const localSpace = (at: Date, dimensions: number) =>
  `lsa-${at.toISOString().replace(/[-:]/g, "").slice(0, 15)}@${dimensions}`;

/** The local model a space names, or null for another kind of space (a Workers AI model's). */
export function localModelOf(space: string): { space: string; dimensions: number } | null {
  const m = LOCAL_SPACE.exec(space);
  return m ? { space, dimensions: Number(m[1]) } : null;
}

/** A local model's terms as an embedder holds them: int8 rows, the scale folded into the idf (embedText weighs a row by its idf). */
type Terms = Map<string, { idf: number; row: Int8Array }>;

/**
 * Local models' terms, read whole once per isolate by space: a model never changes once ready, and
 * at most MAX_TERMS terms of LOCAL_DIMENSIONS int8 (3 MB; 12,000 a model) cost one read where a
 * query's own terms were a statement a query (its rare words new to the isolate). The two spaces
 * used last (a new model's beside the one answering while it fills); a read that fails is read again.
 */
const modelTerms = new Map<string, Promise<Terms>>();
const KEPT_MODELS = 2;
/** Terms a row of the read holds (about 380 characters each): far below D1's 2 MB a row. */
const TERMS_PER_ROW = 2000;

function termsOfModel(db: Db, space: string): Promise<Terms> {
  let terms = modelTerms.get(space);
  if (!terms) {
    terms = readTerms(db, space);
    modelTerms.set(space, terms);
    terms.catch(() => modelTerms.get(space) === terms && modelTerms.delete(space));
    for (const old of modelTerms.keys()) if (modelTerms.size > KEPT_MODELS) modelTerms.delete(old);
  } else {
    // the most recently used last
    modelTerms.delete(space);
    modelTerms.set(space, terms);
  }
  return terms;
}

/** A model's every term, `perRow` joined in a row (D1 hands over a row at a cost). */
export async function readTerms(db: Db, space: string, perRow = TERMS_PER_ROW): Promise<Terms> {
  const rows = await db.all<{ pack: string }>(sql`
    SELECT group_concat(term || ' ' || idf || ' ' || scale || ' ' || vector, ' ') AS pack FROM (
      SELECT term, idf, scale, vector, (row_number() OVER (ORDER BY term) - 1) / ${perRow} AS part
      FROM local_model_terms WHERE space = ${space})
    GROUP BY part`);
  const terms: Terms = new Map();
  for (const { pack } of rows) {
    const parts = pack.split(" ");
    for (let i = 0; i + 3 < parts.length; i += 4)
      terms.set(parts[i]!, { idf: Number(parts[i + 1]) * Number(parts[i + 2]), row: int8Of(parts[i + 3]!) });
  }
  return terms;
}

/** An embedder over a ready local model: the model's terms read whole on its first call in the isolate. */
export function localEmbedder(db: Db, model: { space: string; dimensions: number }): Embedder {
  return {
    key: model.space,
    dimensions: model.dimensions,
    maxBatch: EMBED_BATCH,
    async embed(texts, mode) {
      if (texts.length > EMBED_BATCH) throw new Error(`${texts.length} texts in one call; at most ${EMBED_BATCH}`);
      const terms = await termsOfModel(db, model.space);
      return texts.map((t) => {
        const v = embedText(t, model.dimensions, (term) => terms.get(term));
        if (v) return v;
        // a query of words the catalog never had has no meaning here: the words answer alone
        if (mode === "query") throw new Error("the query holds no term the local model knows");
        // a paper of such words (a title of stopwords, another language) is filed apart: the first
        // component alone, near nothing in particular
        const none = new Float32Array(model.dimensions);
        none[0] = 1;
        return none;
      });
    },
  };
}

/** The ready local models, newest first. */
export function readyModels(db: Db) {
  return db
    .select({ space: localModels.space, dimensions: localModels.dimensions, catalog: localModels.catalog })
    .from(localModels)
    .where(isNotNull(localModels.readyAt))
    .orderBy(desc(localModels.trainedAt))
    .all();
}

/**
 * Keeps the local model current (the ingest worker's hourly cron, without Workers AI): learns one
 * when there is none and the catalog is large enough, and again when the catalog has doubled since
 * (new words, new topics); drops models neither the newest nor the one that answers, with their
 * vectors, and any model a killed run left unready. Returns what it learnt, or null.
 */
export async function maintainLocalModel(db: Db, now: Date): Promise<TrainOutcome | null> {
  const [models, active] = await Promise.all([readyModels(db), activeSpace(db)]);
  const keep = new Set([models[0]?.space, active].filter(Boolean));
  // an unready model less than an hour old may be one a run is writing now
  const abandoned = new Date(now.getTime() - 3_600_000).toISOString();
  const stale = (
    await db
      .select({ space: localModels.space, readyAt: localModels.readyAt, trainedAt: localModels.trainedAt })
      .from(localModels)
      .all()
  ).filter((m) => !keep.has(m.space) && (m.readyAt !== null || m.trainedAt < abandoned));
  for (const m of stale) {
    await db.run(sql`DELETE FROM paper_vectors WHERE space = ${m.space}`);
    await db.run(sql`DELETE FROM vector_spaces WHERE space = ${m.space}`);
    await db.delete(localModels).where(eq(localModels.space, m.space));
  }
  const total = Number((await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${papers}`))?.n ?? 0);
  const newest = models[0];
  if (total < MIN_TRAIN_PAPERS || (newest && total < 2 * newest.catalog)) return null;
  return trainLocalModel(db, now);
}

/** How long the hourly cron spends embedding waiting papers with the local model (a cron gets 15 minutes). */
export const LOCAL_FILL_MS = 60_000;

/**
 * The hourly cron's care of the local default: maintainLocalModel, then the backfill in chunks of
 * MAX_EMBED_CHUNK until no paper waits or `budgetMs` is spent (one chunk at least), so that a
 * self-hosted catalog fills by itself (about 60,000 papers an hour at the real catalog's
 * 1,000 papers/s) rather than only through POST /admin/vectors/backfill.
 */
export async function keepLocalVectors(
  db: Db,
  now: Date,
  budgetMs = LOCAL_FILL_MS,
): Promise<{ learnt: TrainOutcome | null; embedded: number; remaining: number | null }> {
  const learnt = await maintainLocalModel(db, now);
  const [model] = await readyModels(db);
  if (!model) return { learnt, embedded: 0, remaining: null };
  const vectors = { embedder: localEmbedder(db, model), index: localVectorIndex(db) };
  const until = Date.now() + budgetMs;
  let embedded = 0;
  for (;;) {
    const chunk = await embedWaiting(db, vectors, { limit: MAX_EMBED_CHUNK, now: new Date() });
    embedded += chunk.embedded;
    if (!chunk.remaining || chunk.error || Date.now() >= until) return { learnt, embedded, remaining: chunk.remaining };
  }
}
