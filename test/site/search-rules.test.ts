import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { MARK_END, MARK_START, searchPapers } from "#shared/papers/queries";
import { indexCoverage, indexSteps } from "#shared/papers/term-index";
import { get, insertPapers } from "./site-support";

/** Synthetic papers that all hold "model" in the abstract, added after the catalog's real matches. */
const COMMON = 3000;

beforeAll(async () => {
  await insertPapers([
    {
      id: "2501.00001",
      title: "Speculative Decoding with Draft Trees",
      abstract:
        "We accelerate large language model inference by drafting tokens with a small model and verifying them in parallel.",
      authors: ["Grace Hopper", "Edsger Dijkstra"],
      day: "2025-01-02",
    },
    {
      id: "2501.00002",
      title: "Message passing revisited",
      abstract: "A graph neural network that learns message passing rules from data.",
      day: "2025-01-03",
    },
    {
      id: "2501.00003",
      title: "Networks of sensors",
      abstract: "A neural estimator for a sensor network, read as a graph of readings.",
      day: "2025-01-04",
    },
    {
      id: "2501.00008",
      title: "Sensor fusion",
      abstract: "A neural estimator over a graph, whose network of readings is learned from data.",
      day: "2025-01-07",
    },
    {
      id: "2501.00004",
      title: "Model Soups for Model Merging",
      abstract: "Averaging the weights of fine-tuned model copies.",
      day: "2025-01-01",
    },
    {
      id: "2501.00005",
      title: "Speculative Sampling at Scale",
      abstract: "Sampling drafts from a cheap proposal.",
      day: "2025-01-05",
    },
    {
      id: "2501.00006",
      title: "Hopper GPUs and Grace CPUs for training",
      abstract: "A systems paper on accelerators.",
      day: "2025-01-06",
    },
    { id: "2501.00009", title: "Robot studies in the wild", abstract: "Field notes.", day: "2025-01-08" },
    { id: "2501.00010", title: "Robot arms", abstract: "A robot that grasps.", day: "2025-01-09", upvotes: 500 },
  ]);
  // Added last, so that a newest-first answer would list them before the best match.
  await env.DB.prepare(
    `INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published, updated)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     SELECT printf('1902.%05d', i), 1, 'Filler ' || i, 'Yet another model, number ' || i || ', of nothing.', '["Filler Author"]', '["cs.LG"]', 'cs.LG',
       '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM n`,
  )
    .bind(COMMON)
    .run();
});

const ids = async (q: string, opts: { limit?: number; budget?: number } = {}) =>
  (await searchPapers(createDb(env.DB), q, opts)).hits.map((h) => h.paper.id);

/** The term index over the catalog, in segments of 400 merged 3 at a time, so that merges run here too. */
async function buildIndex() {
  await indexSteps(createDb(env.DB), { now: new Date(), steps: 10_000, chunk: 400, fanout: 3 });
  const coverage = await indexCoverage(createDb(env.DB), 3);
  expect(coverage.busy).toBe(false);
  expect(coverage.live.some((l) => l.level > 0)).toBe(true);
}

for (const mode of ["FTS5 alone", "the term index"] as const) {
  describe(`search rules on a small catalog, ranked on ${mode}`, () => {
    if (mode === "the term index") beforeAll(buildIndex);

    it("finds a paper from a one-sentence description, though some of its words appear in no paper", async () => {
      const sentence =
        "A method that speeds up language model inference by drafting tokens with a tiny model and verifying them, zyxxyq qwzzk";
      expect((await ids(sentence))[0]).toBe("2501.00001");
    });

    // the postings budget is FTS5's (the index reads its lists' best papers whatever their number)
    if (mode === "FTS5 alone")
      it("finds a paper from a sentence whose every word is over budget / words, by its rarest words that fit the budget", async () => {
        // A budget of 4 postings for 4 words: each word's cap is 1, and every word is in 2 papers or more;
        // "estimator" and "readings" (2 each) still fit together, and rank their papers over the 3,000
        // newer fillers that hold "model".
        const hits = await ids("neural estimator readings model", { budget: 4, limit: 3 });
        expect(hits.slice(0, 2).sort()).toEqual(["2501.00003", "2501.00008"]);
      });

    it("ranks a phrase above the same words apart, quoted or not, and highlights the phrase's words", async () => {
      // quoted: the phrase in the abstract comes before one of its words in a title
      expect((await ids('"graph neural network"')).slice(0, 1)).toEqual(["2501.00002"]);
      expect(await ids('"graph neural network"')).toEqual(expect.arrayContaining(["2501.00003", "2501.00008"]));
      // unquoted: adjacent words count extra, so the phrase beats the same words apart in an abstract
      const loose = await ids("graph neural network");
      expect(loose.indexOf("2501.00002")).toBeLessThan(loose.indexOf("2501.00008"));
      const [hit] = (await searchPapers(createDb(env.DB), '"graph neural network"')).hits;
      expect(hit!.snippet).toContain(
        `${MARK_START}graph${MARK_END} ${MARK_START}neural${MARK_END} ${MARK_START}network${MARK_END}`,
      );
    });

    it("counts a word whatever its ending, though the index holds it only as typed", async () => {
      // "study" is in no paper as such: the index finds both robots; the rescoring reads "studies" as
      // "study", so the paper holding every word comes before the more upvoted one holding one
      expect((await ids("robot study")).slice(0, 2)).toEqual(["2501.00009", "2501.00010"]);
      expect((await ids("robot arm")).slice(0, 2)).toEqual(["2501.00010", "2501.00009"]);
    });

    it("ranks a word that thousands of papers hold best match first, not newest first", async () => {
      const { hits, more } = await searchPapers(createDb(env.DB), "model", { limit: 5 });
      expect(more).toBe(true);
      // "Model" twice in the title, then once in the title; the 3,000 newer fillers hold it once in the abstract
      expect(hits[0]!.paper.id).toBe("2501.00004");
      expect(hits[0]!.titleHighlight).toBe(
        `${MARK_START}Model${MARK_END} Soups for ${MARK_START}Model${MARK_END} Merging`,
      );
    });

    // the postings budget is FTS5's (the index reads its lists' best papers whatever their number)
    if (mode === "FTS5 alone")
      it("ranks the newest matches of a word past the postings budget by where it stands, title first", async () => {
        // A budget under the word's frequency: the common arm, over the COMMON_WINDOW matches added last.
        await insertPapers([
          { id: "2601.00001", title: "A model in the title", abstract: "Nothing else.", day: "2024-12-01" },
        ]);
        const hits = await ids("model", { budget: 100, limit: 3 });
        expect(hits[0]).toBe("2601.00001");
        expect(hits.slice(1).every((id) => id.startsWith("1902."))).toBe(true);
      });

    it("answers a pasted arXiv id or address with that paper, and the site goes to its page", async () => {
      for (const q of ["2501.00001", "https://arxiv.org/abs/2501.00001v2", "huggingface.co/papers/2501.00001"])
        expect(await ids(q), q).toEqual(["2501.00001"]);
      expect(await ids("2509.99999")).toEqual([]);
      const api = await get(`/api/papers/search?q=${encodeURIComponent("https://arxiv.org/pdf/2501.00001")}`);
      expect(((await api.json()) as { paper: { id: string } }[]).map((i) => i.paper.id)).toEqual(["2501.00001"]);
      const page = await get(`/search?q=${encodeURIComponent("arXiv:2501.00001")}`);
      expect(page.status).toBe(302);
      expect(page.headers.get("Location")).toBe("/papers/2501.00001");
    });

    it("puts the papers of an author's full name first, before the same words in a title", async () => {
      expect((await ids("Grace Hopper"))[0]).toBe("2501.00001");
      expect(await ids("Grace Hopper")).toContain("2501.00006");
      // D1 refuses LIKE patterns over 50 bytes: four long words still answer (eval:search found this 500)
      expect(await ids("protoreasoning prototypes foundation speculative")).toContain("2501.00005");
    });

    it("leaves out the papers that hold an excluded word", async () => {
      expect(await ids("speculative")).toEqual(expect.arrayContaining(["2501.00001", "2501.00005"]));
      expect(await ids("speculative -trees")).toEqual(["2501.00005"]);
      expect(await ids("model -soups", { limit: 400 })).not.toContain("2501.00004");
      // a common excluded word
      expect(await ids("speculative -model")).toEqual(["2501.00005"]);
    });
  });

  describe(`bad input to search, ranked on ${mode}`, () => {
    afterEach(() => vi.restoreAllMocks());

    const BAD = [
      "",
      " ",
      "x".repeat(251),
      "speculative ".repeat(30),
      "protoreasoning prototypes foundation generalizable",
      "model".repeat(12) + " " + "nothing".repeat(9),
      "speculative\u0000decoding\u0001\u0002\u007f",
      "شبكة عصبية للغة",
      "🦙🔥 speculative 🚀",
      "🦙",
      '"',
      '"speculative',
      'speculative "decoding" "',
      "NEAR(speculative decoding, 2)",
      "title:speculative",
      "speculative AND decoding OR NOT model",
      "spec*",
      "^speculative",
      "{title abstract}: model",
      "-speculative",
      "-speculative -model",
      "- -- ---",
      '( ) " * : ^',
    ];

    it("answers each bad query on the API, the page and the feeds with a 200 or a clear 400, never a 5xx or an FTS5 error", async () => {
      const logged: unknown[] = [];
      for (const method of ["error", "warn", "log"] as const)
        vi.spyOn(console, method).mockImplementation((...args) => void logged.push(args));
      for (const q of BAD) {
        const qs = `q=${encodeURIComponent(q)}`;
        const api = await get(`/api/papers/search?${qs}`);
        expect([200, 400], `api ${JSON.stringify(q)}`).toContain(api.status);
        if (api.status === 400) expect(((await api.json()) as { error: string }).error).toMatch(/^q: /);
        else expect(Array.isArray(await api.json())).toBe(true);
        const feed = await get(`/feeds/search.rss?${qs}`);
        expect(feed.status, `feed ${JSON.stringify(q)}`).toBe(api.status);
        await feed.arrayBuffer();
        const page = await get(`/search?${qs}`);
        expect([200, 400], `page ${JSON.stringify(q)}`).toContain(page.status);
        await page.arrayBuffer();
      }
      expect(JSON.stringify(logged)).not.toMatch(/fts5|syntax error|SQLITE/i);
    });

    it("says a query of only excluded words needs a word to find", async () => {
      const api = await get("/api/papers/search?q=-speculative+-model");
      expect(api.status).toBe(400);
      expect(((await api.json()) as { error: string }).error).toMatch(/only words to exclude/);
      const page = await get("/search?q=-speculative+-model");
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("That query only excludes words");
    });
  });
}
