/**
 * Hybrid search's fusion of the words' ranking with the vector arm's, chosen on eval:search
 * (docs/benchmarks.md, "Hybrid search"). Plain reciprocal rank fusion lets a weak vector arm
 * reorder a confident words ranking (title words MRR@10 0.954 -> 0.792 at weight 0.15); so the
 * words' first KEEP_FIRST places stay as they are, and the rest of both rankings are fused below
 * them by RRF (k = RRF_K) with the vector arm at VECTOR_WEIGHT. Sentences gained recall (Recall@100
 * 0.977 -> 0.993) and lost nothing; topics and titles lost a little, so the arm is asked only for
 * sentence-like queries (searchPapers).
 */

export const KEEP_FIRST = 3;
export const RRF_K = 60;
export const VECTOR_WEIGHT = 0.5;

/** Ids of both rankings, once each: the words' first KEEP_FIRST, then the rest fused by RRF. */
export function fuseBelowFirst(words: string[], vectors: string[]): string[] {
  const head = words.slice(0, KEEP_FIRST);
  const kept = new Set(head);
  const score = new Map<string, number>();
  for (const [i, id] of words.slice(KEEP_FIRST).entries()) score.set(id, 1 / (RRF_K + 1 + i));
  for (const [i, id] of vectors.filter((v) => !kept.has(v)).entries())
    score.set(id, (score.get(id) ?? 0) + VECTOR_WEIGHT / (RRF_K + 1 + i));
  const rest = [...score].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
  return [...head, ...rest];
}
