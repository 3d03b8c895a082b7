/**
 * A reader's model and the ranking it gives: the arithmetic of "For you", with no I/O (the store,
 * reader-store.ts, reads the inputs from D1 and keeps the ranking; eval:foryou runs this same file
 * in Node over the real catalog's vectors). No imports: Node's type stripping reads it as it is.
 *
 * The model is the reader's upvoted papers' vectors, kept as they are: a candidate's likeness is its
 * cosine with their centroid (CENTROID_SHARE), and the nearest of them is the reason the card gives
 * ("like X, which you upvoted"). eval:foryou chose the centroid: over simulated readers of one topic
 * each, the cosine with the nearest upvote alone, or half of it, finds fewer of the topic's next
 * papers (docs/benchmarks.md). Papers marked "not for me" push their
 * neighbours down; follows add a bonus that outweighs likeness (an author followed, a saved topic)
 * or breaks its ties (a category).
 */

/** How much of the likeness is the cosine with the centroid; the rest is the nearest upvote's. */
export const CENTROID_SHARE = 1;
/** How strongly a "not for me" mark pushes down the papers near it (times their cosine with it). */
export const MARK_WEIGHT = 0.5;
/**
 * A paper by an author the reader follows, or on a topic they saved, comes before any paper that is
 * only like their upvotes (a likeness is at most 1): they asked for it by name.
 */
export const AUTHOR_BONUS = 1;
export const TOPIC_BONUS = 1;
/** A followed category is broad (cs.LG holds most of the catalog): it only breaks near ties. */
export const CATEGORY_BONUS = 0.05;

export type Reason =
  | { kind: "like"; paperId: string; title: string }
  | { kind: "author"; name: string }
  | { kind: "topic"; label: string }
  | { kind: "category"; name: string };

export interface RankedPaper {
  paperId: string;
  score: number;
  /** Why it is there, the strongest first. */
  reasons: Reason[];
}

export interface ReaderModel {
  /** The upvoted papers with a vector, most recent first. */
  liked: { paperId: string; title: string; vector: Float32Array }[];
  /** The papers marked "not for me" with a vector. */
  marked: Float32Array[];
  /** Followed authors: name key (authorKey) to the name as followed. */
  authors: Map<string, string>;
  /** Followed categories, as arXiv spells them. */
  categories: Set<string>;
  /** Saved topics: the label shown and the words a paper must hold, all of them. */
  topics: { label: string; words: string[] }[];
  /** Papers never to show: upvoted or marked. */
  seen: Set<string>;
}

export interface Candidate {
  paperId: string;
  /** Its vector in the reader's space, when it has one. */
  vector: Float32Array | null;
  /** Its authors' name keys. */
  authorKeys: string[];
  /** The names as written, in the same order. */
  authors: string[];
  categories: string[];
  /**
   * The words of its title and abstract as the search reads them, joined by spaces with one at
   * each end (" speculative decoding with draft "), or null when no topic needs them.
   */
  words: string | null;
  upvotes: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The unit centroid of `vectors`, or null when there are none. */
export function centroidOf(vectors: Float32Array[]): Float32Array | null {
  if (!vectors.length) return null;
  const c = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < c.length; i++) c[i]! += v[i]!;
  const norm = Math.hypot(...c);
  if (!norm) return null;
  for (let i = 0; i < c.length; i++) c[i]! /= norm;
  return c;
}

/** Whether the reader gave anything to rank by: an upvote with a vector, or a follow. */
export const hasSignal = (model: ReaderModel) =>
  model.liked.length > 0 || model.authors.size > 0 || model.categories.size > 0 || model.topics.length > 0;

/** The reader's upvote nearest a vector (the card's reason), and its cosine. */
function nearestLiked(model: ReaderModel, vector: Float32Array) {
  let best = Number.NEGATIVE_INFINITY;
  let nearest = model.liked[0]!;
  for (const l of model.liked) {
    const s = dot(vector, l.vector);
    if (s > best) {
      best = s;
      nearest = l;
    }
  }
  return { nearest, best };
}

/** Whether a candidate holds every word of a topic (`words` is " w1 w2 ... ", see Candidate). */
const holdsTopic = (words: string, topic: { words: string[] }) =>
  topic.words.length > 0 && topic.words.every((w) => words.includes(` ${w} `));

/**
 * The candidates ranked for the reader, best first, at most `limit`: those with a reason only (a
 * likeness to an upvote, or a follow), never one they upvoted or marked. Ties go to the more
 * upvoted, then the newer id. `centroidShare` is eval:foryou's knob.
 *
 * Two passes, exact: every candidate's score before the marks' penalty (its bonuses and a cosine
 * with the centroid: one dot product), then, best first, the penalty and the reason, stopping once
 * no candidate left can enter the top `limit` (a penalty only lowers a score). A window of 2,630
 * papers costs about 0.7 M multiplications and, with few marks, a few hundred of the second pass.
 */
export function rankForReader(
  model: ReaderModel,
  candidates: Candidate[],
  limit: number,
  centroidShare = CENTROID_SHARE,
): RankedPaper[] {
  const centroid = centroidOf(model.liked.map((l) => l.vector));
  const n = candidates.length;
  // the first pass in typed arrays: no object for a candidate until the second pass takes it
  const upper = new Float64Array(n);
  const likeness = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const bonus = new Float64Array(n);
  const author = new Int32Array(n).fill(-1);
  const topics = new Map<number, { label: string }>();
  const categories = new Map<number, string>();
  const taken: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    if (model.seen.has(c.paperId)) continue;
    if (model.authors.size) author[i] = c.authorKeys.findIndex((key) => model.authors.has(key));
    if (author[i]! >= 0) bonus[i]! += AUTHOR_BONUS;
    const topic = c.words ? model.topics.find((t) => holdsTopic(c.words!, t)) : undefined;
    if (topic) {
      bonus[i]! += TOPIC_BONUS;
      topics.set(i, topic);
    }
    const category = model.categories.size ? c.categories.find((cat) => model.categories.has(cat)) : undefined;
    if (category) {
      bonus[i]! += CATEGORY_BONUS;
      categories.set(i, category);
    }
    if (c.vector && centroid) {
      likeness[i] = centroidShare * dot(c.vector, centroid);
      if (centroidShare < 1) likeness[i]! += (1 - centroidShare) * nearestLiked(model, c.vector).best;
    }
    if (bonus[i]! > 0 || likeness[i]! > 0) {
      upper[i] = bonus[i]! + Math.max(0, likeness[i]!);
      taken.push(i);
    }
  }
  // best first: the score, then the more upvoted, then the newer id
  const before = (scoreA: number, a: Candidate, scoreB: number, b: Candidate) =>
    scoreA !== scoreB ? scoreA > scoreB : a.upvotes !== b.upvotes ? a.upvotes > b.upvotes : a.paperId > b.paperId;
  taken.sort((i, j) =>
    before(upper[i]!, candidates[i]!, upper[j]!, candidates[j]!)
      ? -1
      : before(upper[j]!, candidates[j]!, upper[i]!, candidates[i]!)
        ? 1
        : 0,
  );
  const kept: { c: Candidate; score: number; reasons: Reason[] }[] = [];
  for (const i of taken) {
    // sorted by their scores before the marks: none further on can beat the last kept
    if (kept.length >= limit && upper[i]! < kept[kept.length - 1]!.score) break;
    const c = candidates[i]!;
    let like = likeness[i]!;
    if (c.vector) for (const m of model.marked) like -= MARK_WEIGHT * Math.max(0, dot(c.vector, m));
    // the strongest follow first, then the likeness, then a category (a tie-break)
    const reasons: Reason[] = [];
    if (author[i]! >= 0) {
      const key = c.authorKeys[author[i]!]!;
      reasons.push({ kind: "author", name: c.authors[author[i]!] ?? model.authors.get(key)! });
    }
    const topic = topics.get(i);
    if (topic) reasons.push({ kind: "topic", label: topic.label });
    if (like > 0 && c.vector) {
      const { nearest } = nearestLiked(model, c.vector);
      reasons.push({ kind: "like", paperId: nearest.paperId, title: nearest.title });
    }
    const category = categories.get(i);
    if (category) reasons.push({ kind: "category", name: category });
    if (!reasons.length) continue;
    const entry = { c, score: bonus[i]! + Math.max(0, like), reasons };
    // into its place: the kept stay in order, and past `limit` the last goes
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(kept[mid]!.score, kept[mid]!.c, entry.score, c)) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, entry);
    if (kept.length > limit) kept.pop();
  }
  return kept.map(({ c, score, reasons }) => ({ paperId: c.paperId, score, reasons }));
}
