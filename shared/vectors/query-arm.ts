/**
 * The vector arm of hybrid search: the papers nearest a query's meaning, in the space that answers.
 * searchPapers (shared/papers/queries.ts) asks it only for sentence-like queries and fuses what it
 * answers below the words' first places (shared/papers/fusion.ts); when it fails or is late, the
 * answer is the words' ranking alone.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db, JointReader } from "../db/client";
import { switches } from "../db/schema";
import { answeringSpaceSql } from "./paper-vectors";
import type { Embedder, VectorIndex } from "./vectors";

/** What a curator can switch off at /admin without a deploy. */
export const SWITCHES = {
  "vector-search": "The vector arm of search: sentence-like queries also find papers near their meaning.",
  "related-by-meaning":
    "Related papers by meaning (the paper's vector's neighbours) on paper pages, their Markdown and MCP; off: by shared words.",
} as const;
export type SwitchName = keyof typeof SWITCHES;

/**
 * The space that answers unless the switch `name` is off (a switch without a row is on), as a
 * scalar subquery: a reader learns both in the statement it makes anyway.
 */
export const answeringUnlessOff = (name: SwitchName) => sql<string | null>`(CASE WHEN coalesce(
  (SELECT ${switches.on} FROM ${switches} WHERE ${switches.name} = ${name}), 1) THEN ${answeringSpaceSql} END)`;

/** Every switch and its state, for /admin. */
export async function allSwitches(
  db: Db,
): Promise<{ name: SwitchName; on: boolean; about: string; changedAt: string | null; changedBy: string | null }[]> {
  const rows = await db.select().from(switches).all();
  return (Object.keys(SWITCHES) as SwitchName[]).map((name) => {
    const row = rows.find((r) => r.name === name);
    return {
      name,
      on: row?.on ?? true,
      about: SWITCHES[name],
      changedAt: row?.changedAt ?? null,
      changedBy: row?.changedBy ?? null,
    };
  });
}

/** The statement that flips a switch, to go in one batch with its audit row. */
export function switchStatement(db: Db, name: SwitchName, on: boolean, by: string, at: string) {
  return db
    .insert(switches)
    .values({ name, on, changedAt: at, changedBy: by })
    .onConflictDoUpdate({ target: switches.name, set: { on, changedAt: at, changedBy: by } });
}

/** The query's neighbours the arm asks for: the words' candidates for a sentence when the fusion was chosen (eval:search). */
export const VECTOR_ARM_K = 100;
/** How long the query's embedding and the index's answer may take together before words answer alone. */
export const QUERY_EMBED_TIMEOUT_MS = 1000;

/**
 * Hybrid search's vector arm, in two steps so that it costs no statement of its own before its
 * index's, nor that one when its index holds what it would read: the caller reads `preface` (a
 * scalar subquery: the space that answers, NULL where the arm does not apply: switched off, or no
 * space of the embedder's model complete; and the index's version there) in a statement it makes
 * anyway, then asks `near` for the paper ids nearest a text, nearest first (null: the arm does not
 * apply). `near` throws when the embedder or the index fails, answers garbage or is late.
 */
export interface VectorArm {
  preface: SQL<string | null>;
  /** `read`: the caller's joint reader, for the index's statement to go in a batch with the caller's. */
  near(text: string, preface: string | null, read: JointReader): Promise<string[] | null>;
}

class Late extends Error {}

/** Rejects with Late after `ms`; the timer is cleared once `work` settles. */
async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Late(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The arm over `index` and the embedder `embedderOf` gives for the space that answers (none: the arm stays out). */
export function vectorArm(
  index: VectorIndex,
  embedderOf: (space: string) => Promise<Embedder | null>,
  timeoutMs = QUERY_EMBED_TIMEOUT_MS,
): VectorArm {
  const space = answeringUnlessOff("vector-search");
  return {
    preface: sql`json_array(${space}, ${index.versionOf?.(space) ?? sql`NULL`})`,
    async near(text, preface, read) {
      const [space, version] = preface ? (JSON.parse(preface) as [string | null, string | null]) : [null, null];
      if (!space) return null;
      const embedder = await embedderOf(space);
      if (embedder?.key !== space) return null;
      return within(
        (async () => {
          const [vector] = await embedder.embed([text], "query");
          // an embedder checks its answers; an arm that ranks by a bad vector would rank at random
          if (vector?.length !== embedder.dimensions || !vector.every(Number.isFinite))
            throw new Error(`the query's vector has ${vector?.length ?? 0} dimensions or a non-finite value`);
          const near = await index.nearest(space, vector, { topK: VECTOR_ARM_K, version, read });
          return near.map((n) => n.paperId);
        })(),
        timeoutMs,
      );
    },
  };
}
