// Latent semantic analysis of the catalog, in memory (Node): tf-idf rows, a randomized truncated
// SVD (Halko et al.: a Gaussian sketch, two power iterations, the small eigenproblem by Jacobi),
// and unit-length paper vectors. What the local default model of issue 22 would learn; here it
// serves npm run eval:related to measure related papers by meaning against today's words.

const STOPWORDS = new Set(
  "the of and to in a is for we that on with this by as are an be from our it which at can or these have has their not but its also such than into more using based use used show shows paper propose proposed results method methods approach model models new two while both via however only well between been other over through".split(
    " ",
  ),
);

/** A text's terms: lower-cased words of 3+ characters, no stopwords. */
export const termsOf = (text) =>
  (text.toLowerCase().match(/[a-z][a-z0-9]+/g) ?? []).filter((w) => w.length > 2 && !STOPWORDS.has(w));

function gaussian(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
}

/**
 * Paper vectors of `k` dimensions from `texts` (title twice, then abstract, is a good text):
 * terms in 5 or more papers and at most 20% of them, the 40,000 most frequent; sublinear tf-idf,
 * rows at unit length. Resolves to { vectors: Float32Array (n x k), k, vocabulary }.
 */
export function trainLsa(
  texts,
  { k = 256, oversample = 16, powerIterations = 2, seed = 1, log = (_message) => {} } = {},
) {
  const n = texts.length;
  const L = k + oversample;
  const docs = texts.map(termsOf);
  const df = new Map();
  for (const d of docs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
  const vocab = [...df]
    .filter(([, c]) => c >= 5 && c <= 0.2 * n)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 40_000);
  const index = new Map(vocab.map(([w], i) => [w, i]));
  const V = vocab.length;
  const idf = Float32Array.from(vocab, ([, c]) => Math.log(n / c));

  const indptr = new Int32Array(n + 1);
  const cols = [];
  const vals = [];
  docs.forEach((d, i) => {
    const tf = new Map();
    for (const w of d) {
      const j = index.get(w);
      if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1);
    }
    const entries = [...tf].map(([j, c]) => [j, (1 + Math.log(c)) * idf[j]]);
    const norm = Math.hypot(...entries.map(([, v]) => v)) || 1;
    for (const [j, v] of entries) {
      cols.push(j);
      vals.push(v / norm);
    }
    indptr[i + 1] = cols.length;
  });
  const ind = Int32Array.from(cols);
  const val = Float32Array.from(vals);
  log(`lsa: ${n} papers, ${V} terms, ${ind.length} non-zeros`);

  const aTimes = (M) => {
    const out = new Float32Array(n * L);
    for (let i = 0; i < n; i++)
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        const v = val[p];
        const m = ind[p] * L;
        for (let c = 0; c < L; c++) out[i * L + c] += v * M[m + c];
      }
    return out;
  };
  const atTimes = (Y) => {
    const out = new Float32Array(V * L);
    for (let i = 0; i < n; i++)
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        const v = val[p];
        const m = ind[p] * L;
        for (let c = 0; c < L; c++) out[m + c] += v * Y[i * L + c];
      }
    return out;
  };
  // modified Gram-Schmidt on the columns of a (rows x L) matrix
  const orthonormal = (M, rows) => {
    const qs = [];
    for (let c = 0; c < L; c++) {
      const v = new Float64Array(rows);
      for (let r = 0; r < rows; r++) v[r] = M[r * L + c];
      for (const q of qs) {
        let d = 0;
        for (let r = 0; r < rows; r++) d += q[r] * v[r];
        for (let r = 0; r < rows; r++) v[r] -= d * q[r];
      }
      let s = 0;
      for (let r = 0; r < rows; r++) s += v[r] * v[r];
      s = Math.sqrt(s) || 1;
      for (let r = 0; r < rows; r++) v[r] /= s;
      qs.push(v);
    }
    for (let c = 0; c < L; c++) for (let r = 0; r < rows; r++) M[r * L + c] = qs[c][r];
    return M;
  };

  const g = gaussian(seed);
  let Q = Float32Array.from({ length: V * L }, g);
  for (let it = 0; it < powerIterations; it++) Q = orthonormal(atTimes(aTimes(Q)), V);
  const B = aTimes(Q);
  // the top right singular vectors of B from BᵀB (L x L), by cyclic Jacobi
  const G = new Float64Array(L * L);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < L; a++) {
      const ba = B[i * L + a];
      if (ba) for (let b = a; b < L; b++) G[a * L + b] += ba * B[i * L + b];
    }
  for (let a = 0; a < L; a++) for (let b = 0; b < a; b++) G[a * L + b] = G[b * L + a];
  const W = new Float64Array(L * L);
  for (let a = 0; a < L; a++) W[a * L + a] = 1;
  for (let sweep = 0; sweep < 15; sweep++) {
    let off = 0;
    for (let p = 0; p < L; p++)
      for (let q = p + 1; q < L; q++) {
        const apq = G[p * L + q];
        off += apq * apq;
        if (Math.abs(apq) < 1e-12) continue;
        const theta = (G[q * L + q] - G[p * L + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < L; r++) {
          const [x, y] = [G[r * L + p], G[r * L + q]];
          G[r * L + p] = c * x - s * y;
          G[r * L + q] = s * x + c * y;
        }
        for (let r = 0; r < L; r++) {
          const [x, y] = [G[p * L + r], G[q * L + r]];
          G[p * L + r] = c * x - s * y;
          G[q * L + r] = s * x + c * y;
        }
        for (let r = 0; r < L; r++) {
          const [x, y] = [W[r * L + p], W[r * L + q]];
          W[r * L + p] = c * x - s * y;
          W[r * L + q] = s * x + c * y;
        }
      }
    if (off < 1e-9) break;
  }
  const top = [...Array(L).keys()].sort((a, b) => G[b * L + b] - G[a * L + a]).slice(0, k);
  const vectors = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < k; d++) {
      let v = 0;
      for (let a = 0; a < L; a++) v += B[i * L + a] * W[a * L + top[d]];
      vectors[i * k + d] = v;
      s += v * v;
    }
    s = Math.sqrt(s) || 1;
    for (let d = 0; d < k; d++) vectors[i * k + d] /= s;
  }
  // the projection of a tf-idf row onto the paper vectors' space: P = Q W (V x k), for new texts
  const P = new Float32Array(V * k);
  for (let j = 0; j < V; j++)
    for (let d = 0; d < k; d++) {
      let v = 0;
      for (let a = 0; a < L; a++) v += Q[j * L + a] * W[a * L + top[d]];
      P[j * k + d] = v;
    }
  /** A text's unit vector in the same space as the papers' (null when none of its terms is known). */
  const embed = (text) => {
    const tf = new Map();
    for (const w of termsOf(text)) {
      const j = index.get(w);
      if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1);
    }
    if (!tf.size) return null;
    const out = new Float32Array(k);
    for (const [j, c] of tf) {
      const weight = (1 + Math.log(c)) * idf[j];
      for (let d = 0; d < k; d++) out[d] += weight * P[j * k + d];
    }
    const norm = Math.hypot(...out) || 1;
    for (let d = 0; d < k; d++) out[d] /= norm;
    return out;
  };
  return { vectors, k, vocabulary: V, embed };
}

/** The `limit` rows nearest a unit vector by cosine: [row, score][], nearest first. */
export function nearestToVector(vectors, k, query, limit, leaveOut = -1) {
  const n = vectors.length / k;
  const scores = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let d = 0;
    for (let c = 0; c < k; c++) d += query[c] * vectors[r * k + c];
    scores[r] = r === leaveOut ? -Infinity : d;
  }
  const best = [];
  let floor = -Infinity;
  for (let r = 0; r < n; r++) {
    if (scores[r] <= floor && best.length >= limit) continue;
    best.push([r, scores[r]]);
    if (best.length > limit * 4) {
      best.sort((a, b) => b[1] - a[1]);
      best.length = limit;
      floor = best[limit - 1][1];
    }
  }
  best.sort((a, b) => b[1] - a[1]);
  return best.slice(0, limit);
}

/** The `limit` rows nearest row `i` by cosine, itself left out: [row, score][]. */
export const nearestRows = (vectors, k, i, limit) =>
  nearestToVector(vectors, k, vectors.subarray(i * k, (i + 1) * k), limit, i);
