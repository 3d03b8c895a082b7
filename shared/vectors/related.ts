import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { type ListedPaper, paperByIdWith, papersInOrder } from "../papers/queries";
import { answeringUnlessOff } from "./query-arm";
import type { VectorIndex } from "./vectors";

/** Neighbours asked for beyond the limit: hidden papers are left out after the index answers. */
const SPARE = 3;

/** The space related papers come from: the one that answers, unless a curator switched them off. */
const relatedSpaceSql = answeringUnlessOff("related-by-meaning");

/**
 * A paper, the space its related papers come from and, where `index` is in D1, what its neighbours
 * are found from (neighbourIds), in one round trip (the paper page's first).
 */
export async function paperAndSpace(
  db: Db,
  id: string,
  index?: VectorIndex,
): Promise<{ item: ListedPaper | null; space: string | null; neighbourhood?: string | null }> {
  const around = index?.neighbourhoodOf?.(relatedSpaceSql, id);
  const { item, extra } = await paperByIdWith(db, id, {
    space: relatedSpaceSql,
    neighbourhood: around ?? sql<string | null>`NULL`,
  });
  return { item, space: extra?.space ?? null, ...(around ? { neighbourhood: extra?.neighbourhood ?? null } : {}) };
}

/**
 * The ids of a paper's nearest neighbours in `space` (limit + SPARE of them, for the hidden ones
 * the listing leaves out), no model call, from `neighbourhood` when paperAndSpace read it. Null
 * (related papers by words instead) when the paper has no vector yet or the index fails.
 */
export async function neighbourIds(
  index: VectorIndex,
  space: string,
  paperId: string,
  limit = 5,
  neighbourhood?: string | null,
): Promise<string[] | null> {
  try {
    const near = await index.neighboursOf(space, paperId, {
      topK: limit + SPARE,
      ...(neighbourhood === undefined ? {} : { neighbourhood }),
    });
    return near.length ? near.map((n) => n.paperId) : null;
  } catch (err) {
    console.warn(`related papers by meaning failed for ${paperId}; by words instead`, err);
    return null;
  }
}

/**
 * Related papers by meaning: the nearest neighbours of the paper's stored vector in the space that
 * answers. Null (the caller falls back to related papers by words) when no space is complete, the
 * paper has no vector yet, or the index fails.
 */
export async function relatedByMeaning(
  db: Db,
  index: VectorIndex,
  paperId: string,
  limit = 5,
): Promise<ListedPaper[] | null> {
  const space = (await db.get<{ space: string | null }>(sql`SELECT ${relatedSpaceSql} AS space`))?.space;
  const near = space ? await neighbourIds(index, space, paperId, limit) : null;
  if (!near) return null;
  const listed = await papersInOrder(db, near);
  return listed.length ? listed.slice(0, limit) : null;
}
