import { describe, expect, it } from "vitest";
import {
  AUTHOR_BONUS,
  CATEGORY_BONUS,
  type Candidate,
  centroidOf,
  MARK_WEIGHT,
  type ReaderModel,
  rankForReader,
} from "#shared/readers/for-you";

// The ranking's second pass stops early (a mark only lowers a score): it must give exactly what
// scoring every candidate fully gives.
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648 - 0.5;
};
const unit = (n: number) => {
  const v = Float32Array.from({ length: n }, random);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

function bruteForce(model: ReaderModel, candidates: Candidate[], limit: number) {
  const centroid = centroidOf(model.liked.map((l) => l.vector))!;
  return candidates
    .filter((c) => !model.seen.has(c.paperId))
    .map((c) => {
      let likeness = dot(c.vector!, centroid);
      for (const m of model.marked) likeness -= MARK_WEIGHT * Math.max(0, dot(c.vector!, m));
      const author = c.authorKeys.some((k) => model.authors.has(k)) ? AUTHOR_BONUS : 0;
      const category = c.categories.some((k) => model.categories.has(k)) ? CATEGORY_BONUS : 0;
      return {
        id: c.paperId,
        score: author + category + Math.max(0, likeness),
        has: author + category > 0 || likeness > 0,
      };
    })
    .filter((r) => r.has)
    .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1))
    .slice(0, limit)
    .map((r) => r.id);
}

describe("rankForReader", () => {
  it("ranks as scoring every candidate would, marks and follows included, with each card's reasons", () => {
    for (let trial = 0; trial < 20; trial++) {
      const candidates: Candidate[] = Array.from({ length: 400 }, (_, i) => ({
        paperId: `p${String(i).padStart(4, "0")}`,
        vector: unit(16),
        authors: [`Author ${i % 50}`],
        authorKeys: [`author ${i % 50}`],
        categories: [i % 7 === 0 ? "cs.CL" : "cs.LG"],
        words: null,
        upvotes: 0,
      }));
      const liked = candidates.slice(0, 5).map((c) => ({ paperId: c.paperId, title: c.paperId, vector: c.vector! }));
      const model: ReaderModel = {
        liked,
        marked: Array.from({ length: trial % 6 }, () => unit(16)),
        authors: new Map(trial % 2 ? [["author 7", "Author 7"]] : []),
        categories: new Set(trial % 3 ? ["cs.CL"] : []),
        topics: [],
        seen: new Set(liked.map((l) => l.paperId)),
      };
      const ranked = rankForReader(model, candidates, 30);
      expect(
        ranked.map((r) => r.paperId),
        `trial ${trial}`,
      ).toEqual(bruteForce(model, candidates, 30));
      for (const r of ranked) {
        expect(r.reasons.length).toBeGreaterThan(0);
        const like = r.reasons.find((x) => x.kind === "like");
        if (like?.kind === "like") {
          const c = candidates.find((x) => x.paperId === r.paperId)!;
          const best = Math.max(...liked.map((l) => dot(c.vector!, l.vector)));
          expect(dot(c.vector!, liked.find((l) => l.paperId === like.paperId)!.vector)).toBeCloseTo(best, 5);
        }
      }
    }
  });
});
