import { cutAndNormalise, type Embedder, type EmbedMode } from "./vectors";

/** Workers AI takes at most 100 texts a call (PLATFORM.md). */
const MAX_TEXTS = 100;

/** Qwen3-Embedding's instruction for a query (its documents take none), as its model card gives it. */
const QWEN_QUERY_INSTRUCTION = "Given a search query or a paper, retrieve machine learning papers that match it";

/** The part of the AI binding this module uses: one model run with a JSON input. */
export interface AiRunner {
  run(model: string, input: Record<string, unknown>): Promise<unknown>;
}

export interface WorkersAiSettings {
  /** A Workers AI text-embedding model, such as @cf/qwen/qwen3-embedding-0.6b. */
  model: string;
  /** Kept dimensions: the model's own, or fewer for a Matryoshka model (cut and renormalised). */
  dimensions: number;
}

/** The space of a model at a size, such as "qwen3-embedding-0.6b@256": short enough for a vector id. */
export const spaceKey = ({ model, dimensions }: WorkersAiSettings) =>
  `${model.slice(model.lastIndexOf("/") + 1)}@${dimensions}`;

function inputFor(model: string, texts: string[], mode: EmbedMode): Record<string, unknown> {
  if (model.includes("qwen3-embedding"))
    return mode === "query" ? { queries: texts, instruction: QWEN_QUERY_INSTRUCTION } : { documents: texts };
  return { text: texts };
}

/** The embedder of production: a Workers AI model, its answers checked before anything stores them. */
export function workersAiEmbedder(ai: AiRunner, settings: WorkersAiSettings): Embedder {
  return {
    key: spaceKey(settings),
    dimensions: settings.dimensions,
    maxBatch: MAX_TEXTS,
    async embed(texts, mode) {
      if (texts.length > MAX_TEXTS) throw new Error(`${texts.length} texts in one call; at most ${MAX_TEXTS}`);
      if (!texts.length) return [];
      const answer = (await ai.run(settings.model, inputFor(settings.model, texts, mode))) as { data?: unknown };
      const data = answer?.data;
      if (!Array.isArray(data) || data.length !== texts.length)
        throw new Error(
          `${settings.model} answered ${Array.isArray(data) ? data.length : "no"} vectors for ${texts.length} texts`,
        );
      return data.map((row) => {
        if (!Array.isArray(row)) throw new Error(`${settings.model} answered a vector that is not a list`);
        return cutAndNormalise(row as number[], settings.dimensions);
      });
    },
  };
}
