/**
 * The local default's vector index, in D1 (table local_vectors): each vector as int8 with one
 * scale (a quarter of float32's bytes; cosine within about 0.001), filed under the nearest of its
 * model's centroids, an inverted file: a query compares itself with the centroids and reads only
 * the PROBES nearest clusters' rows, a bounded share of the catalog (PROBES / clusters: 8 of 256 at
 * the real catalog's size, about 3%) instead of all of it.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { dequantise, quantise } from "./int8";
import type { Neighbour, NeighbourQuery, PaperVector, VectorIndex } from "./vectors";

/**
 * Clusters a query reads (nearest: hybrid search's arm), and a paper's neighbours when its own
 * clusters hold too few. More find more of the true nearest (eval:related, eval:search,
 * docs/benchmarks.md) for more rows read: each row costs D1 about 10 microseconds to read and
 * hand over, far more than scoring it.
 */
export const PROBES = 8;
/** Clusters a paper's neighbours read: its own (eval:related: precision 0.417 at 1, 0.424 at 2, for 1.2x the page's time). */
export const NEIGHBOUR_PROBES = 1;

/** The dot product of a stored vector with `x`, decoded on the way. */
function dotStored(data: string, scale: number, x: Float32Array): number {
  const bytes = atob(data);
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    sum += (b > 127 ? b - 256 : b) * x[i]!;
  }
  return sum * scale;
}

/** Centroids as a model stores them: clusters x dimensions float32, base64. */
export function encodeCentroids(centroids: Float32Array): string {
  const bytes = new Uint8Array(centroids.buffer, centroids.byteOffset, centroids.byteLength);
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(s);
}

export function decodeCentroids(data: string): Float32Array {
  const s = atob(data);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/** The `count` centroids nearest `v` (rows of `centroids`, `k` wide), nearest first. */
export function nearestCentroids(centroids: Float32Array, k: number, v: ArrayLike<number>, count: number): number[] {
  const clusters = centroids.length / k;
  const scores: [number, number][] = [];
  for (let c = 0; c < clusters; c++) {
    let d = 0;
    for (let i = 0; i < k; i++) d += centroids[c * k + i]! * v[i]!;
    scores.push([c, d]);
  }
  return scores
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, count)
    .map(([c]) => c);
}

/** A model's centroids, read once per isolate: a model never changes once written. */
const centroidCache = new Map<string, Float32Array | null>();

async function centroidsOf(db: Db, space: string): Promise<Float32Array | null> {
  if (centroidCache.has(space)) return centroidCache.get(space)!;
  const row = await db.get<{ centroids: string } | undefined>(
    sql`SELECT centroids FROM local_models WHERE space = ${space} AND ready_at IS NOT NULL`,
  );
  const centroids = row ? decodeCentroids(row.centroids) : null;
  if (centroids) centroidCache.set(space, centroids);
  return centroids;
}

const filterSql = (filter: NeighbourQuery["filter"]) =>
  sql.join(
    Object.entries(filter ?? {})
      .filter(([key, value]) => value !== undefined && ["day", "month", "category"].includes(key))
      .map(([key, value]) => sql`AND ${sql.identifier(key)} = ${value}`),
    sql` `,
  );

type Row = { paper_id: string; scale: number; vector: string };

/** The rows of a pack: `group_concat(paper_id || ' ' || scale || ' ' || vector, ' ')`, one row of D1's for many. */
function unpack(pack: string | null | undefined): Row[] {
  const parts = pack?.split(" ") ?? [];
  const rows: Row[] = [];
  for (let i = 0; i + 2 < parts.length; i += 3)
    rows.push({ paper_id: parts[i]!, scale: Number(parts[i + 1]), vector: parts[i + 2]! });
  return rows;
}

/** The `topK` rows nearest `vector`, nearest first, `leaveOut` left out. */
function best(rows: Row[], vector: Float32Array, topK: number, leaveOut?: string): Neighbour[] {
  const scored: Neighbour[] = [];
  for (const r of rows)
    if (r.paper_id !== leaveOut) scored.push({ paperId: r.paper_id, score: dotStored(r.vector, r.scale, vector) });
  return scored.sort((a, b) => b.score - a.score || (a.paperId < b.paperId ? -1 : 1)).slice(0, topK);
}

/** Papers whose vectors vectorsOf reads in one row. */
const PACKED_IDS = 1000;

/** The local vector index over `db`: any space of a ready local model. */
export function localVectorIndex(db: Db): VectorIndex {
  return {
    async upsert(space, vectors: PaperVector[]) {
      const centroids = await centroidsOf(db, space);
      if (!centroids) throw new Error(`no ready local model for the space ${space}`);
      const rows = vectors.map((v) => {
        const { scale, data } = quantise(v.vector);
        const probes = nearestCentroids(centroids, v.vector.length, v.vector, PROBES);
        return {
          paper: v.paperId,
          cluster: probes[0]!,
          probes: JSON.stringify(probes),
          scale,
          data,
          day: v.metadata.day ?? null,
          month: v.metadata.month,
          category: v.metadata.category,
        };
      });
      // one bound parameter per statement whatever the batch's size (D1 binds at most 100)
      await db.run(sql`
        INSERT INTO local_vectors (space, paper_id, cluster, probes, scale, vector, day, month, category)
        SELECT ${space}, j.value ->> 'paper', j.value ->> 'cluster', j.value ->> 'probes', j.value ->> 'scale',
          j.value ->> 'data', j.value ->> 'day', j.value ->> 'month', j.value ->> 'category'
        FROM json_each(${JSON.stringify(rows)}) AS j
        WHERE true
        ON CONFLICT (space, paper_id) DO UPDATE SET cluster = excluded.cluster, probes = excluded.probes,
          scale = excluded.scale, vector = excluded.vector, day = excluded.day, month = excluded.month,
          category = excluded.category`);
    },
    async nearest(space, vector, query) {
      const centroids = await centroidsOf(db, space);
      if (!centroids) return [];
      const probed = nearestCentroids(centroids, vector.length, vector, PROBES);
      // a row per cluster, its vectors joined into one text: D1 hands over 8 rows, not thousands
      const packs = await db.all<{ pack: string }>(sql`
        SELECT group_concat(paper_id || ' ' || scale || ' ' || vector, ' ') AS pack FROM local_vectors
        WHERE space = ${space} AND cluster IN (SELECT value FROM json_each(${JSON.stringify(probed)}))
        ${filterSql(query.filter)} GROUP BY cluster`);
      return best(
        packs.flatMap(({ pack }) => unpack(pack)),
        vector,
        query.topK,
      );
    },
    async neighboursOf(space, paperId, query) {
      // one statement: the paper's own row first, then the rows of the first `probes` clusters its
      // vector probes (stored with it, so that no centroid is read here); a cluster too small to
      // hold topK neighbours (a small catalog) widens to PROBES clusters
      let found: Neighbour[] = [];
      for (const probes of [NEIGHBOUR_PROBES, PROBES]) {
        const rows = await db.all<Row & { own: number }>(sql`
          SELECT 1 AS own, paper_id, scale, vector FROM local_vectors WHERE space = ${space} AND paper_id = ${paperId}
          UNION ALL
          SELECT 0, paper_id, scale, vector FROM local_vectors
          WHERE space = ${space} AND paper_id != ${paperId} AND cluster IN (SELECT value FROM json_each(
            (SELECT probes FROM local_vectors WHERE space = ${space} AND paper_id = ${paperId})) WHERE key < ${probes})
          ${filterSql(query.filter)}`);
        const own = rows.find((r) => r.own === 1);
        if (!own) return [];
        found = best(rows, dequantise(own.vector, own.scale), query.topK, paperId);
        if (found.length >= query.topK) break;
      }
      return found;
    },
    async vectorsOf(space, paperIds) {
      // a row per PACKED_IDS papers, as nearest reads a row per cluster: thousands of rows cost D1
      // more than their bytes, and a row stays far below D1's 2 MB (about 360 bytes a paper).
      // INDEXED BY: for an IN list SQLite's planner would rather walk the whole space by its
      // primary key (385 ms for 2,630 papers of the real catalog, against 27 ms by the index).
      const packs = await Promise.all(
        Array.from({ length: Math.ceil(paperIds.length / PACKED_IDS) }, (_, i) =>
          db.get<{ pack: string | null }>(sql`
            SELECT group_concat(paper_id || ' ' || scale || ' ' || vector, ' ') AS pack
            FROM local_vectors INDEXED BY local_vectors_paper WHERE space = ${space}
              AND paper_id IN (SELECT value FROM json_each(${JSON.stringify(paperIds.slice(i * PACKED_IDS, (i + 1) * PACKED_IDS))}))`),
        ),
      );
      return new Map(packs.flatMap((row) => unpack(row?.pack)).map((r) => [r.paper_id, dequantise(r.vector, r.scale)]));
    },
    async delete(space, paperIds) {
      await db.run(
        sql`DELETE FROM local_vectors INDEXED BY local_vectors_paper
          WHERE space = ${space} AND paper_id IN (SELECT value FROM json_each(${JSON.stringify(paperIds)}))`,
      );
    },
    async count() {
      const row = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM local_vectors`);
      return Number(row?.n ?? 0);
    },
  };
}
