import { z } from "zod";
import type { Db } from "../db/client";
import { localVectorIndex } from "./local-index";
import { localEmbedder, localModelOf, readyModels } from "./local-model";
import type { Vectors } from "./paper-vectors";
import { QUERY_EMBED_TIMEOUT_MS, type VectorArm, vectorArm } from "./query-arm";
import { type VectorizeBinding, vectorizeIndex } from "./vectorize";
import type { VectorIndex } from "./vectors";
import { type AiRunner, workersAiEmbedder } from "./workers-ai";

/**
 * The bindings and vars vectors need. Production declares AI and VECTORIZE (scripts/deploy.sh adds
 * them); local runs and tests have neither (no local simulation exists) and use the local default
 * (local-model.ts, local-index.ts), or fakes the tests pass here.
 */
export interface VectorEnv {
  AI?: AiRunner;
  VECTORIZE?: VectorizeBinding;
  /** A Workers AI text-embedding model. */
  EMBEDDING_MODEL?: string;
  /** Dimensions kept (a Matryoshka model's prefix); the Vectorize index is created with as many. */
  EMBEDDING_DIMENSIONS?: string;
  /** How long hybrid search waits for the query's vector arm, in milliseconds (1,000). */
  QUERY_EMBED_TIMEOUT_MS?: string;
}

const Settings = z.object({
  EMBEDDING_MODEL: z
    .string()
    .regex(/^@cf\/[\w.-]+\/[\w.-]+$/, "must name a Workers AI model, like @cf/qwen/qwen3-embedding-0.6b")
    .default("@cf/qwen/qwen3-embedding-0.6b"),
  EMBEDDING_DIMENSIONS: z.coerce.number().int().min(32).max(1536).default(256),
  QUERY_EMBED_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).default(QUERY_EMBED_TIMEOUT_MS),
});

/** Where vectors live: Vectorize when bound, else the local index in D1 (local-index.ts). */
export const vectorIndexFrom = (env: VectorEnv, db: Db): VectorIndex =>
  env.VECTORIZE ? vectorizeIndex(env.VECTORIZE) : localVectorIndex(db);

/** Whether Workers AI and Vectorize make the vectors here (else the local default does). */
export const onCloudflare = (env: VectorEnv) => Boolean(env.AI && env.VECTORIZE);

/**
 * The embedder and the index: Workers AI and Vectorize when both are bound; else the local default,
 * the model of `space` (a space that answers) or the newest ready one (null until one is learnt).
 */
export async function vectorsFrom(env: VectorEnv, db: Db, space?: string): Promise<Vectors | null> {
  if (env.AI && env.VECTORIZE) {
    const settings = Settings.parse(env);
    return {
      embedder: workersAiEmbedder(env.AI, {
        model: settings.EMBEDDING_MODEL,
        dimensions: settings.EMBEDDING_DIMENSIONS,
      }),
      index: vectorizeIndex(env.VECTORIZE),
    };
  }
  // a space that answers is complete, so its model is ready: named by it, no read (hybrid search's hot path)
  const model = space ? localModelOf(space) : (await readyModels(db))[0];
  return model ? { embedder: localEmbedder(db, model), index: localVectorIndex(db) } : null;
}

/** Hybrid search's vector arm: the vectors of the space that answers. */
export const vectorArmFrom = (env: VectorEnv, db: Db): VectorArm =>
  vectorArm(
    vectorIndexFrom(env, db),
    async (space) => (await vectorsFrom(env, db, space))?.embedder ?? null,
    Settings.parse(env).QUERY_EMBED_TIMEOUT_MS,
  );
