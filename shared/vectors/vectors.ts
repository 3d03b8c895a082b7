/**
 * A vector for every paper: the two interfaces the rest of the code sees. An Embedder turns texts
 * into vectors (Workers AI in production: workers-ai.ts); a VectorIndex keeps them and finds
 * neighbours (Vectorize: vectorize.ts). Each set of vectors lives in a space named by the embedder's
 * key (its model and dimensions), so that a new model fills a space of its own while the old one
 * still answers, and takes over only once complete (paper-vectors.ts).
 */

import type { SQL } from "drizzle-orm";
import type { JointReader } from "../db/client";

/** A query is embedded with the model's query prompt, a paper with its document prompt. */
export type EmbedMode = "query" | "document";

export interface Embedder {
  /** The space its vectors belong to: a new model or size is a new key, filled anew. */
  readonly key: string;
  readonly dimensions: number;
  /** The most texts one call of `embed` takes. */
  readonly maxBatch: number;
  /** One unit-length vector per text, in order; throws when the model fails or answers garbage. */
  embed(texts: string[], mode: EmbedMode): Promise<Float32Array[]>;
}

/** What a vector carries to filter on (Vectorize metadata indexes, created before the first vector). */
export interface PaperVectorMetadata {
  /** The featured day (YYYY-MM-DD), when the paper was featured. */
  day?: string;
  /** The month arXiv first published it (YYYY-MM). */
  month: string;
  category: string;
}

export interface PaperVector {
  paperId: string;
  vector: Float32Array;
  metadata: PaperVectorMetadata;
}

export interface Neighbour {
  paperId: string;
  /** Cosine similarity, higher is nearer. */
  score: number;
}

export interface NeighbourQuery {
  topK: number;
  filter?: Partial<PaperVectorMetadata>;
  /** What the index's versionOf read in the caller's statement, for nearest. */
  version?: string | null;
  /** What the index's neighbourhoodOf read in the caller's statement, for neighboursOf. */
  neighbourhood?: string | null;
  /** An index in D1: the caller's joint reader, for nearest's statement to go in one batch with the caller's. */
  read?: JointReader;
}

export interface VectorIndex {
  upsert(space: string, vectors: PaperVector[]): Promise<void>;
  /** The papers nearest a vector, nearest first. */
  nearest(space: string, vector: Float32Array, query: NeighbourQuery): Promise<Neighbour[]>;
  /**
   * An index in D1: its version in the space `space` names, as a scalar subquery a caller reads in a
   * statement it makes anyway and passes to nearest (`query.version`), which then reads nothing it
   * holds already at that version.
   */
  versionOf?(space: SQL<string | null>): SQL<string | null>;
  /** The papers nearest a stored paper's vector, itself left out; none when it has no vector. */
  neighboursOf(space: string, paperId: string, query: NeighbourQuery): Promise<Neighbour[]>;
  /**
   * An index in D1: what neighboursOf reads of a paper in the space `space` names, as a scalar
   * subquery a caller reads in a statement it makes anyway and passes to it (`query.neighbourhood`).
   */
  neighbourhoodOf?(space: SQL<string | null>, paperId: string): SQL<string | null>;
  /** The stored vectors of these papers, those that have one (a reader's model and its candidates). */
  vectorsOf(space: string, paperIds: string[]): Promise<Map<string, Float32Array>>;
  delete(space: string, paperIds: string[]): Promise<void>;
  /** Vectors stored, every space together. */
  count(): Promise<number>;
}

/** What a paper's vector is made from: its title and abstract, as the search ranks them. */
export const paperText = (paper: { title: string; abstract: string }) => `${paper.title}\n\n${paper.abstract}`;

/**
 * The first `dimensions` components of a vector, at unit length: a Matryoshka model's prefix is
 * itself an embedding. Throws on a vector too short, with a non-finite component, or all zeros.
 */
export function cutAndNormalise(values: ArrayLike<number>, dimensions: number): Float32Array {
  if (values.length < dimensions) throw new Error(`a vector of ${values.length} dimensions, not ${dimensions}`);
  const out = new Float32Array(dimensions);
  let sum = 0;
  for (let i = 0; i < dimensions; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new Error(`a vector with ${v} at ${i}`);
    out[i] = v;
    sum += v * v;
  }
  if (sum === 0) throw new Error("a vector of zeros");
  const norm = Math.sqrt(sum);
  for (let i = 0; i < dimensions; i++) out[i]! /= norm;
  return out;
}
