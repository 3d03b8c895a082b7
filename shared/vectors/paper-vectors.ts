/**
 * Keeping every paper's vector: which papers wait for one in the embedder's space, embedding them
 * in bounded chunks (after each ingest, and by the backfill a curator or a script starts), and
 * which space answers. Safe to run twice or concurrently: two runs may embed a paper twice, and
 * the second upsert of its vector and of its row changes nothing.
 */
import { and, count, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { dailyEntries, papers, paperVectors, vectorSpaces } from "../db/schema";
import { type Embedder, type PaperVectorMetadata, paperText, type VectorIndex } from "./vectors";

/** Papers one chunk embeds unless asked otherwise: after each ingest run, and a backfill call's default (five embedder calls). */
export const EMBED_CHUNK = 500;
/** The most one chunk may embed: ten embedder calls, well inside one invocation's limits. */
export const MAX_EMBED_CHUNK = 1000;

export interface Vectors {
  embedder: Embedder;
  index: VectorIndex;
}

export interface EmbedOutcome {
  space: string;
  embedded: number;
  /** Papers still without a vector in this space. */
  remaining: number;
  /** Why it stopped early: the embedder or the index failed; what was done stays done. */
  error: string | null;
}

/**
 * The space that answers, as a scalar subquery: the most recently completed one. A new model's
 * space takes over only once every paper has a vector there; until then the old one answers (or
 * none, the first time). The one rule: every reader of the answering space reads it here, alone
 * (activeSpace) or beside something else in the same statement (a paper, the coverage, a switch).
 */
export const answeringSpaceSql = sql<string | null>`(
  SELECT ${vectorSpaces.space} FROM ${vectorSpaces} WHERE ${vectorSpaces.completedAt} IS NOT NULL
  ORDER BY ${vectorSpaces.completedAt} DESC, ${vectorSpaces.space} DESC LIMIT 1)`;

/** The space that answers, or null. */
export async function activeSpace(db: Db): Promise<string | null> {
  return (await db.get<{ space: string | null }>(sql`SELECT ${answeringSpaceSql} AS space`))?.space ?? null;
}

/** Papers without a vector in `space` (every paper counts, hidden ones too: unhiding needs no wait). */
export async function papersWaiting(db: Db, space: string): Promise<number> {
  const row = await db
    .select({
      waiting: sql<number>`(SELECT count(*) FROM ${papers}) - (SELECT count(*) FROM ${paperVectors} WHERE ${paperVectors.space} = ${space})`,
    })
    .from(sql`(SELECT 1)`)
    .get();
  return Number(row?.waiting ?? 0);
}

const month = (published: string) => published.slice(0, 7);

/**
 * Embeds up to `limit` papers that wait for a vector in the embedder's space, newest first, in
 * batches of the embedder's size: each batch is embedded, stored in the index, then recorded. A
 * failure of the embedder or the index stops the chunk and is answered, not thrown: the papers not
 * recorded simply wait.
 */
export async function embedWaiting(
  db: Db,
  vectors: Vectors,
  opts: { limit: number; now: Date },
): Promise<EmbedOutcome> {
  const { embedder, index } = vectors;
  const space = embedder.key;
  const at = opts.now.toISOString();
  await db.insert(vectorSpaces).values({ space, startedAt: at }).onConflictDoNothing();
  const waiting = await db
    .select({
      id: papers.id,
      title: papers.title,
      abstract: papers.abstract,
      published: papers.published,
      primaryCategory: papers.primaryCategory,
      categories: papers.categories,
      day: dailyEntries.day,
    })
    .from(papers)
    .leftJoin(dailyEntries, eq(dailyEntries.paperId, papers.id))
    .where(
      sql`NOT EXISTS (SELECT 1 FROM ${paperVectors} WHERE ${paperVectors.space} = ${space} AND ${paperVectors.paperId} = ${papers.id})`,
    )
    .orderBy(desc(papers.num))
    .limit(opts.limit)
    .all();

  let embedded = 0;
  let error: string | null = null;
  for (let i = 0; i < waiting.length && !error; i += embedder.maxBatch) {
    const batch = waiting.slice(i, i + embedder.maxBatch);
    try {
      const made = await embedder.embed(batch.map(paperText), "document");
      if (made.length !== batch.length) throw new Error(`${made.length} vectors for ${batch.length} papers`);
      await index.upsert(
        space,
        batch.map((p, j) => {
          const metadata: PaperVectorMetadata = {
            month: month(p.published),
            category: p.primaryCategory ?? p.categories[0] ?? "",
            ...(p.day ? { day: p.day } : {}),
          };
          return { paperId: p.id, vector: made[j]!, metadata };
        }),
      );
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      break;
    }
    // recorded only where the paper's text is still what was embedded (the row is its source)
    const [first, ...rest] = batch.map((p) =>
      db
        .insert(paperVectors)
        .select(
          db
            .select({
              space: sql<string>`${space}`.as("space"),
              paperId: papers.id,
              embeddedAt: sql<string>`${at}`.as("embedded_at"),
            })
            .from(papers)
            .where(and(eq(papers.id, p.id), eq(papers.title, p.title), eq(papers.abstract, p.abstract))),
        )
        .onConflictDoUpdate({ target: [paperVectors.space, paperVectors.paperId], set: { embeddedAt: at } }),
    );
    await db.batch([first!, ...rest]);
    embedded += batch.length;
  }

  const remaining = await papersWaiting(db, space);
  await db
    .update(vectorSpaces)
    .set({
      lastRunAt: at,
      lastRunEmbedded: embedded,
      lastRunError: error,
      ...(remaining === 0 ? { completedAt: sql`coalesce(${vectorSpaces.completedAt}, ${at})` } : {}),
    })
    .where(eq(vectorSpaces.space, space));
  if (error) console.warn(`embedding stopped after ${embedded} papers in ${space}: ${error}`);
  return { space, embedded, remaining, error };
}

export interface SpaceCoverage {
  space: string;
  withVector: number;
  startedAt: string;
  completedAt: string | null;
  lastRunAt: string | null;
  lastRunEmbedded: number | null;
  lastRunError: string | null;
}

/** Every space's coverage, newest first, the space that answers and the catalog's size: what /admin shows. */
export async function vectorCoverage(
  db: Db,
): Promise<{ papers: number; active: string | null; spaces: SpaceCoverage[] }> {
  const total = await db.select({ n: count(), active: answeringSpaceSql }).from(papers).get();
  const spaces = await db
    .select({
      space: vectorSpaces.space,
      withVector: sql<number>`(SELECT count(*) FROM ${paperVectors} WHERE ${paperVectors.space} = ${vectorSpaces.space})`,
      startedAt: vectorSpaces.startedAt,
      completedAt: vectorSpaces.completedAt,
      lastRunAt: vectorSpaces.lastRunAt,
      lastRunEmbedded: vectorSpaces.lastRunEmbedded,
      lastRunError: vectorSpaces.lastRunError,
    })
    .from(vectorSpaces)
    .orderBy(desc(vectorSpaces.startedAt))
    .all();
  return {
    papers: total?.n ?? 0,
    active: total?.active ?? null,
    spaces: spaces.map((s) => ({ ...s, withVector: Number(s.withVector) })),
  };
}
