/**
 * The search's term index: for each term, the papers it weighs most in by bm25, so that a search
 * picks its candidates from a few thousand postings per word whatever the catalog's size. FTS5
 * cannot: bm25() reads every posting of what it matches (its idf counts them), half a microsecond
 * each, so a search over a 155k-paper catalog spent most of its time there (docs/benchmarks.md).
 *
 * Layout: the catalog is cut by `num` into segments. Indexing takes the papers after the last
 * segment, up to CHUNK_PAPERS, into a new segment of level 0. When FANOUT segments of a level are
 * live, a merge writes them into one segment of the next level, term by term, a bounded step at a
 * time; the new segment is searched only once complete (one batch retires its sources), so a search
 * always reads each paper once. Every list keeps its LIST_LENGTH best papers (impact order), so a
 * term's postings across the live segments are at most LIST_LENGTH per segment, and the live
 * segments are at most (FANOUT - 1) per level, a level per factor of FANOUT in the catalog's size.
 *
 * A paper's impact for a term is FTS5's bm25 weight without the idf (title 10, authors 4, abstract
 * 1; k1 1.2, b 0.75, the row's length against AVG_TOKENS), which is the same for every query: the
 * idf comes from the term's document frequency, kept per list. A search adds idf x impact over its
 * rarest words (indexedCandidates), and the worker rescores the best with every word and phrase
 * (queries.ts). A paper whose text changed after it was indexed (an arXiv revision) keeps the
 * postings of the text it was indexed with, merges copy them as they are; the rescoring reads its
 * current text.
 */
import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import { type Db, runSqlBatch } from "../db/client";
import { papers, termLists, termSegments } from "../db/schema";
import { RecentlyUsed } from "../recent";
import { kthLargest } from "../select";
import { stem, tokensOf } from "./search-query";

/** Papers a level-0 segment holds at most: one indexing step reads their text (about 1.5 MB). */
export const CHUNK_PAPERS = 1000;
/** Segments of one level merged into one of the next. */
export const FANOUT = 8;
/**
 * The papers a list keeps, best first. A word in at most this many papers of a segment keeps them
 * all (every paper a rare word is in is a candidate); a commoner one keeps those it weighs most in
 * (in the title, in a short abstract), as bm25 would rank them.
 */
export const LIST_LENGTH = 2000;
/**
 * Term rows a merge step reads per source segment. A row holds at most LIST_LENGTH postings (about
 * 20 kB), but only a common word's is that long: in the real catalog a row averages 230 bytes,
 * and a step of eight sources reads about 2 MB.
 */
const MERGE_ROWS = 1000;
/** Rows a sweep step deletes from a retired segment: a delete by the (segment, term) index, no text read. */
const SWEEP_ROWS = 50_000;
/** The characters of term rows written per statement (one bound JSON parameter; D1 takes up to 2 MB). */
const WRITE_CHARS = 800_000;

/** FTS5's bm25 constants and the index's column weights (title, authors, abstract). */
const K1 = 1.2;
const B = 0.75;
const WEIGHTS = [10, 4, 1] as const;
/** The average paper's tokens (title, authors and abstract), as FTS5's avgdl: 212 in the real catalog. */
const AVG_TOKENS = 210;
/** Impacts are kept as 1..255 of the highest there can be, k1 + 1. */
const QUANT = 255 / (K1 + 1);

/** A word as the index keys it: the rescoring's stem, diacritics folded (José finds Jose, as FTS5 does). */
export const termOf = (word: string) => stem(word.normalize("NFD").replace(/\p{M}/gu, ""));

/** Each term of a paper with its impact (1..255). */
export function impactsOf(paper: { title: string; authors: string[]; abstract: string }): Map<string, number> {
  const fields = [paper.title, paper.authors.join(" "), paper.abstract].map(tokensOf);
  const length = fields.reduce((a, f) => a + f.length, 0);
  const weighted = new Map<string, number>();
  fields.forEach((tokens, i) => {
    for (const t of tokens) {
      const term = termOf(t);
      weighted.set(term, (weighted.get(term) ?? 0) + WEIGHTS[i]!);
    }
  });
  const norm = K1 * (1 - B + (B * length) / AVG_TOKENS);
  const impacts = new Map<string, number>();
  for (const [term, f] of weighted)
    impacts.set(term, Math.max(1, Math.min(255, Math.round(((f * (K1 + 1)) / (f + norm)) * QUANT))));
  return impacts;
}

/** A posting: a paper's num and the term's impact in it (1..255). */
type Posting = [num: number, impact: number];

/**
 * A list as stored: LIST_MARK, then its postings best first in base64, four bytes each (the num in
 * three, high byte first; the impact in one). A search reads its words' lists, joined by spaces
 * (readIndexedTerms), and parses every posting (bestByImpact): as "num impact" decimal pairs, the
 * format before this one, a sentence's 20,000 postings were about 200 kB of text to carry and cut
 * a character at a time, about a tenth of its time in workerd; as four bytes, 107 kB that atob
 * decodes, in a quarter of the time (docs/benchmarks.md).
 */
const LIST_MARK = "~";
/** The highest num a list holds: three bytes, past any catalog D1's 10 GB could hold (a paper's row is about 2 kB). */
export const MAX_NUM = 2 ** 24 - 1;

function packList(list: Posting[]): string {
  let bytes = "";
  for (const [num, impact] of list) {
    if (num > MAX_NUM) throw new Error(`paper num ${num} is past the term index's ${MAX_NUM}`);
    bytes += String.fromCharCode(num >>> 16, (num >>> 8) & 255, num & 255, impact);
  }
  return LIST_MARK + btoa(bytes);
}

/**
 * Calls `each(num, impact)` for every posting of packed lists (joined by spaces). An index written
 * before LIST_MARK holds "num impact" decimal pairs: they are read too (eachDecimalPosting), so that
 * it answers as before until its segments are merged or built again.
 */
export function eachPosting(packed: string, each: (num: number, impact: number) => void): void {
  if (!packed.includes(LIST_MARK)) {
    eachDecimalPosting(packed, each);
    return;
  }
  const decimal: string[] = [];
  for (const list of packed.split(" ")) {
    if (!list.startsWith(LIST_MARK)) {
      decimal.push(list);
      continue;
    }
    const bytes = atob(list.slice(LIST_MARK.length));
    for (let i = 0; i + 3 < bytes.length; i += 4)
      each(
        (bytes.charCodeAt(i) << 16) | (bytes.charCodeAt(i + 1) << 8) | bytes.charCodeAt(i + 2),
        bytes.charCodeAt(i + 3),
      );
  }
  if (decimal.length) eachDecimalPosting(decimal.join(" "), each);
}

/** The pairs of lists in the decimal format ("num impact num impact ..."), without cutting the text into strings. */
function eachDecimalPosting(packed: string, each: (num: number, impact: number) => void): void {
  let value = 0;
  let num = -1;
  let digits = false;
  for (let i = 0; i <= packed.length; i++) {
    const c = i < packed.length ? packed.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      value = value * 10 + c - 48;
      digits = true;
    } else if (digits) {
      if (num < 0) num = value;
      else {
        each(num, value);
        num = -1;
      }
      value = 0;
      digits = false;
    }
  }
}

const bestFirst = (a: Posting, b: Posting) => b[1] - a[1] || a[0] - b[0];

/** A term's row: its document frequency, and its `listLength` best postings packed. */
const termRow = (term: string, df: number, list: Posting[], listLength: number): TermRow => ({
  term,
  df,
  postings: packList(list.sort(bestFirst).slice(0, listLength)),
});

interface TermRow {
  term: string;
  df: number;
  postings: string;
}

/**
 * `rows` written into `segment` where `guard` holds (replacing any: a step done twice writes the
 * same rows), a statement per WRITE_CHARS.
 */
function writeRows(segment: number, rows: TermRow[], guard: SQL) {
  const statements = [];
  for (let i = 0; i < rows.length; ) {
    const part: [string, number, string][] = [];
    let chars = 0;
    while (i < rows.length && (chars < WRITE_CHARS || !part.length)) {
      const r = rows[i++]!;
      part.push([r.term, r.df, r.postings]);
      chars += r.postings.length + r.term.length + 16;
    }
    statements.push(
      sql`INSERT OR REPLACE INTO term_lists (term, segment, df, postings)
        SELECT j.value ->> 0, ${segment}, j.value ->> 1, j.value ->> 2 FROM json_each(${JSON.stringify(part)}) AS j
        WHERE ${guard}`,
    );
  }
  return statements;
}

export interface IndexOptions {
  now: Date;
  chunk?: number;
  fanout?: number;
  listLength?: number;
  mergeRows?: number;
}

export type IndexStep = "indexed" | "merged" | "swept" | "idle";

/**
 * One bounded step of keeping the index: a merge under way goes on; else FANOUT live segments of
 * a level start a merge; else the papers after the last segment make a level-0 segment; else a
 * retired segment's rows are swept. Safe to run twice at once or to stop anywhere: each step is
 * one batch, and a step done twice writes the same rows.
 */
export async function indexStep(db: Db, opts: IndexOptions): Promise<IndexStep> {
  const fanout = opts.fanout ?? FANOUT;
  const segments = await db.select().from(termSegments).orderBy(asc(termSegments.id));
  const building = segments.find((s) => s.state === "building");
  if (building) {
    await mergeStep(db, building, opts.listLength ?? LIST_LENGTH, opts.mergeRows ?? MERGE_ROWS);
    return "merged";
  }
  const byLevel = new Map<number, typeof segments>();
  for (const s of segments.filter((x) => x.state === "live"))
    byLevel.set(s.level, [...(byLevel.get(s.level) ?? []), s]);
  const full = [...byLevel.entries()].sort(([a], [b]) => a - b).find(([, list]) => list.length >= fanout);
  if (full) {
    const [level, sources] = full;
    await db.run(sql`
      INSERT INTO term_segments (level, first_num, last_num, papers, state, sources, cursor, created_at)
      SELECT ${level + 1}, ${Math.min(...sources.map((s) => s.firstNum))}, ${Math.max(...sources.map((s) => s.lastNum))},
        ${sources.reduce((a, s) => a + s.papers, 0)}, 'building', ${JSON.stringify(sources.map((s) => s.id))}, '',
        ${opts.now.toISOString()}
      WHERE NOT EXISTS (SELECT 1 FROM term_segments WHERE state = 'building')`);
    return "merged";
  }
  const after = segments.reduce((a, s) => Math.max(a, s.lastNum), 0);
  const chunk = await db
    .select({ num: papers.num, title: papers.title, authors: papers.authors, abstract: papers.abstract })
    .from(papers)
    .where(gt(papers.num, after))
    .orderBy(asc(papers.num))
    .limit(opts.chunk ?? CHUNK_PAPERS);
  if (chunk.length) {
    await indexChunk(db, segments.at(-1)?.id ?? 0, after, chunk, opts);
    return "indexed";
  }
  const retired = segments.find((s) => s.state === "retired");
  if (retired) {
    await sweep(db, retired.id);
    return "swept";
  }
  return "idle";
}

/** A level-0 segment of `chunk` (the papers after `after`, in num order), written with its lists in one batch. */
async function indexChunk(
  db: Db,
  lastId: number,
  after: number,
  chunk: { num: number; title: string; authors: string[]; abstract: string }[],
  { now, listLength = LIST_LENGTH }: IndexOptions,
) {
  const lists = new Map<string, Posting[]>();
  for (const p of chunk)
    for (const [term, impact] of impactsOf(p)) {
      const list = lists.get(term);
      if (list) list.push([p.num, impact]);
      else lists.set(term, [[p.num, impact]]);
    }
  const rows = [...lists].map(([term, list]) => termRow(term, list.length, list, listLength));
  const id = lastId + 1;
  const [first, last] = [chunk[0]!.num, chunk.at(-1)!.num];
  // The segment only if no other step indexed these papers meanwhile, and its rows only if the
  // segment under this id covers these papers: two steps at once leave one segment, its rows once.
  await runSqlBatch(db, [
    sql`
      INSERT OR IGNORE INTO term_segments (id, level, first_num, last_num, papers, state, created_at)
      SELECT ${id}, 0, ${first}, ${last}, ${chunk.length}, 'live', ${now.toISOString()}
      WHERE NOT EXISTS (SELECT 1 FROM term_segments WHERE last_num > ${after})`,
    ...writeRows(
      id,
      rows,
      sql`EXISTS (SELECT 1 FROM term_segments WHERE id = ${id} AND first_num = ${first} AND last_num = ${last})`,
    ),
  ]);
}

/** One step of a merge: the next terms of every source segment merged into `building`, the merge completed when none is left. */
async function mergeStep(db: Db, building: typeof termSegments.$inferSelect, listLength: number, mergeRows: number) {
  const sources = building.sources ?? [];
  const cursor = building.cursor ?? "";
  const read = await Promise.all(
    sources.map((s) =>
      db
        .select({ term: termLists.term, df: termLists.df, postings: termLists.postings })
        .from(termLists)
        .where(and(eq(termLists.segment, s), gt(termLists.term, cursor)))
        .orderBy(asc(termLists.term))
        .limit(mergeRows),
    ),
  );
  // the terms every source has read past: up to the smallest last term of a source that has more
  const ends = read.filter((rows) => rows.length === mergeRows).map((rows) => rows.at(-1)!.term);
  const end = ends.length ? ends.reduce((a, b) => (a < b ? a : b)) : null;
  const merged = new Map<string, { df: number; list: Posting[] }>();
  for (const rows of read)
    for (const r of rows) {
      if (end !== null && r.term > end) continue;
      const m = merged.get(r.term) ?? { df: 0, list: [] };
      m.df += r.df;
      eachPosting(r.postings, (n, q) => m.list.push([n, q]));
      merged.set(r.term, m);
    }
  const rows = [...merged].map(([term, m]) => termRow(term, m.df, m.list, listLength));
  // a step that finds another one moved the cursor meanwhile writes nothing (the other wrote the same)
  const stillHere = sql`EXISTS (SELECT 1 FROM term_segments WHERE id = ${building.id} AND state = 'building' AND cursor = ${cursor})`;
  await runSqlBatch(db, [
    ...writeRows(building.id, rows, stillHere),
    ...(end !== null
      ? [sql`UPDATE term_segments SET cursor = ${end} WHERE id = ${building.id} AND ${stillHere}`]
      : [
          // complete: the sources stop being searched as the new segment starts, in one transaction
          sql`UPDATE term_segments SET state = 'retired'
            WHERE id IN (SELECT value FROM json_each(${JSON.stringify(sources)})) AND state = 'live' AND ${stillHere}`,
          sql`UPDATE term_segments SET state = 'live', cursor = NULL WHERE id = ${building.id} AND ${stillHere}`,
        ]),
  ]);
}

/** Deletes up to SWEEP_ROWS of a retired segment's rows, and the segment once none is left. */
async function sweep(db: Db, segment: number) {
  await runSqlBatch(db, [
    sql`DELETE FROM term_lists WHERE rowid IN (SELECT rowid FROM term_lists WHERE segment = ${segment} LIMIT ${SWEEP_ROWS})`,
    sql`DELETE FROM term_segments WHERE id = ${segment} AND state = 'retired'
      AND NOT EXISTS (SELECT 1 FROM term_lists WHERE segment = ${segment})`,
  ]);
}

/** Steps an admin call takes by default, and at most: a step is at most a few hundred ms of D1. */
export const INDEX_STEPS = 10;
export const MAX_INDEX_STEPS = 50;
/** Steps after an ingest run: its papers (a run reads at most 2,000) and a few merge steps. */
export const INGEST_INDEX_STEPS = 20;

/** Runs indexStep until the index is idle or `steps` are done; resolves to the steps taken. */
export async function indexSteps(db: Db, opts: IndexOptions & { steps: number }): Promise<IndexStep[]> {
  const done: IndexStep[] = [];
  while (done.length < opts.steps) {
    const step = await indexStep(db, opts);
    if (step === "idle") break;
    done.push(step);
  }
  return done;
}

export interface IndexCoverage {
  /** Papers in a live segment, and after the last segment (waiting). */
  indexed: number;
  waiting: number;
  /** Live segments per level, and the merge under way (its level and how far, by term). */
  live: { level: number; segments: number; papers: number }[];
  building: { level: number; papers: number; cursor: string } | null;
  retired: number;
  /** Whether a step has something to do. */
  busy: boolean;
}

export async function indexCoverage(db: Db, fanout = FANOUT): Promise<IndexCoverage> {
  const [segments, waiting] = await Promise.all([
    db.select().from(termSegments),
    db.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM papers WHERE num > (SELECT coalesce(max(last_num), 0) FROM term_segments)`,
    ),
  ]);
  const live = segments.filter((s) => s.state === "live");
  const levels = [...new Set(live.map((s) => s.level))].sort((a, b) => a - b);
  const building = segments.find((s) => s.state === "building");
  const retired = segments.filter((s) => s.state === "retired").length;
  const perLevel = levels.map((level) => {
    const at = live.filter((s) => s.level === level);
    return { level, segments: at.length, papers: at.reduce((a, s) => a + s.papers, 0) };
  });
  const n = Number(waiting?.n ?? 0);
  return {
    indexed: live.reduce((a, s) => a + s.papers, 0),
    waiting: n,
    live: perLevel,
    building: building ? { level: building.level, papers: building.papers, cursor: building.cursor ?? "" } : null,
    retired,
    busy: n > 0 || !!building || retired > 0 || perLevel.some((l) => l.segments >= fanout),
  };
}

/** What a search reads of the index: each term's document frequency, and the postings of the rarest ones. */
export interface IndexedTerms {
  /** The highest num the live segments cover: the papers after it are searched on FTS5 (the tail). */
  covered: number;
  /** The highest num in the catalog: the number of papers, as the idf counts them. */
  total: number;
  df: Map<string, number>;
  /** The terms whose lists were read (the rarest, while their postings fit the budget), packed. */
  lists: Map<string, string>;
  /** The value of the caller's `alongside` scalar, else null. */
  alongside: string | null;
}

/**
 * The lists an isolate has read (joined, as readIndexedTerms reads them), by term, with the live
 * segments they were read at (`version`: their ids). A live segment's lists never change (a merge or
 * a rebuild writes new segments, whose ids AUTOINCREMENT never reuses), so that at the same version
 * a term's lists are the same, and a search reads again only the lists it does not hold. A sentence
 * reads about six lists, 92 kB of text; over the bench's sentences an isolate holding
 * 16 million characters of them found 0.73 of that text held (docs/benchmarks.md). The least recently
 * used go first (RecentlyUsed).
 */
const listCache = { version: "", lists: new RecentlyUsed<string, string>(16_000_000, (postings) => postings.length) };

/**
 * One statement: each of `terms`' document frequency over the live segments, and the lists (joined)
 * only of the rarest terms while their lengths add up to at most `budget`, but for those the isolate
 * holds at the live segments' version (listCache: their rows say `held`). A list holds at most
 * LIST_LENGTH postings, so every term's lists can fit; a common word's are read only when the rarer
 * words leave room. Counting reads no list: a row's `df` comes before its `postings`, which SQLite
 * leaves on their overflow pages unless asked. `alongside`: a scalar subquery the caller reads in the
 * same statement, a D1 round trip it saves (hybrid search's arm's preface).
 */
export async function readIndexedTerms(
  db: Db,
  terms: string[],
  budget: number,
  alongside: SQL<string | null> = sql`NULL`,
): Promise<IndexedTerms> {
  // the lists held taken now: another search may let them go while this one waits
  const mine = {
    version: listCache.version,
    lists: new Map(
      terms.flatMap((t): [string, string][] => {
        const held = listCache.lists.get(t);
        return held === undefined ? [] : [[t, held]];
      }),
    ),
  };
  const rows = await db.all<{
    term: string | null;
    df: number;
    postings: string | null;
    held: number | null;
    alongside: string | null;
    version: string | null;
  }>(sql`
    WITH live AS (SELECT id FROM term_segments WHERE state = 'live'),
    version AS (SELECT coalesce(group_concat(id, ','), '') AS ids FROM (SELECT id FROM live ORDER BY id)),
    counts AS MATERIALIZED (
      SELECT term, sum(df) AS df, sum(min(df, ${LIST_LENGTH})) AS length FROM term_lists
      WHERE term IN (SELECT value FROM json_each(${JSON.stringify(terms)})) AND segment IN live
      GROUP BY term),
    running AS (SELECT term, df, sum(length) OVER (ORDER BY length, term ROWS UNBOUNDED PRECEDING) AS reach,
      term IN (SELECT value FROM json_each(${JSON.stringify([...mine.lists.keys()])})) AND (SELECT ids FROM version) = ${mine.version} AS held
      FROM counts)
    SELECT term, df, CASE WHEN reach <= ${budget} AND NOT held THEN
      (SELECT group_concat(l.postings, ' ') FROM term_lists AS l WHERE l.term = running.term AND l.segment IN live) END AS postings,
      reach <= ${budget} AND held AS held, NULL AS alongside, NULL AS version
    FROM running
    UNION ALL
    SELECT NULL, (SELECT coalesce(max(last_num), 0) FROM term_segments WHERE state = 'live'), (SELECT max(num) FROM papers),
      NULL, ${alongside}, (SELECT ids FROM version)`);
  const last = rows.find((r) => r.term === null);
  const version = last?.version ?? "";
  if (version !== listCache.version) {
    listCache.version = version;
    listCache.lists.clear();
  }
  const df = new Map<string, number>();
  const lists = new Map<string, string>();
  for (const r of rows) {
    if (r.term === null) continue;
    df.set(r.term, Number(r.df));
    const postings = r.held ? mine.lists.get(r.term)! : r.postings;
    if (postings === null) continue;
    lists.set(r.term, postings);
    listCache.lists.keep(r.term, postings);
  }
  return {
    covered: Number(last?.df ?? 0),
    total: Number(last?.postings ?? 0),
    df,
    lists,
    alongside: last?.alongside ?? null,
  };
}

/** bestByImpact's scores by num, and the nums it touched, kept per isolate and cleared after each use (only the nums it touched). */
let scores = new Float32Array(0);
let touched = new Int32Array(0);

/**
 * The `count` papers with the highest sum of idf x impact over the read lists, best first (ties:
 * the lower num). `idf` weighs each term; `total` is the highest num.
 */
export function bestByImpact(
  lists: Map<string, string>,
  idf: (term: string) => number,
  count: number,
  total: number,
): number[] {
  if (scores.length <= total) scores = new Float32Array(Math.ceil((total + 1) * 1.25));
  // a list's text holds fewer postings than a quarter of its characters (5.33 a posting in base64, 4 or more as decimal pairs)
  let most = 0;
  for (const packed of lists.values()) most += (packed.length >> 2) + 1;
  if (touched.length < most) touched = new Int32Array(most * 2);
  let n = 0;
  for (const [term, packed] of lists) {
    const weight = idf(term) / QUANT;
    eachPosting(packed, (num, impact) => {
      if (num > total) return;
      if (scores[num] === 0) touched[n++] = num;
      scores[num]! += weight * impact;
    });
  }
  // the count-th best score by a selection over the scores alone, then only the papers at or above it sorted
  let floor = Number.NEGATIVE_INFINITY;
  if (n > count) {
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = scores[touched[i]!]!;
    floor = kthLargest(values, count);
  }
  const best: number[] = [];
  for (let i = 0; i < n; i++) if (scores[touched[i]!]! >= floor) best.push(touched[i]!);
  best.sort((a, b) => scores[b]! - scores[a]! || a - b);
  for (let i = 0; i < n; i++) scores[touched[i]!] = 0;
  return best.slice(0, count);
}
