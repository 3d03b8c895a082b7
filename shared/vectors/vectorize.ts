import type { Neighbour, NeighbourQuery, PaperVector, VectorIndex } from "./vectors";

/** Vectorize takes at most 1,000 vectors an upsert from a Worker, and answers at most 100 neighbours. */
const MAX_UPSERT = 1000;
const MAX_TOP_K = 100;

/** The part of a Vectorize binding this module uses. */
export type VectorizeBinding = Pick<
  Vectorize,
  "upsert" | "query" | "queryById" | "getByIds" | "deleteByIds" | "describe"
>;

/** Ids a getByIds call asks for: Vectorize documents no bound, so as many as a query returns without values. */
const MAX_GET = 100;

/**
 * A vector's id in the index: its space and the paper, so that two models' vectors of one paper
 * live side by side while a new model fills its space (ids are unique across namespaces).
 */
export const vectorId = (space: string, paperId: string) => `${space}:${paperId}`;
const paperOf = (space: string, id: string) => (id.startsWith(`${space}:`) ? id.slice(space.length + 1) : null);

function matches(space: string, answer: VectorizeMatches, leaveOut?: string): Neighbour[] {
  return answer.matches.flatMap((m) => {
    const paperId = paperOf(space, m.id);
    return paperId && paperId !== leaveOut ? [{ paperId, score: m.score }] : [];
  });
}

function options(space: string, query: NeighbourQuery, extra = 0): VectorizeQueryOptions {
  const filter = Object.fromEntries(Object.entries(query.filter ?? {}).filter(([, v]) => v !== undefined));
  return {
    topK: Math.min(MAX_TOP_K, query.topK + extra),
    namespace: space,
    returnMetadata: "none",
    ...(Object.keys(filter).length ? { filter: filter as VectorizeVectorMetadataFilter } : {}),
  };
}

/** The vector index of production: a Vectorize index, one namespace per space. */
export function vectorizeIndex(binding: VectorizeBinding): VectorIndex {
  return {
    async upsert(space, vectors: PaperVector[]) {
      for (let i = 0; i < vectors.length; i += MAX_UPSERT) {
        await binding.upsert(
          vectors.slice(i, i + MAX_UPSERT).map((v) => ({
            id: vectorId(space, v.paperId),
            values: Array.from(v.vector),
            namespace: space,
            metadata: { ...v.metadata },
          })),
        );
      }
    },
    async nearest(space, vector, query) {
      return matches(space, await binding.query(Array.from(vector), options(space, query))).slice(0, query.topK);
    },
    async neighboursOf(space, paperId, query) {
      // the paper itself comes back first: one more, then left out
      const answer = await binding.queryById(vectorId(space, paperId), options(space, query, 1));
      return matches(space, answer, paperId).slice(0, query.topK);
    },
    async vectorsOf(space, paperIds) {
      const calls = [];
      for (let i = 0; i < paperIds.length; i += MAX_GET)
        calls.push(binding.getByIds(paperIds.slice(i, i + MAX_GET).map((id) => vectorId(space, id))));
      const found = new Map<string, Float32Array>();
      for (const vectors of await Promise.all(calls))
        for (const v of vectors) {
          const paperId = paperOf(space, v.id);
          if (paperId) found.set(paperId, Float32Array.from(v.values as ArrayLike<number>));
        }
      return found;
    },
    async delete(space, paperIds) {
      for (let i = 0; i < paperIds.length; i += MAX_UPSERT)
        await binding.deleteByIds(paperIds.slice(i, i + MAX_UPSERT).map((id) => vectorId(space, id)));
    },
    async count() {
      return (await binding.describe()).vectorCount;
    },
  };
}
