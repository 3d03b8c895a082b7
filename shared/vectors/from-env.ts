import { z } from "zod";
import type { Db } from "../db/client";
import type { Vectors } from "./paper-vectors";
import { QUERY_EMBED_TIMEOUT_MS, type VectorArm, vectorArm } from "./query-arm";
import { type VectorizeBinding, vectorizeIndex } from "./vectorize";
import type { VectorIndex } from "./vectors";
import { type AiRunner, workersAiEmbedder } from "./workers-ai";

/**
 * The bindings and vars vectors need. Production declares AI and VECTORIZE (scripts/deploy.sh adds
 * them); local runs and tests have neither (no local simulation exists): tests pass fakes here.
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

/** The vector index alone (related papers read it), or null without a VECTORIZE binding. */
export const vectorIndexFrom = (env: VectorEnv): VectorIndex | null =>
  env.VECTORIZE ? vectorizeIndex(env.VECTORIZE) : null;

/** The embedder and the index (ingest, backfill), or null unless both bindings are there. */
export function vectorsFrom(env: VectorEnv): Vectors | null {
  if (!env.AI || !env.VECTORIZE) return null;
  const settings = Settings.parse(env);
  return {
    embedder: workersAiEmbedder(env.AI, { model: settings.EMBEDDING_MODEL, dimensions: settings.EMBEDDING_DIMENSIONS }),
    index: vectorizeIndex(env.VECTORIZE),
  };
}

/** Hybrid search's vector arm, or null unless both bindings are there. */
export const vectorArmFrom = (env: VectorEnv, db: Db): VectorArm | null =>
  vectorArm(db, vectorsFrom(env), Settings.parse(env).QUERY_EMBED_TIMEOUT_MS);
