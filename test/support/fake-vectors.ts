/**
 * Stand-ins for the AI and VECTORIZE bindings, which have no local simulation (PLATFORM.md): the
 * tests pass them in the env, as Cloudflare's own fixtures mock env.AI.run and env.VECTORIZE.
 * The fake model embeds a text as its hashed words (so texts sharing words are near); the fake
 * index keeps vectors in memory and ranks by cosine.
 */
import type { AiRunner } from "#shared/vectors/workers-ai";

/** The fake model's native size: larger than what is kept, as a Matryoshka model's is. */
export const FAKE_MODEL_DIMENSIONS = 1024;

function hashed(text: string): number[] {
  const v = new Array<number>(FAKE_MODEL_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    // within the first 64 components, so that a cut to 64 or more keeps every word
    v[(h >>> 0) % 64]! += 1;
  }
  v[FAKE_MODEL_DIMENSIONS - 1] = 0.5;
  return v;
}

export interface FakeAi extends AiRunner {
  calls: { model: string; input: Record<string, unknown> }[];
  /** Set to make the next calls fail (an exception) or answer garbage. */
  failWith: "error" | "nan" | "short" | "count" | null;
}

export function fakeAi(): FakeAi {
  const ai: FakeAi = {
    calls: [],
    failWith: null,
    async run(model, input) {
      ai.calls.push({ model, input });
      if (ai.failWith === "error") throw new Error("AI is down (fake)");
      const texts = (input.documents ?? input.queries ?? input.text) as string[];
      const data = texts.map(hashed);
      if (ai.failWith === "nan") data[0]![0] = Number.NaN;
      if (ai.failWith === "short") data[0] = data[0]!.slice(0, 10);
      if (ai.failWith === "count") data.pop();
      return { shape: [data.length, FAKE_MODEL_DIMENSIONS], data };
    },
  };
  return ai;
}

interface Stored {
  values: number[];
  namespace?: string;
  metadata: Record<string, unknown>;
}

const cosine = (a: number[], b: number[]) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
};

export interface FakeVectorize {
  stored: Map<string, Stored>;
  failWith: "error" | null;
  upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation>;
  query(vector: VectorFloatArray | number[], options?: VectorizeQueryOptions): Promise<VectorizeMatches>;
  queryById(id: string, options?: VectorizeQueryOptions): Promise<VectorizeMatches>;
  getByIds(ids: string[]): Promise<VectorizeVector[]>;
  deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation>;
  describe(): Promise<VectorizeIndexInfo>;
}

/** An in-memory Vectorize index with its limits: 1,000 vectors an upsert, topK at most 100. */
export function fakeVectorize(): FakeVectorize {
  const index: FakeVectorize = {
    stored: new Map(),
    failWith: null,
    async upsert(vectors) {
      if (index.failWith) throw new Error("Vectorize is down (fake)");
      if (vectors.length > 1000) throw new Error("at most 1,000 vectors an upsert");
      for (const v of vectors)
        index.stored.set(v.id, {
          values: Array.from(v.values as number[]),
          namespace: v.namespace,
          metadata: (v.metadata ?? {}) as Record<string, unknown>,
        });
      return { mutationId: "fake" };
    },
    async query(vector, options = {}) {
      if (index.failWith) throw new Error("Vectorize is down (fake)");
      const topK = options.topK ?? 5;
      if (topK > 100) throw new Error("topK at most 100");
      const values = Array.from(vector as number[]);
      const matches = [...index.stored.entries()]
        .filter(([, s]) => options.namespace === undefined || s.namespace === options.namespace)
        .filter(([, s]) => Object.entries(options.filter ?? {}).every(([k, want]) => s.metadata[k] === want))
        .map(([id, s]) => ({ id, score: cosine(values, s.values) }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, topK);
      return { matches, count: matches.length };
    },
    async queryById(id, options) {
      const stored = index.stored.get(id);
      if (!stored) return { matches: [], count: 0 };
      return index.query(stored.values, options);
    },
    async getByIds(ids) {
      if (index.failWith) throw new Error("Vectorize is down (fake)");
      return ids.flatMap((id) => {
        const s = index.stored.get(id);
        return s
          ? [{ id, values: s.values, namespace: s.namespace, metadata: s.metadata as VectorizeVector["metadata"] }]
          : [];
      });
    },
    async deleteByIds(ids) {
      for (const id of ids) index.stored.delete(id);
      return { mutationId: "fake" };
    },
    async describe() {
      return { vectorCount: index.stored.size, dimensions: 0, processedUpToDatetime: 0, processedUpToMutation: 0 };
    },
  };
  return index;
}
