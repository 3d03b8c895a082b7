import { describe, expect, it } from "vitest";
import { parseArxivAtom } from "../../workers/ingest/src/sources/arxiv-api";
import { parseArxivRss } from "../../workers/ingest/src/sources/arxiv-rss";
import { parseHfDaily } from "../../workers/ingest/src/sources/hf-daily";
import { MalformedUpstream } from "../../workers/ingest/src/sources/xml";
import * as fx from "../support/fixtures";

describe("arXiv listing feed (RSS 2.0)", () => {
  it("turns each item of the real cs.AI feed into a paper and a new announcement", () => {
    const batch = parseArxivRss(fx.rssAI, ["cs.AI", "cs.LG"]);
    expect(batch.read).toBe(3);
    expect(batch.skipped).toBe(0);
    expect(batch.papers).toHaveLength(3);
    const first = batch.papers[0]!;
    expect(first).toMatchObject({
      id: "2604.21935",
      version: 1,
      title: "Math Takes Two: A test for emergent mathematical reasoning in communication",
      authors: ["Michael Cooper", "Samuel Cooper"],
      categories: ["cs.AI", "cs.LG"],
      primaryCategory: "cs.AI",
    });
    expect(first.abstract).toMatch(/^Although language models demonstrate/);
    expect(first.abstract).not.toContain("Announce Type");
    expect(batch.announcements[0]).toEqual({
      day: "2026-04-27",
      paperId: "2604.21935",
      category: "cs.AI",
      type: "new",
    });
  });

  it.each([
    ["cs.CL", fx.rssCL],
    ["cs.LG", fx.rssLG],
  ])("parses the real %s feed without skipping anything", (category, feed) => {
    const batch = parseArxivRss(feed, [category]);
    expect(batch.papers).toHaveLength(3);
    expect(batch.skipped).toBe(0);
    for (const a of batch.announcements) expect(a).toMatchObject({ day: "2026-04-27", category, type: "new" });
  });

  it("reads cross-list and replacement items and skips an item without a title", () => {
    const items = fx.rssAI.split("<item>");
    items[1] = items[1]!.replace(">new</arxiv:announce_type>", ">cross</arxiv:announce_type>");
    items[2] = items[2]!
      .replace(">new</arxiv:announce_type>", ">replace</arxiv:announce_type>")
      .replace(/v1<\/guid>/, "v3</guid>");
    items[3] = items[3]!.replace(/<title>[^<]*<\/title>/, "<title></title>");
    const batch = parseArxivRss(items.join("<item>"), ["cs.AI"]);
    expect(batch.announcements.map((a) => a.type)).toEqual(["cross", "replace"]);
    expect(batch.papers[1]!.version).toBe(3);
    expect(batch.skipped).toBe(1);
    expect(batch.problems[0]).toMatch(/missing title/);
  });

  it("rejects malformed XML as a whole", () => {
    expect(() => parseArxivRss(fx.rssAI.slice(0, 3000), ["cs.AI"])).toThrow(MalformedUpstream);
  });
});

describe("arXiv API (Atom)", () => {
  it("parses today's format with comment, primary category and project link", () => {
    const page = parseArxivAtom(fx.atomTransformer);
    expect(page.totalResults).toBe(28946);
    expect(page.papers).toHaveLength(5);
    expect(page.papers[0]).toMatchObject({
      id: "2606.13677",
      version: 1,
      title: "Mana: Dexterous Manipulation of Articulated Tools",
      primaryCategory: "cs.RO",
      categories: ["cs.RO", "cs.AI", "cs.CV", "cs.LG"],
      published: "2026-06-11T17:59:49.000Z",
      comment: "Project Page: https://zhaohengyin.github.io/mana",
      projectUrl: "https://zhaohengyin.github.io/mana",
      authors: ["Zhao-Heng Yin", "Guanya Shi", "Pieter Abbeel", "C. Karen Liu"],
    });
  });

  it("parses the 2016 format with DOI and journal reference, collapsing hard line breaks", () => {
    const page = parseArxivAtom(fx.atomLegacyIdList);
    expect(page.papers).toHaveLength(1);
    expect(page.papers[0]).toMatchObject({
      id: "1111.2011",
      version: 2,
      title: "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit",
      doi: "10.1103/PhysRevB.85.115117",
      journalRef: "Phys. Rev. B 85, 115117 (2012)",
      primaryCategory: "cond-mat.str-el",
      updated: "2012-04-02T12:38:54.000Z",
    });
    expect(page.papers[0]!.abstract).not.toMatch(/\n/);
    const search = parseArxivAtom(fx.atomLegacySearch);
    expect(search.papers.length).toBeGreaterThan(1);
    expect(search.skipped).toBe(0);
  });

  it("keeps an old-style id whole", () => {
    const page = parseArxivAtom(fx.atomOldStyleId);
    expect(page.papers.map((p) => p.id)).toEqual(["astro-ph/0601001"]);
  });

  it("parses one id, two ids and a search page from recorded exchanges", () => {
    expect(parseArxivAtom(fx.atomOneId).papers.map((p) => p.id)).toEqual(["1605.08386"]);
    // arXiv answers an id list with an id it does not know by leaving that id out.
    expect(parseArxivAtom(fx.atomTwoIds).papers.map((p) => p.id)).toEqual(["1707.08567"]);
    const search = parseArxivAtom(fx.atomSearchPage);
    expect(search.papers).toHaveLength(10);
    expect(search.skipped).toBe(0);
  });

  it("reads zero results as an empty page", () => {
    const page = parseArxivAtom(fx.atomZeroResults);
    expect(page).toMatchObject({ totalResults: 0, read: 0, papers: [] });
  });

  it("turns the HTTP 400 error entry into an error, not a paper", () => {
    expect(() => parseArxivAtom(fx.atomErrorEntry)).toThrow(/incorrect id format for abc/);
  });
});

describe("Hugging Face daily papers (JSON)", () => {
  it("parses the current schema into papers and daily entries", () => {
    const batch = parseHfDaily(fx.hfDaily2026, "2026-06-12");
    expect(batch.read).toBe(30);
    expect(batch.skipped).toBe(0);
    expect(batch.entries).toHaveLength(30);
    expect(batch.entries.every((e) => e.day === "2026-06-12" && e.source === "hf-daily")).toBe(true);
    const paper = batch.papers.find((p) => p.id === "2606.00467")!;
    expect(paper).toMatchObject({ version: 0, authors: ["Etienne Casanova", "Rafal Kocielnik", "R. Michael Alvarez"] });
    expect(paper.aiSummary).toMatch(/^Large language models exhibit/);
    expect(paper.aiKeywords).toContain("zero-shot annotation");
    expect(batch.entries.find((e) => e.paperId === "2606.00467")).toMatchObject({
      submitterName: "RKocielnik",
      numComments: 2,
      upstreamUpvotes: 0,
    });
    expect(batch.papers.some((p) => p.codeUrl?.startsWith("https://github.com/"))).toBe(true);
  });

  it("parses the 2024 schema, taking the day asked for and absolute avatar URLs", () => {
    const batch = parseHfDaily(fx.hfDaily2024, "2024-10-25");
    expect(batch.papers.map((p) => p.id)).toEqual(["2410.17243", expect.any(String)]);
    expect(batch.papers[0]!.title).toBe(
      "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss",
    );
    expect(batch.entries[0]).toMatchObject({
      day: "2024-10-25",
      submitterAvatarUrl: "https://huggingface.co/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg",
      numComments: 3,
    });
  });

  it("skips and counts an item without an id or title instead of failing", () => {
    const items = JSON.parse(fx.hfDaily2026) as { paper: Record<string, unknown>; title?: string }[];
    delete items[0]!.paper.title;
    delete items[0]!.title;
    items[1]!.paper.id = "not-an-id";
    const batch = parseHfDaily(JSON.stringify(items), "2026-06-12");
    expect(batch).toMatchObject({ read: 30, skipped: 2 });
    expect(batch.papers).toHaveLength(28);
  });

  it("rejects a body that is not a JSON array", () => {
    expect(() => parseHfDaily("<html>", "2026-06-12")).toThrow(MalformedUpstream);
    expect(() => parseHfDaily('{"error":"x"}', "2026-06-12")).toThrow(MalformedUpstream);
  });
});
