import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { COMMON_WINDOW, paperById, RARE_TERM_DF, relatedPapers, searchPapers } from "#shared/papers/queries";
import { ftsString, MAX_TERMS } from "#shared/papers/search-query";
import { captureItems, get, ingestHfDaily } from "./site-support";

/** Enough papers with "model" in the abstract that the word is common for related papers and for COMMON_BUDGET. */
const FILLERS = Math.max(1000, RARE_TERM_DF) + 100;
/** A search's postings budget under "model"'s frequency here: the common-word arm (POSTINGS_BUDGET is far larger). */
const COMMON_BUDGET = 500;
const STOPWORDS = new Set(
  "a an and are as at be by for from how in into is it its of on or our the their this to via we what when where which with without".split(
    " ",
  ),
);

beforeAll(async () => {
  // The fillers go in first, so that the real captures are the matches added last.
  await env.DB.prepare(
    `INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published, updated)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     SELECT printf('1901.%05d', i), 1, 'Filler number ' || i, 'A model of nothing in particular, number ' || i || '.', '["Filler Author"]', '["cs.LG"]', 'cs.LG', '2019-01-01T00:00:00.000Z', '2019-01-01T00:00:00.000Z' FROM n`,
  )
    .bind(FILLERS)
    .run();
  await ingestHfDaily();
});

async function related(id: string, rareTermDf?: number) {
  const db = createDb(env.DB);
  const item = await paperById(db, id);
  return (await relatedPapers(db, item!.paper, { rareTermDf })).map((r) => r.paper.id);
}

/** The related-papers query before it was bounded: every title, keyword and abstract term (MAX_TERMS of them), every match ranked. */
async function unboundedRelated(id: string) {
  const item = await paperById(createDb(env.DB), id);
  const words =
    `${item!.paper.title} ${(item!.paper.aiKeywords ?? []).join(" ")} ${item!.paper.abstract}`.match(
      /[\p{L}\p{N}]+/gu,
    ) ?? [];
  const distinct = [...new Set(words.map((w) => w.toLowerCase()))].filter((w) => w.length > 2 && !STOPWORDS.has(w));
  const { results } = await env.DB.prepare(
    `SELECT p.id FROM papers_fts JOIN papers p ON p.num = papers_fts.rowid WHERE papers_fts MATCH ? AND p.id != ? ORDER BY bm25(papers_fts, 5.0, 1.0, 1.0) LIMIT 5`,
  )
    .bind(distinct.slice(0, MAX_TERMS).map(ftsString).join(" OR "), id)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** The words of `terms` that at most `df` papers other than `id` contain (as FTS5 counts them). */
async function rareWords(id: string, terms: string[], df: number) {
  const item = await paperById(createDb(env.DB), id);
  const out: string[] = [];
  for (const t of terms) {
    const row = await env.DB.prepare(`SELECT count(*) AS n FROM papers_fts WHERE papers_fts MATCH ? AND rowid != ?`)
      .bind(`"${t}"`, item!.paper.num)
      .first<{ n: number }>();
    if (row!.n >= 1 && row!.n <= df) out.push(t);
  }
  return out;
}

async function matchesAny(id: string, terms: string[]) {
  const row = await env.DB.prepare(
    `SELECT count(*) AS n FROM papers_fts JOIN papers p ON p.num = papers_fts.rowid WHERE papers_fts MATCH ? AND p.id = ?`,
  )
    .bind(terms.map(ftsString).join(" OR "), id)
    .first<{ n: number }>();
  return row!.n > 0;
}

describe("related papers on the real captures", () => {
  it("ranks first the papers that share the paper's rarest words, in its title and its abstract", async () => {
    // "From 2D Grids to 1D Tokens: Reforming Shared Representations for Multimodal Image Fusion"
    // (a frozen pretrained image tokenizer, reconstruction): MaskAlign ("Token-Subset Representation
    // Alignment ...") shares its title words, IDEAL ("... A Discrete Representation AutoEncoder":
    // pretrained vision models, reconstruction) its abstract's, HYDRA-X ("Native Unified Multimodal
    // Models with Holistic Visual Tokenizers") both.
    expect((await related("2606.12303")).slice(0, 3)).toEqual(["2606.08788", "2606.11096", "2606.13289"]);
  });

  it("gives the same lists as ranking every match of every term, at the captures' word frequencies", async () => {
    // Even with "model" in over RARE_TERM_DF papers (the fillers): its idf was too small to matter.
    for (const { paper } of captureItems())
      expect(await related(paper.id), paper.id).toEqual(await unboundedRelated(paper.id));
  });

  it("uses only the words at most rareTermDf other papers contain, or the rarest few when none is", async () => {
    const item = await paperById(createDb(env.DB), "2606.12303");
    const words = [...new Set((item!.paper.title.match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => w.toLowerCase()))].filter(
      (w) => w.length > 2 && !STOPWORDS.has(w),
    );
    const rare = await rareWords(
      "2606.12303",
      [...words, ...(item!.paper.aiKeywords ?? []).flatMap((k) => k.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])],
      3,
    );
    expect(rare.length).toBeGreaterThan(0);
    const got = await related("2606.12303", 3);
    expect(got.length).toBeGreaterThan(0);
    for (const id of got) expect(await matchesAny(id, rare), id).toBe(true);
    // every word "common": the three rarest still find papers, never the paper itself
    const fallback = await related("2606.12303", 0);
    expect(fallback.length).toBeGreaterThan(0);
    expect(fallback).not.toContain("2606.12303");
  });
});

describe("search rankings", () => {
  it("ranks a specific query by bm25, title matches first", async () => {
    const { hits } = await searchPapers(createDb(env.DB), "diffusion");
    // the only title with "Diffusion" comes first; the others have it in the abstract
    expect(hits[0]!.paper.id).toBe("2606.08788");
    expect(hits[0]!.paper.title).toMatch(/Diffusion/);
    expect(hits.slice(1).every((h) => !/diffusion/i.test(h.paper.title))).toBe(true);
  });

  it("answers a query of only common words in the same shape on the page, the API and the feeds", async () => {
    const page = await get("/search?q=model+nothing");
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body.match(/<h2><a href="\/papers\/[^"]+">/g)).toHaveLength(20);
    expect(body).toContain("Next page");

    const common = await get("/api/papers/search?q=model+of");
    const specific = await get("/api/papers/search?q=diffusion");
    const [c, s] = [
      (await common.json()) as Record<string, unknown>[],
      (await specific.json()) as Record<string, unknown>[],
    ];
    expect(c.length).toBeGreaterThan(0);
    expect(Object.keys(c[0]!).sort()).toEqual(Object.keys(s[0]!).sort());
    expect(Object.keys(c[0]!.paper as object).sort()).toEqual(
      expect.arrayContaining(["id", "title", "summary", "authors"]),
    );

    const feed = await get("/feeds/search.rss?q=model");
    expect(feed.status).toBe(200);
    expect((await feed.text()).match(/<item>/g)!.length).toBeGreaterThan(10);
  });
});

describe("on FTS5 alone, while the term index is behind", () => {
  beforeAll(async () => {
    // the index as before its first step (queries.ts ftsCandidates: every paper is in the tail)
    await env.DB.batch([env.DB.prepare("DELETE FROM term_lists"), env.DB.prepare("DELETE FROM term_segments")]);
  });

  it("ranks a common word's matches added last: title matches first, then newer, then more upvoted", async () => {
    const { hits, more } = await searchPapers(createDb(env.DB), "model", { limit: 10, budget: COMMON_BUDGET });
    expect(more).toBe(true);
    expect(hits.map((h) => h.paper.id)).toEqual([
      // "model" in the title, newest first
      "2606.13289", // 2026-06-11, "Multimodal Models"
      "2606.12243", // 2026-06-10, "Intra-Model Routing"
      "2606.11409", // 2026-06-09, "Language Models"
      "2606.00467", // 2026-05-30, "Model-Internalized Priors"
      // then in the abstract only: the newest day, most upvoted first
      "2606.13681", // 118 upvotes
      "2606.13392", // 103
      "2606.13106", // 18
      "2606.13120", // 4
      "2606.13594", // 3
      "2606.13572", // 2
    ]);
    const titled = hits.filter((h) => /\bmodel/i.test(h.paper.title)).length;
    expect(hits.slice(0, titled).every((h) => /\bmodel/i.test(h.paper.title))).toBe(true);
  });

  it("pages a common query through at most COMMON_WINDOW matches", async () => {
    // "nothing model" matches the fillers only (over RANK_ALL_UP_TO of them): the window is the
    // COMMON_WINDOW added last, here all published the same day with no votes, so by id.
    const db = createDb(env.DB);
    const budget = COMMON_BUDGET;
    const first = await searchPapers(db, "nothing model", { limit: 20, budget });
    expect(first.hits[0]!.paper.id).toBe(`1901.${String(FILLERS - COMMON_WINDOW + 1).padStart(5, "0")}`);
    const last = await searchPapers(db, "nothing model", { limit: 20, page: COMMON_WINDOW / 20 - 1, budget });
    expect(last.hits).toHaveLength(20);
    expect(last.more).toBe(false);
    expect((await searchPapers(db, "nothing model", { limit: 20, page: COMMON_WINDOW / 20, budget })).hits).toEqual([]);
  });
});
