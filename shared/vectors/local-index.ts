/**
 * The local default's vector index, in D1. Each vector is stored as int8 with one scale (table
 * local_vectors: a quarter of float32's bytes; cosine within about 0.001), filed under the nearest
 * of its model's centroids, an inverted file; and each cluster's papers are packed, a few rows a
 * cluster, with a code of each vector: a bit a dimension (table local_packs). A query compares
 * itself with the centroids, reads the packs of the PROBES nearest clusters (tens of rows, a
 * bounded share of the catalog: 8 of 256 clusters at the real catalog's size, about 3%), scores
 * every code there against its own exact vector, and reads whole only the RESCORED best, to rank
 * them by their int8 vectors. Reading the clusters' vectors themselves cost D1 a row each, thousands
 * a query (docs/benchmarks.md). An isolate keeps the parts it read: with the index's version read in
 * the caller's statement (versionOf), a query reads no part it holds; and a paper's neighbourhood
 * (its vector and its cluster's) is a subquery the paper page reads with the paper (neighbourhoodOf).
 */
import { type SQL, sql } from "drizzle-orm";
import { alone, type Db, type JointReader, runSqlBatch } from "../db/client";
import { RecentlyUsed } from "../recent";
import { kthLargest } from "../select";
import { bytesOf, dequantise, dotInt8, quantise } from "./int8";
import type { Neighbour, NeighbourQuery, PaperVector, VectorIndex } from "./vectors";

/**
 * Clusters a query reads (nearest: hybrid search's arm), and a paper's neighbours when its own
 * clusters hold too few. More find more of the true nearest (eval:related, eval:search,
 * docs/benchmarks.md) for more codes scored: 4 instead of 8 lost a tenth of the arm's Recall@100.
 */
export const PROBES = 8;
/**
 * Papers a query reads whole after the codes' first pass, to rank them by their int8 vectors: at
 * 100 the arm finds what reading every vector of its clusters found (MRR@10 0.770 against 0.769,
 * Recall@100 0.933 both: `npm run profile:search`, docs/benchmarks.md).
 */
export const RESCORED = 100;
/**
 * A cluster's parts in local_packs at most: one more, and an upsert merges them into one. A merged
 * part holds a cluster's every paper at about 55 bytes each: D1's 2 MB a row is some 35,000 papers
 * a cluster (the real catalog's largest cluster holds 2,855).
 */
export const MAX_PARTS = 8;
/** Clusters a paper's neighbours read: its own (eval:related: precision 0.417 at 1, 0.424 at 2, for 1.2x the page's time). */
export const NEIGHBOUR_PROBES = 1;

/** The dot product of a stored vector with `x`. */
const dotStored = (data: string, scale: number, x: Float32Array) => dotInt8(data, x) * scale;

/**
 * Bytes of a vector's code: a bit a dimension, padded to a multiple of three so that base64 needs
 * no padding and codes joined end to end are one base64 text (a pack's codes are decoded at once).
 */
const codeBytes = (dimensions: number) => Math.ceil(dimensions / 24) * 3;

/** A vector's code: bit i set where component i is positive, in base64. */
export function codeOf(v: ArrayLike<number>): string {
  const bytes = new Uint8Array(codeBytes(v.length));
  for (let i = 0; i < v.length; i++) if (v[i]! > 0) bytes[i >> 3]! |= 1 << (i & 7);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The table codeScores sums from: for each byte position of a code, the dot product of its eight
 * components of `x` with each byte's signs (+1 where a bit is set, -1 where not), x kept exact.
 */
export function codeTable(x: Float32Array): Float32Array {
  const n = codeBytes(x.length);
  const table = new Float32Array(n * 256);
  for (let b = 0; b < n; b++) {
    const at = b * 256;
    for (let j = 0; j < 8; j++) table[at]! -= x[b * 8 + j] ?? 0;
    // a byte's sum is that of the byte without its lowest bit, that bit's component turned to +
    for (let byte = 1; byte < 256; byte++) {
      const low = 31 - Math.clz32(byte & -byte);
      table[at + byte] = table[at + (byte & (byte - 1))]! + 2 * (x[b * 8 + low] ?? 0);
    }
  }
  return table;
}

/** Each code's score (codes joined end to end, as bytesOf decodes them) from a query's codeTable: its signs' dot product with the query. */
export function codeScores(bytes: Uint8Array, table: Float32Array): Float32Array {
  const n = table.length / 256;
  const out = new Float32Array(bytes.length / n);
  for (let v = 0; v < out.length; v++) {
    let sum = 0;
    for (let b = 0; b < n; b++) sum += table[b * 256 + bytes[v * n + b]!]!;
    out[v] = sum;
  }
  return out;
}

/**
 * Parts of local_packs as read, per isolate, by id: a part never changes once written (a merge
 * writes a new one), and ids are never reused (AUTOINCREMENT), so that a query reads again only the
 * parts it has not read before. At most PART_CACHE_PAPERS papers' (about 60 bytes each: the real
 * catalog's every part in 9 MB), the least recently used let go first (RecentlyUsed).
 */
type Part = { cluster: number; ids: string[]; bytes: Uint8Array };
const partCache = new RecentlyUsed<number, Part>(160_000, (part) => part.ids.length);
const keepPart = (id: number, part: Part) => partCache.keep(id, part);

/**
 * The parts each cluster held when last read, per isolate, by space and cluster, with the index's
 * version then (versionOf: its newest part's id and its number of parts). Any write of packs adds a
 * part (a merge too, beside its deletes), so that at the same version a cluster's parts are the same.
 */
const clusterParts = new Map<string, Map<number, { version: string; ids: number[] }>>();

/** Centroids as a model stores them: clusters x dimensions float32, base64. */
export function encodeCentroids(centroids: Float32Array): string {
  const bytes = new Uint8Array(centroids.buffer, centroids.byteOffset, centroids.byteLength);
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(s);
}

export const decodeCentroids = (data: string) => new Float32Array(bytesOf(data).buffer);

/** The `count` centroids nearest `v` (rows of `centroids`, `k` wide), nearest first (ties: the lower). */
export function nearestCentroids(centroids: Float32Array, k: number, v: ArrayLike<number>, count: number): number[] {
  const scores = new Float64Array(centroids.length / k);
  for (let c = 0; c < scores.length; c++) {
    let d = 0;
    for (let i = 0; i < k; i++) d += centroids[c * k + i]! * v[i]!;
    scores[c] = d;
  }
  // a pass over a few hundred scores for each: cheaper than sorting them all
  const nearest: number[] = [];
  while (nearest.length < Math.min(count, scores.length)) {
    let best = -1;
    for (let c = 0; c < scores.length; c++)
      if ((best < 0 || scores[c]! > scores[best]!) && !nearest.includes(c)) best = c;
    nearest.push(best);
  }
  return nearest;
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

/**
 * Units of a scale in a pack. SQLite writes a REAL out as text slowly (a third of packing a paper
 * page's neighbourhood, ~900 vectors: docs/benchmarks.md) and an integer at once, so a scale (a
 * vector's largest component / 127) is packed as a whole number of 2^-40: below 2^63 for any
 * component below 10^9, and off by less than 2^-40, a few billionths of a unit vector's scale (int8
 * itself is off by up to a 254th of the largest component).
 */
const SCALE_UNITS = 2 ** 40;

/** Vectors joined into one text (unpack reads it): D1 hands over a row at a cost, so a pack is one row for many. */
const ROW = sql`paper_id || ' ' || CAST(scale * ${sql.raw(String(SCALE_UNITS))} AS INTEGER) || ' ' || vector`;
const PACKED = sql`group_concat(${ROW}, ' ')`;

/** The rows of a PACKED text. */
function unpack(pack: string | null | undefined): Row[] {
  const parts = pack?.split(" ") ?? [];
  const rows: Row[] = [];
  for (let i = 0; i + 2 < parts.length; i += 3)
    rows.push({ paper_id: parts[i]!, scale: Number(parts[i + 1]) / SCALE_UNITS, vector: parts[i + 2]! });
  return rows;
}

/** The `topK` rows nearest `vector`, nearest first, `leaveOut` left out. */
function best(rows: Row[], vector: Float32Array, topK: number, leaveOut?: string): Neighbour[] {
  const scored: Neighbour[] = [];
  for (const r of rows)
    if (r.paper_id !== leaveOut) scored.push({ paperId: r.paper_id, score: dotStored(r.vector, r.scale, vector) });
  return scored.sort((a, b) => b.score - a.score || (a.paperId < b.paperId ? -1 : 1)).slice(0, topK);
}

/**
 * The most vectors of its clusters a paper's neighbours are found among: a packed text under D1's
 * 2 MB a value (about 360 bytes a vector), however large a cluster grows (the real catalog's
 * largest holds 2,855 papers; 256 clusters at most, so a catalog past a million papers has larger).
 */
const NEIGHBOURHOOD_PAPERS = 4000;

/**
 * A paper's own vector, then the vectors of the first `probes` clusters its vector probes (stored
 * with it, so that no centroid is read; at most NEIGHBOURHOOD_PAPERS), as one PACKED text, the own
 * first (NULL without one): a scalar subquery, so that the paper page reads it with the paper.
 */
const neighbourhoodSql = (
  space: SQL<string | null> | string,
  paperId: string,
  probes: number,
  filter?: NeighbourQuery["filter"],
) => sql<string | null>`((SELECT ${ROW} FROM local_vectors
    WHERE space = ${space} AND paper_id = ${paperId}) || ' ' || coalesce((SELECT ${PACKED} FROM (
      SELECT paper_id, scale, vector FROM local_vectors
      WHERE space = ${space} AND paper_id != ${paperId} AND cluster IN (SELECT value FROM json_each(
        (SELECT probes FROM local_vectors WHERE space = ${space} AND paper_id = ${paperId})) WHERE key < ${probes})
      ${filterSql(filter)} LIMIT ${NEIGHBOURHOOD_PAPERS})), ''))`;

/** Papers whose vectors rowsOf reads in one row. */
const PACKED_IDS = 1000;

/**
 * The stored vectors of these papers in `space` that have one (and pass `filter`), a row per
 * PACKED_IDS papers: far below D1's 2 MB (about 360 bytes a paper). INDEXED BY: for an IN list
 * SQLite's planner would rather walk the whole space by its primary key (385 ms for 2,630 papers of
 * the real catalog, against 27 ms by the index).
 */
async function rowsOf(
  db: Db,
  space: string,
  paperIds: string[],
  filter?: NeighbourQuery["filter"],
  read: JointReader = alone,
): Promise<Row[]> {
  const packs = await Promise.all(
    Array.from({ length: Math.ceil(paperIds.length / PACKED_IDS) }, (_, i) =>
      // a builder, not db.get(sql): drizzle batches only its builders (jointReader)
      read(
        db
          .select({ pack: sql<string | null>`${PACKED}` })
          .from(sql`local_vectors INDEXED BY local_vectors_paper`)
          .where(sql`space = ${space}
            AND paper_id IN (SELECT value FROM json_each(${JSON.stringify(paperIds.slice(i * PACKED_IDS, (i + 1) * PACKED_IDS))}))
            ${filterSql(filter)}`),
      ),
    ),
  );
  return packs.flatMap((rows) => unpack(rows[0]?.pack));
}

/** The local vector index over `db`: any space of a ready local model. */
export function localVectorIndex(db: Db): VectorIndex {
  /**
   * The parts of the `probed` clusters: none read when the isolate holds them at `version` (the
   * index's, read by the caller), else one statement, the text only of the parts not held.
   */
  async function probedParts(space: string, probed: number[], version?: string | null): Promise<Part[]> {
    const known = clusterParts.get(space);
    const held = (cluster: number) => {
      const c = known?.get(cluster);
      return c && c.version === version && c.ids.every((id) => partCache.has(id)) ? c.ids : null;
    };
    const lists = version ? probed.map(held) : [];
    if (version && lists.every((ids) => ids))
      return lists.flatMap((ids) => ids!.map((id) => keepPart(id, partCache.get(id)!)));
    // the parts held taken now: another query may let them go while this one waits
    const mine = new Map([...partCache.entries()].filter(([, p]) => probed.includes(p.cluster)));
    const rows = await db.all<{ id: number; cluster: number; ids: string | null; codes: string | null }>(sql`
      SELECT id, cluster, iif(kept, NULL, ids) AS ids, iif(kept, NULL, codes) AS codes
      FROM (SELECT *, id IN (SELECT value FROM json_each(${JSON.stringify([...mine.keys()])})) AS kept FROM local_packs
        WHERE space = ${space} AND cluster IN (SELECT value FROM json_each(${JSON.stringify(probed)})))`);
    if (version) {
      const read = clusterParts.get(space) ?? new Map<number, { version: string; ids: number[] }>();
      for (const c of probed) read.set(c, { version, ids: rows.filter((r) => r.cluster === c).map((r) => r.id) });
      clusterParts.set(space, read);
    }
    return rows.map((row) =>
      keepPart(
        row.id,
        mine.get(row.id) ?? { cluster: row.cluster, ids: row.ids!.split(" "), bytes: bytesOf(row.codes!) },
      ),
    );
  }

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
          code: codeOf(v.vector),
          day: v.metadata.day ?? null,
          month: v.metadata.month,
          category: v.metadata.category,
        };
      });
      const parts = new Map<number, { cluster: number; papers: number; ids: string[]; codes: string[] }>();
      for (const r of rows) {
        const part = parts.get(r.cluster) ?? { cluster: r.cluster, papers: 0, ids: [], codes: [] };
        part.papers++;
        part.ids.push(r.paper);
        part.codes.push(r.code);
        parts.set(r.cluster, part);
      }
      const touched = JSON.stringify([...parts.keys()]);
      const overfull = (most: number) => sql`SELECT cluster FROM local_packs WHERE space = ${space}
        AND cluster IN (SELECT value FROM json_each(${touched})) GROUP BY cluster HAVING count(*) > ${most}`;
      // one batch, a few bound parameters a statement whatever the batch's size (D1 binds at most
      // 100): the vectors, a part per cluster they fall in, and each cluster that now has more than
      // MAX_PARTS parts merged into one (its parts joined: ids and codes are aggregated over the same
      // rows in the same order), the merged part being the cluster's newest. Parts are only ever
      // joined, so a paper upserted again keeps its old code beside the new one (a query keeps its
      // best code and reads the current vector by the paper's id), and a deleted vector's code stays
      // and finds no vector. Both are rare (a revised abstract, a dropped paper) and go with the
      // space when a new model replaces it.
      await runSqlBatch(db, [
        sql`
        INSERT INTO local_vectors (space, paper_id, cluster, probes, scale, vector, day, month, category)
        SELECT ${space}, j.value ->> 'paper', j.value ->> 'cluster', j.value ->> 'probes', j.value ->> 'scale',
          j.value ->> 'data', j.value ->> 'day', j.value ->> 'month', j.value ->> 'category'
        FROM json_each(${JSON.stringify(rows)}) AS j
        WHERE true
        ON CONFLICT (space, paper_id) DO UPDATE SET cluster = excluded.cluster, probes = excluded.probes,
          scale = excluded.scale, vector = excluded.vector, day = excluded.day, month = excluded.month,
          category = excluded.category`,
        sql`
        INSERT INTO local_packs (space, cluster, papers, ids, codes)
        SELECT ${space}, j.value ->> 'cluster', j.value ->> 'papers', j.value ->> 'ids', j.value ->> 'codes'
        FROM json_each(${JSON.stringify([...parts.values()].map((p) => ({ ...p, ids: p.ids.join(" "), codes: p.codes.join("") })))}) AS j`,
        sql`
        INSERT INTO local_packs (space, cluster, papers, ids, codes)
        SELECT space, cluster, sum(papers), group_concat(ids, ' '), group_concat(codes, '') FROM local_packs
        WHERE space = ${space} AND cluster IN (${overfull(MAX_PARTS)}) GROUP BY cluster`,
        // a merged cluster now has at least MAX_PARTS + 2 parts, any other at most MAX_PARTS
        sql`
        DELETE FROM local_packs WHERE space = ${space} AND cluster IN (${overfull(MAX_PARTS + 1)})
          AND id < (SELECT max(id) FROM local_packs AS newest WHERE newest.space = local_packs.space
            AND newest.cluster = local_packs.cluster)`,
      ]);
    },
    async nearest(space, vector, query) {
      const centroids = await centroidsOf(db, space);
      if (!centroids) return [];
      const probed = nearestCentroids(centroids, vector.length, vector, PROBES);
      const table = codeTable(vector);
      const scored = (await probedParts(space, probed, query.version)).map((part) => ({
        ids: part.ids,
        scores: codeScores(part.bytes, table),
      }));
      // the shortlist: codes scoring at least the RESCORED-th best (a filter may leave out any of
      // them: then every candidate), each paper once (one upserted again is in two parts)
      const all = new Float32Array(scored.reduce((n, s) => n + s.scores.length, 0));
      let at = 0;
      for (const s of scored) {
        all.set(s.scores, at);
        at += s.scores.length;
      }
      const wanted = Math.max(query.topK, RESCORED);
      const bar = query.filter || all.length <= wanted ? Number.NEGATIVE_INFINITY : kthLargest(all, wanted);
      const shortlist = new Set<string>();
      for (const { ids, scores } of scored)
        for (let i = 0; i < ids.length; i++) if (scores[i]! >= bar) shortlist.add(ids[i]!);
      return best(await rowsOf(db, space, [...shortlist], query.filter, query.read), vector, query.topK);
    },
    versionOf(space) {
      return sql`(SELECT max(id) || ' ' || count(*) FROM local_packs WHERE space = ${space})`;
    },
    neighbourhoodOf(space, paperId) {
      return neighbourhoodSql(space, paperId, NEIGHBOUR_PROBES);
    },
    async neighboursOf(space, paperId, query) {
      // the paper's own vector and its cluster's: as the caller read it (neighbourhoodOf, unfiltered:
      // probes 0 below), or here in one statement; a cluster too small to hold topK neighbours (a
      // small catalog) widens to PROBES clusters
      let found: Neighbour[] = [];
      const given = query.neighbourhood !== undefined && !query.filter;
      for (const probes of given ? [0, PROBES] : [NEIGHBOUR_PROBES, PROBES]) {
        const pack = probes
          ? (
              await db.get<{ pack: string | null }>(
                sql`SELECT ${neighbourhoodSql(space, paperId, probes, query.filter)} AS pack`,
              )
            )?.pack
          : query.neighbourhood;
        const [own, ...others] = unpack(pack);
        if (!own) return [];
        found = best(others, dequantise(own.vector, own.scale), query.topK, paperId);
        if (found.length >= query.topK) break;
      }
      return found;
    },
    async vectorsOf(space, paperIds) {
      return new Map((await rowsOf(db, space, paperIds)).map((r) => [r.paper_id, dequantise(r.vector, r.scale)]));
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
