import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { searchPapers, TAIL_PAPERS } from "#shared/papers/queries";
import {
  eachPosting,
  type IndexOptions,
  indexCoverage,
  indexStep,
  indexSteps,
  MAX_NUM,
} from "#shared/papers/term-index";
import { request } from "../support/request";
import { countingD1, ingestHfDaily, insertPapers } from "./site-support";

/** Small segments merged four at a time, a merge two rows a source per step: every path runs on a small catalog. */
const SMALL: IndexOptions = { now: new Date("2026-12-07T00:00:00Z"), chunk: 100, fanout: 4, mergeRows: 2 };
const FILLERS = 700;
/** Fillers holding "t7": numbers 7, 47, ... */
const T7 = Array.from({ length: FILLERS }, (_, i) => i + 1).filter((i) => i % 40 === 7).length;

async function addFillers(count: number, prefix: string) {
  await env.DB.prepare(
    `INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published, updated)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     SELECT printf('${prefix}.%05d', i), 1, 'Widget study ' || i, 'A widget model of topic t' || (i % 40) || ', number ' || i || '.',
       '["Filler Author"]', '["cs.LG"]', 'cs.LG', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z' FROM n`,
  )
    .bind(count)
    .run();
}

const db = () => createDb(env.DB);
const ids = async (q: string) => (await searchPapers(db(), q, { limit: 50 })).hits.map((h) => h.paper.id);
const QUERIES = ["widget model", "t7", "gearbox lubrication", "Ada Lovelace", '"analytical engine"', "widget -t3"];
const answers = async () => Promise.all(QUERIES.map(ids));

/** The live segments' document frequency of a term, and the papers listed for it. */
async function listed(term: string) {
  const { results } = await env.DB.prepare(
    `SELECT l.df, l.postings FROM term_lists l JOIN term_segments s ON s.id = l.segment WHERE l.term = ? AND s.state = 'live'`,
  )
    .bind(term)
    .all<{ df: number; postings: string }>();
  const nums: number[] = [];
  for (const r of results) eachPosting(r.postings, (num) => nums.push(num));
  return { df: results.reduce((a, r) => a + r.df, 0), nums, postings: results.map((r) => r.postings) };
}

beforeAll(async () => {
  await insertPapers([
    {
      id: "2502.00001",
      title: "Gearbox lubrication for difference engines",
      abstract: "How the analytical engine keeps its gears turning.",
      authors: ["Ada Lovelace"],
    },
    { id: "2502.00002", title: "Engines that compute", abstract: "An analytical note.", authors: ["Charles Babbage"] },
  ]);
  await addFillers(FILLERS, "1903");
});

describe("the term index", () => {
  it("holds every paper in one live segment after its steps, merged by level, with exact document frequencies", async () => {
    const before = await answers();
    const steps = await indexSteps(db(), { ...SMALL, steps: 10_000 });
    expect(steps).toContain("merged");
    expect(steps).toContain("swept");
    const coverage = await indexCoverage(db(), SMALL.fanout);
    expect(coverage).toMatchObject({ indexed: FILLERS + 2, waiting: 0, building: null, retired: 0, busy: false });
    // 702 papers: eight level-0 segments, merged four at a time into two of level 1
    expect(coverage.live).toEqual([{ level: 1, segments: 2, papers: FILLERS + 2 }]);
    // no rows left of a merged segment
    const orphans = await env.DB.prepare(
      `SELECT count(*) AS n FROM term_lists WHERE segment NOT IN (SELECT id FROM term_segments WHERE state = 'live')`,
    ).first<{ n: number }>();
    expect(orphans!.n).toBe(0);
    // "widget" is in every filler; "t7" in one in 40 (numbers 7, 47, ...), each listed once
    expect((await listed("widget")).df).toBe(FILLERS);
    const t7 = await listed("t7");
    expect(t7.df).toBe(T7);
    expect(new Set(t7.nums).size).toBe(t7.nums.length);
    // the same best matches as FTS5 alone gave before the index
    const after = await answers();
    QUERIES.forEach((q, i) => expect(after[i]!.slice(0, 5), q).toEqual(before[i]!.slice(0, 5)));
    expect(after[1]).toHaveLength(T7);
  });

  it("answers in two statements on the index: the words' lists, then the candidates with their text", async () => {
    const { binding, counter } = countingD1(env.DB);
    await searchPapers(createDb(binding), "gearbox lubrication for analytical engines");
    expect(counter.queries).toBe(2);
  });

  it("keeps a list's best papers: a word in more papers than a list holds finds its title matches first", async () => {
    const { nums, df } = await listed("widget");
    expect(df).toBe(FILLERS);
    // the level-1 segment holds 400 fillers, all within LIST_LENGTH; a list of 3 keeps the 3 best
    await env.DB.batch([env.DB.prepare("DELETE FROM term_lists"), env.DB.prepare("DELETE FROM term_segments")]);
    await indexSteps(db(), { ...SMALL, steps: 10_000, listLength: 3 });
    const short = await listed("widget");
    expect(short.df).toBe(FILLERS);
    expect(short.nums.length).toBeLessThan(nums.length);
    // every filler weighs "widget" alike (once in a title, as long a text): a list keeps the lowest
    // nums of equals, and the search still finds them
    const hits = await ids("widget");
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]).toMatch(/^1903\.0000\d$/);
    await env.DB.batch([env.DB.prepare("DELETE FROM term_lists"), env.DB.prepare("DELETE FROM term_segments")]);
    await indexSteps(db(), { ...SMALL, steps: 10_000 });
  });

  it("reads lists stored as decimal pairs (the format before), alone and beside lists of today's: the same answers", async () => {
    const before = await answers();
    const { results } = await env.DB.prepare("SELECT term, segment, postings FROM term_lists").all<{
      term: string;
      segment: number;
      postings: string;
    }>();
    expect(results.every((r) => r.postings.startsWith("~"))).toBe(true);
    const segments = [...new Set(results.map((r) => r.segment))].sort((a, b) => a - b);
    expect(segments).toHaveLength(2);
    const asDecimal = (postings: string) => {
      const pairs: string[] = [];
      eachPosting(postings, (num, impact) => pairs.push(`${num} ${impact}`));
      return pairs.join(" ");
    };
    // the first segment's lists as decimal pairs: "widget" reads one list of each format. A live
    // segment never changes (the isolate keeps the lists it read by the live segments' ids), so the
    // rewritten lists go into a segment of a new id, as a build by the code before would have written
    const rewrite = (segment: number) =>
      env.DB.batch([
        ...results
          .filter((r) => r.segment === segment)
          .map((r) =>
            env.DB.prepare("UPDATE term_lists SET postings = ?, segment = ? WHERE term = ? AND segment = ?").bind(
              asDecimal(r.postings),
              segment + 1000,
              r.term,
              segment,
            ),
          ),
        env.DB.prepare("UPDATE term_segments SET id = ? WHERE id = ?").bind(segment + 1000, segment),
      ]);
    await rewrite(segments[0]!);
    expect((await answers()).map((a) => a.slice(0, 5))).toEqual(before.map((a) => a.slice(0, 5)));
    await rewrite(segments[1]!);
    expect((await listed("widget")).postings.some((p) => p.includes("~"))).toBe(false);
    expect((await answers()).map((a) => a.slice(0, 5))).toEqual(before.map((a) => a.slice(0, 5)));
    await env.DB.batch([env.DB.prepare("DELETE FROM term_lists"), env.DB.prepare("DELETE FROM term_segments")]);
    await indexSteps(db(), { ...SMALL, steps: 10_000 });
  });

  it("reads a word's lists once while the live segments stay the same, and again once a step changes them", async () => {
    await insertPapers([{ id: "2502.00005", title: "Zymurgy of quince cider", abstract: "Quince fermentation." }]);
    await indexSteps(db(), { ...SMALL, steps: 10_000 });
    const search = async (q: string) => {
      const { binding, counter } = countingD1(env.DB);
      const hits = (await searchPapers(createDb(binding), q, { limit: 50 })).hits.map((h) => h.paper.id);
      return { hits, received: counter.received, queries: counter.queries };
    };
    const q = "widget study of quince";
    const lists = async () =>
      (await Promise.all(["widget", "study", "quince"].map(listed))).flatMap((l) => l.postings).join(" ").length;
    const held = await lists();
    // every filler holds "widget" and "study": lists of hundreds of papers
    expect(held).toBeGreaterThan(5000);
    const first = await search(q);
    const again = await search(q);
    expect(first.hits).toContain("2502.00005");
    expect(again).toMatchObject({ hits: first.hits, queries: 2 });
    // the same two statements, without the lists' text the second time
    expect(first.received - again.received).toBeGreaterThan(held - 100);
    // a step writes a new segment: the lists are read again, the new paper in them
    await insertPapers([{ id: "2502.00006", title: "Quince cider presses", abstract: "Pressing quince." }]);
    await indexSteps(db(), { ...SMALL, steps: 10_000 });
    expect((await indexCoverage(db())).waiting).toBe(0);
    const after = await search(q);
    expect(after.hits).toEqual(expect.arrayContaining(["2502.00005", "2502.00006"]));
    expect(after.received - again.received).toBeGreaterThan((await lists()) - 100);
  });

  it("finds papers added after its last step (the tail) at once, and the same once they are indexed", async () => {
    await insertPapers([{ id: "2502.00003", title: "Zeppelin mooring masts", abstract: "Tall towers." }]);
    expect((await indexCoverage(db())).waiting).toBe(1);
    expect((await ids("zeppelin mooring"))[0]).toBe("2502.00003");
    expect((await ids("widget model")).length).toBeGreaterThan(0);
    await indexSteps(db(), { ...SMALL, steps: 10_000 });
    expect((await indexCoverage(db())).waiting).toBe(0);
    expect((await ids("zeppelin mooring"))[0]).toBe("2502.00003");
  });

  it("changes no answer while a merge is half done, and completes it when its steps go on", async () => {
    // four more level-0 segments: a level-0 merge starts, two rows a source per step
    await addFillers(4 * SMALL.chunk!, "1904");
    const before = await answers();
    let building = false;
    for (let i = 0; i < 10_000; i++) {
      const step = await indexStep(db(), SMALL);
      const coverage = await indexCoverage(db(), SMALL.fanout);
      if (coverage.building?.cursor) {
        building = true;
        // searched meanwhile: the sources answer until the merge completes
        expect(await answers()).toEqual(before);
      }
      if (step === "idle") break;
    }
    expect(building).toBe(true);
    const coverage = await indexCoverage(db(), SMALL.fanout);
    expect(coverage).toMatchObject({ building: null, retired: 0, busy: false, waiting: 0 });
    expect(coverage.indexed).toBe(FILLERS + 5 + 4 * SMALL.chunk!);
    expect((await listed("widget")).df).toBe(FILLERS + 4 * SMALL.chunk!);
    const after = await answers();
    QUERIES.forEach((q, i) => expect(after[i]!.slice(0, 5), q).toEqual(before[i]!.slice(0, 5)));
  });

  it("indexes the same papers once when two steps run at once", async () => {
    await addFillers(50, "1905");
    // both steps read the index before either writes: the second waits at its batch for the first
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived = 0;
    const gated = new Proxy(env.DB, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop === "batch")
          return async (statements: D1PreparedStatement[]) => {
            if (++arrived === 2) release();
            await gate;
            return (value as D1Database["batch"]).call(target, statements);
          };
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const steps = await Promise.all([indexStep(createDb(gated), SMALL), indexStep(createDb(gated), SMALL)]);
    expect(steps).toEqual(["indexed", "indexed"]);
    const { results } = await env.DB.prepare(
      `SELECT count(*) AS n FROM term_segments WHERE last_num >= (SELECT min(num) FROM papers WHERE id LIKE '1905.%')`,
    ).all<{ n: number }>();
    expect(results[0]!.n).toBe(1);
    await indexSteps(db(), { ...SMALL, steps: 10_000 });
    expect((await listed("widget")).df).toBe(FILLERS + 4 * SMALL.chunk! + 50);
  });

  it("answers on FTS5 alone while more than TAIL_PAPERS papers wait, finding the newest too", async () => {
    await addFillers(TAIL_PAPERS + 1, "1906");
    await insertPapers([{ id: "2502.00004", title: "Quokka habitats", abstract: "Small marsupials." }]);
    const { binding, counter } = countingD1(env.DB);
    const hits = (await searchPapers(createDb(binding), "quokka habitats")).hits.map((h) => h.paper.id);
    expect(hits[0]).toBe("2502.00004");
    // the index's read, then FTS5's probes and candidates
    expect(counter.queries).toBe(3);
    expect((await ids("gearbox lubrication"))[0]).toBe("2502.00001");
  });
});

describe("keeping the term index", () => {
  it("indexes an ingest run's papers after its write", async () => {
    const before = await indexCoverage(db());
    await ingestHfDaily();
    const after = await indexCoverage(db());
    expect(after.indexed).toBeGreaterThan(before.indexed);
    expect(after.waiting).toBe(0);
  });

  it("is built by a loop of curator calls to POST /admin/search/index, each bounded, each saying what remains", async () => {
    await addFillers(30, "1907");
    const auth = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };
    expect((await request("/admin/search/index", { method: "POST" })).status).toBe(401);
    for (const steps of [0, 51, "2"]) {
      const bad = await request("/admin/search/index", {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ steps }),
      });
      expect(bad.status, String(steps)).toBe(400);
    }
    expect((await indexCoverage(db())).waiting).toBe(30);
    let remaining = Number.POSITIVE_INFINITY;
    for (let calls = 0; remaining > 0 && calls < 100; calls++) {
      const res = await request("/admin/search/index", {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ steps: 1 }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { remaining: number; steps: string[] };
      expect(body.steps.length).toBeLessThanOrEqual(1);
      remaining = body.remaining;
    }
    expect(remaining).toBe(0);
    const coverage = (await (await request("/admin/search/index", { headers: auth })).json()) as { waiting: number };
    expect(coverage.waiting).toBe(0);
  });
});

describe("a paper's num past what a list holds", () => {
  it("stops the index's step with an error that says so, writing nothing", async () => {
    await env.DB.batch([env.DB.prepare("DELETE FROM term_lists"), env.DB.prepare("DELETE FROM term_segments")]);
    await env.DB.prepare(
      `INSERT INTO papers (num, id, version, title, abstract, authors, categories, primary_category, published, updated)
       VALUES (?, '2512.99999', 1, 'Overflow', 'Past three bytes.', '[]', '["cs.LG"]', 'cs.LG', '2025-12-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z')`,
    )
      .bind(MAX_NUM + 1)
      .run();
    const before = await indexCoverage(db());
    expect(before.indexed).toBe(0);
    // one chunk holds the whole catalog, the paper past MAX_NUM last
    await expect(indexStep(db(), { ...SMALL, chunk: 100_000 })).rejects.toThrow(
      `paper num ${MAX_NUM + 1} is past the term index's ${MAX_NUM}`,
    );
    expect(await indexCoverage(db())).toEqual(before);
  });
});
