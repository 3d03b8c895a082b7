import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { trendingScore } from "#shared/domain/trending";
import {
  dayListing,
  MARK_END,
  MARK_START,
  markTerms,
  periodListing,
  queryTerms,
  snippetOf,
  trendingPapers,
} from "#shared/papers/queries";
import { insertPapers } from "../../support/catalog";

const now = new Date("2026-06-12T12:00:00Z");
const rows = [
  { id: "2606.00001", day: "2026-06-12", upvotes: 5 },
  { id: "2606.00002", day: "2026-06-08", upvotes: 30 },
  { id: "2606.00003", day: "2026-06-02", upvotes: 200 },
  { id: "2605.00004", day: "2026-05-20", upvotes: 5000 },
];

beforeAll(async () => {
  await insertPapers(rows);
});

describe("listing queries", () => {
  it("trending orders by the documented score, in SQL as in shared/domain/trending.ts, within 14 days", async () => {
    const got = (await trendingPapers(createDb(env.DB), { now })).map((i) => i.paper.id);
    const expected = rows
      .filter((r) => r.day >= "2026-05-29")
      .sort((a, b) => trendingScore(b.upvotes, b.day, now) - trendingScore(a.upvotes, a.day, now))
      .map((r) => r.id);
    expect(got).toEqual(expected);
    expect(got).not.toContain("2605.00004");
  });

  it("a day listing carries the previous and next days with papers, and the shown upvotes", async () => {
    const l = await dayListing(createDb(env.DB), "2026-06-08");
    expect(l).toMatchObject({ day: "2026-06-08", prev: "2026-06-02", next: "2026-06-12" });
    expect(l.items[0]).toMatchObject({
      upvotes: 30,
      localUpvotes: 0,
      entry: { day: "2026-06-08", upstreamUpvotes: 30 },
    });
  });

  it("a period listing pages with `more`", async () => {
    const db = createDb(env.DB);
    const first = await periodListing(db, { from: "2026-05-01", to: "2026-06-30" }, { limit: 3 });
    expect(first.items.map((i) => i.paper.id)).toEqual(["2605.00004", "2606.00003", "2606.00002"]);
    expect(first.more).toBe(true);
    const second = await periodListing(db, { from: "2026-05-01", to: "2026-06-30" }, { limit: 3, page: 1 });
    expect(second.items.map((i) => i.paper.id)).toEqual(["2606.00001"]);
    expect(second.more).toBe(false);
  });
});

describe("search text handling", () => {
  it("marks words that start with a query term's stem and cuts a snippet around the first match", () => {
    const terms = queryTerms("Models");
    expect(markTerms("A model of modeling, not a mode.", terms)).toBe(
      `A ${MARK_START}model${MARK_END} of ${MARK_START}modeling${MARK_END}, not a mode.`,
    );
    const long = `${"filler ".repeat(100)}the model appears here ${"tail ".repeat(100)}`;
    const snip = snippetOf(long, terms, 20);
    expect(snip.startsWith("…")).toBe(true);
    expect(snip.endsWith("…")).toBe(true);
    expect(snip).toContain(`${MARK_START}model${MARK_END}`);
  });

  it("cuts a snippet at words of any white space, with an ellipsis exactly where words were left out", () => {
    const mark = (w: string) => `${MARK_START}${w}${MARK_END}`;
    const terms = queryTerms("models");
    // four words from one before the first match: the last one ends the text
    expect(snippetOf("a b\u00a0model\n\tc  d", terms, 4)).toBe(`…b ${mark("model")} c d`);
    expect(snippetOf("a b model c d e", terms, 4)).toBe(`…b ${mark("model")} c d…`);
    // no match, or no terms: the opening words
    expect(snippetOf("one two three four five", terms, 3)).toBe("one two three…");
    expect(snippetOf("one two model", [], 3)).toBe("one two model");
    expect(snippetOf("", terms)).toBe("");
    // a word is read as the index reads it (NFKC, lower case), and marked as written
    expect(snippetOf("x ﬁne-tuning MODELS", queryTerms("fine model"), 5)).toBe(
      `x ${mark("ﬁne")}-tuning ${mark("MODELS")}`,
    );
    expect(markTerms("ＭＯＤＥＬ and mode", terms)).toBe(`${mark("ＭＯＤＥＬ")} and mode`);
  });
});
