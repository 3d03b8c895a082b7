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
  type Scored = { c: Candidate; bonus: number; likeness: number; reasons: Reason[]; upvotes: number };
  const first: (Scored & { upper: number })[] = [];
  for (const c of candidates) {
    if (model.seen.has(c.paperId)) continue;
    const reasons: Reason[] = [];
    let bonus = 0;
    const author = c.authorKeys.findIndex((key) => model.authors.has(key));
    if (author >= 0) {
      bonus += AUTHOR_BONUS;
      reasons.push({ kind: "author", name: c.authors[author] ?? model.authors.get(c.authorKeys[author]!)! });
    }
    const topic = c.words ? model.topics.find((t) => holdsTopic(c.words!, t)) : undefined;
    if (topic) {
      bonus += TOPIC_BONUS;
      reasons.push({ kind: "topic", label: topic.label });
    }
    const category = c.categories.find((cat) => model.categories.has(cat));
    if (category) bonus += CATEGORY_BONUS;
    let likeness = Number.NEGATIVE_INFINITY;
    if (c.vector && centroid) {
      likeness = centroidShare * dot(c.vector, centroid);
      if (centroidShare < 1) likeness += (1 - centroidShare) * nearestLiked(model, c.vector).best;
    }
    if (!reasons.length && !category && !(likeness > 0)) continue;
    if (category) reasons.push({ kind: "category", name: category });
    first.push({ c, bonus, likeness, reasons, upvotes: c.upvotes, upper: bonus + Math.max(0, likeness) });
  }
  // best first: the score, then the more upvoted, then the newer id
  const before = (scoreA: number, a: Scored, scoreB: number, b: Scored) =>
    scoreA !== scoreB ? scoreA > scoreB : a.upvotes !== b.upvotes ? a.upvotes > b.upvotes : a.c.paperId > b.c.paperId;
  first.sort((a, b) => (before(a.upper, a, b.upper, b) ? -1 : before(b.upper, b, a.upper, a) ? 1 : 0));
  const kept: (Scored & { score: number })[] = [];
  for (const f of first) {
    // sorted by their scores before the marks: none further on can beat the last kept
    if (kept.length >= limit && f.upper < kept[kept.length - 1]!.score) break;
    let likeness = f.likeness;
    if (f.c.vector) for (const m of model.marked) likeness -= MARK_WEIGHT * Math.max(0, dot(f.c.vector, m));
    const reasons = [...f.reasons];
    if (likeness > 0 && f.c.vector) {
      // the strongest follow first, then the likeness, then a category (a tie-break)
      const at = reasons.findIndex((r) => r.kind === "category");
      const { nearest } = nearestLiked(model, f.c.vector);
      reasons.splice(at < 0 ? reasons.length : at, 0, { kind: "like", paperId: nearest.paperId, title: nearest.title });
    } else if (!reasons.length) continue;
    const entry = { ...f, reasons, score: f.bonus + Math.max(0, likeness) };
    // into its place: the kept stay in order, and past `limit` the last goes
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(kept[mid]!.score, kept[mid]!, entry.score, entry)) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, entry);
    if (kept.length > limit) kept.pop();
  }
  return kept.map(({ c, score, reasons }) => ({ paperId: c.paperId, score, reasons }));
}
