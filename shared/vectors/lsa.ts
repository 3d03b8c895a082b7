/**
 * Latent semantic analysis, the local default's model (local-model.ts): what the catalog's own
 * texts teach, with nothing downloaded. Sublinear tf-idf rows, a randomized truncated SVD (Halko,
 * Martinsson and Tropp: a Gaussian sketch, power iterations, the small eigenproblem by Jacobi), and
 * a projection P (terms x k) that maps any text's tf-idf row into the space of the papers' vectors.
 * Pure arithmetic over typed arrays, no I/O: the ingest worker trains it, eval:related and
 * eval:search run the same code in Node. Memory: the sparse rows, and three dense (terms or papers)
 * x (k + OVERSAMPLE) float32 matrices; see trainLsa.
 */

const STOPWORDS = new Set(
  "the of and to in a is for we that on with this by as are an be from our it which at can or these have has their not but its also such than into more using based use used show shows paper propose proposed results method methods approach model models new two while both via however only well between been other over through".split(
    " ",
  ),
);

/** A text's terms: lower-cased words of three or more characters that begin with a letter, no stopwords. */
export const termsOf = (text: string): string[] =>
  (text.toLowerCase().match(/[a-z][a-z0-9]+/g) ?? []).filter((w) => w.length > 2 && !STOPWORDS.has(w));

/** Extra columns of the sketch: the top k of k + OVERSAMPLE are accurate where the top k of k would not be. */
const OVERSAMPLE = 16;

export interface LsaOptions {
  /** Dimensions of the vectors. */
  k: number;
  /** A term counts when at least this many texts hold it ... */
  minDf?: number;
  /** ... and at most this share of them (commoner terms say little). */
  maxDfShare?: number;
  /** The most terms kept, the most frequent first. */
  maxTerms?: number;
  powerIterations?: number;
  seed?: number;
}

export interface LsaModel {
  terms: string[];
  idf: Float32Array;
  /** terms x k, row-major: a text's vector is the sum of its terms' rows, weighted by tf-idf. */
  projection: Float32Array;
  k: number;
}

/** A seeded Gaussian stream (Box-Muller over an LCG): the same sketch for the same seed. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
}

/** Each text's distinct terms and their counts, by a running term id; texts are not kept. */
function countTerms(texts: Iterable<string>) {
  const ids = new Map<string, number>();
  const docs: { ids: Int32Array; counts: Float32Array }[] = [];
  for (const text of texts) {
    const tf = new Map<number, number>();
    for (const w of termsOf(text)) {
      let id = ids.get(w);
      if (id === undefined) {
        id = ids.size;
        ids.set(w, id);
      }
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    docs.push({ ids: Int32Array.from(tf.keys()), counts: Float32Array.from(tf.values()) });
  }
  return { ids, docs };
}

/**
 * Orthonormal columns in place (rows x cols, row-major), by Gram-Schmidt on the matrix itself (no
 * copy, so that learning's peak memory holds one matrix of this size fewer), each column's
 * projections taken off twice: "twice is enough" to keep the columns orthogonal in floating point.
 */
function orthonormalise(M: Float32Array, rows: number, cols: number): void {
  const dots = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    for (let pass = 0; pass < 2; pass++) {
      // the projections of column c on the columns before it, in one pass over the rows
      dots.fill(0, 0, c);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        const v = M[o + c]!;
        if (v) for (let q = 0; q < c; q++) dots[q]! += M[o + q]! * v;
      }
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        let v = M[o + c]!;
        for (let q = 0; q < c; q++) v -= dots[q]! * M[o + q]!;
        M[o + c] = v;
      }
    }
    let s = 0;
    for (let r = 0; r < rows; r++) s += M[r * cols + c]! ** 2;
    s = Math.sqrt(s) || 1;
    for (let r = 0; r < rows; r++) M[r * cols + c]! /= s;
  }
}

/** The eigenvectors of a symmetric L x L matrix (G, destroyed), by cyclic Jacobi: W's columns; G's diagonal the eigenvalues. */
function jacobi(G: Float64Array, L: number): Float64Array {
  const W = new Float64Array(L * L);
  for (let a = 0; a < L; a++) W[a * L + a] = 1;
  for (let sweep = 0; sweep < 15; sweep++) {
    let off = 0;
    for (let p = 0; p < L; p++)
      for (let q = p + 1; q < L; q++) {
        const apq = G[p * L + q]!;
        off += apq * apq;
        if (Math.abs(apq) < 1e-12) continue;
        const theta = (G[q * L + q]! - G[p * L + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < L; r++) {
          const x = G[r * L + p]!;
          const y = G[r * L + q]!;
          G[r * L + p] = c * x - s * y;
          G[r * L + q] = s * x + c * y;
        }
        for (let r = 0; r < L; r++) {
          const x = G[p * L + r]!;
          const y = G[q * L + r]!;
          G[p * L + r] = c * x - s * y;
          G[q * L + r] = s * x + c * y;
        }
        for (let r = 0; r < L; r++) {
          const x = W[r * L + p]!;
          const y = W[r * L + q]!;
          W[r * L + p] = c * x - s * y;
          W[r * L + q] = s * x + c * y;
        }
      }
    if (off < 1e-9) break;
  }
  return W;
}

/**
 * Learns a model from `texts`: terms in at least minDf texts and at most maxDfShare of them (the
 * maxTerms most frequent), sublinear tf-idf rows at unit length, their top k right singular
 * vectors. k shrinks to what the texts can give (fewer terms or texts than k + OVERSAMPLE).
 * Memory: the rows (about 100 terms a text, 8 bytes each), three float32 matrices of
 * (terms or texts) x (k + 16), allocated once, and the projection: at 12,000 texts and 11,000
 * terms with k = 256, about 50 MB (bench:site measures it).
 */
export function trainLsa(texts: Iterable<string>, opts: LsaOptions): LsaModel {
  const { minDf = 5, maxDfShare = 0.2, maxTerms = 16_000, powerIterations = 2, seed = 1 } = opts;
  const { ids, docs } = countTerms(texts);
  const n = docs.length;
  const df = new Int32Array(ids.size);
  for (const d of docs) for (const id of d.ids) df[id]!++;
  const byId = [...ids.keys()];
  const kept = [...df.keys()]
    .filter((id) => df[id]! >= minDf && df[id]! <= maxDfShare * n)
    .sort((a, b) => df[b]! - df[a]! || (byId[a]! < byId[b]! ? -1 : 1))
    .slice(0, maxTerms);
  const V = kept.length;
  const column = new Int32Array(ids.size).fill(-1);
  kept.forEach((id, j) => {
    column[id] = j;
  });
  const terms = kept.map((id) => byId[id]!);
  const idf = Float32Array.from(kept, (id) => Math.log(n / df[id]!));

  // the tf-idf rows, CSR
  const indptr = new Int32Array(n + 1);
  let nnz = 0;
  for (const [i, d] of docs.entries()) {
    for (const id of d.ids) if (column[id]! >= 0) nnz++;
    indptr[i + 1] = nnz;
  }
  const ind = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  for (const [i, d] of docs.entries()) {
    let p = indptr[i]!;
    let norm = 0;
    for (let t = 0; t < d.ids.length; t++) {
      const j = column[d.ids[t]!]!;
      if (j < 0) continue;
      const w = (1 + Math.log(d.counts[t]!)) * idf[j]!;
      ind[p] = j;
      val[p++] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (let q = indptr[i]!; q < p; q++) val[q]! /= norm;
  }
  docs.length = 0;

  const k = Math.max(1, Math.min(opts.k, V - OVERSAMPLE, n - OVERSAMPLE));
  const L = Math.min(k + OVERSAMPLE, V, n);
  if (V === 0 || n === 0) throw new Error("no terms to learn from: the catalog is too small");
  // the three dense matrices, allocated once and reused: Y = A Q (texts x L), Q and the next Q (terms x L)
  const Y = new Float32Array(n * L);
  let next = new Float32Array(V * L);
  const aTimes = (M: Float32Array) => {
    const out = Y.fill(0);
    for (let i = 0; i < n; i++)
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        const v = val[p]!;
        const m = ind[p]! * L;
        const o = i * L;
        for (let c = 0; c < L; c++) out[o + c]! += v * M[m + c]!;
      }
    return out;
  };
  const atTimes = (M: Float32Array) => {
    const out = next.fill(0);
    for (let i = 0; i < n; i++)
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        const v = val[p]!;
        const m = ind[p]! * L;
        const o = i * L;
        for (let c = 0; c < L; c++) out[m + c]! += v * M[o + c]!;
      }
    return out;
  };

  const g = gaussian(seed);
  let Q = Float32Array.from({ length: V * L }, g);
  for (let it = 0; it < powerIterations; it++) {
    const product = atTimes(aTimes(Q));
    next = Q;
    Q = product;
    orthonormalise(Q, V, L);
  }
  // B = A Q (texts x L); its right singular vectors W from BᵀB
  const B = aTimes(Q);
  const G = new Float64Array(L * L);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < L; a++) {
      const ba = B[i * L + a]!;
      if (ba) for (let b = a; b < L; b++) G[a * L + b]! += ba * B[i * L + b]!;
    }
  for (let a = 0; a < L; a++) for (let b = 0; b < a; b++) G[a * L + b] = G[b * L + a]!;
  const W = jacobi(G, L);
  const top = [...Array(L).keys()].sort((a, b) => G[b * L + b]! - G[a * L + a]!).slice(0, k);
  // P = Q W_top (V x k)
  const projection = new Float32Array(V * k);
  for (let j = 0; j < V; j++)
    for (let d = 0; d < k; d++) {
      let v = 0;
      for (let a = 0; a < L; a++) v += Q[j * L + a]! * W[a * L + top[d]!]!;
      projection[j * k + d] = v;
    }
  return { terms, idf, projection, k };
}

/**
 * A text's unit vector in the model's space, from its known terms' rows (`rowOf` gives a term's idf
 * and projection row, or nothing for an unknown term); null when it holds no known term.
 */
export function embedText(
  text: string,
  k: number,
  rowOf: (term: string) => { idf: number; row: ArrayLike<number> } | undefined,
): Float32Array | null {
  const tf = new Map<string, number>();
  for (const w of termsOf(text)) tf.set(w, (tf.get(w) ?? 0) + 1);
  const out = new Float32Array(k);
  let known = 0;
  for (const [w, c] of tf) {
    const term = rowOf(w);
    if (!term) continue;
    known++;
    const weight = (1 + Math.log(c)) * term.idf;
    for (let d = 0; d < k; d++) out[d]! += weight * term.row[d]!;
  }
  if (!known) return null;
  let norm = 0;
  for (let d = 0; d < k; d++) norm += out[d]! * out[d]!;
  norm = Math.sqrt(norm);
  if (!norm) return null;
  for (let d = 0; d < k; d++) out[d]! /= norm;
  return out;
}

/** Texts' vectors by a model held in memory (its projection's rows read in place). */
export function embedderOf(model: LsaModel): (text: string) => Float32Array | null {
  const row = new Map(model.terms.map((t, j) => [t, j]));
  return (text) =>
    embedText(text, model.k, (term) => {
      const j = row.get(term);
      return j === undefined
        ? undefined
        : { idf: model.idf[j]!, row: model.projection.subarray(j * model.k, (j + 1) * model.k) };
    });
}
