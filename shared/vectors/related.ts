import type { Db } from "../db/client";
import { type ListedPaper, papersInOrder } from "../papers/queries";
import { activeSpace } from "./paper-vectors";
import type { VectorIndex } from "./vectors";

/** Neighbours asked for beyond the limit: hidden papers are left out after the index answers. */
const SPARE = 3;

/**
 * Related papers by meaning: the nearest neighbours of the paper's stored vector in the space that
 * answers, no model call. Null (the caller falls back to related papers by words) when vectors are
 * off, no space is complete, the paper has no vector yet, or the index fails.
 */
export async function relatedByMeaning(
  db: Db,
  index: VectorIndex | null,
  paperId: string,
  limit = 5,
): Promise<ListedPaper[] | null> {
  if (!index) return null;
  try {
    const space = await activeSpace(db);
    if (!space) return null;
    const near = await index.neighboursOf(space, paperId, { topK: limit + SPARE });
    if (!near.length) return null;
    const listed = await papersInOrder(
      db,
      near.map((n) => n.paperId),
    );
    return listed.length ? listed.slice(0, limit) : null;
  } catch (err) {
    console.warn(`related papers by meaning failed for ${paperId}; by words instead`, err);
    return null;
  }
}
