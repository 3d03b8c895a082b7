// Latent semantic analysis of the catalog, in memory (Node): the local default's model
// (shared/vectors/lsa.ts, run here with Node's type stripping) over every paper, and the nearest
// rows by cosine, for npm run eval:related and EVAL_LSA=1 npm run eval:search.

import { embedderOf, trainLsa as learn } from "../../shared/vectors/lsa.ts";

/**
 * Paper vectors of `k` dimensions from `texts`, by the local default's own model
 * (shared/vectors/lsa.ts) with `maxTerms` terms. Resolves to { vectors: Float32Array (n x k), k,
 * vocabulary, embed(text) }.
 */
export function trainLsa(texts, { k = 256, maxTerms = 40_000, seed = 1, log = (_message) => {} } = {}) {
  const model = learn(texts, { k, maxTerms, seed });
  log(`lsa: ${texts.length} papers, ${model.terms.length} terms, k=${model.k}`);
  /** A text's unit vector in the same space as the papers' (null when none of its terms is known). */
  const embed = embedderOf(model);
  const vectors = new Float32Array(texts.length * model.k);
  texts.forEach((text, i) => {
    const v = embed(text);
    if (v) vectors.set(v, i * model.k);
  });
  return { vectors, k: model.k, vocabulary: model.terms.length, embed };
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
