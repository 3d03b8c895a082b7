import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { insertPapers } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import { request } from "../support/request";

beforeEach(async () => {
  await emptyDatabase();
  await insertPapers([
    { id: "2501.00003", day: "2025-01-02", upvotes: 7, title: "Quantum widgets for cats" },
    { id: "2501.00004", day: "2025-01-03", upvotes: 9, title: "Quantum widgets for dogs" },
  ]);
  await env.DB.prepare("UPDATE papers SET local_upvotes = 2 WHERE id = ?").bind("2501.00004").run();
});

describe("the related papers of a paper page", () => {
  // The page reads them in one D1 batch with the discussion; a batch returns rows by column name, so
  // two columns of one name (papers.created_at and daily_entries.created_at) shifted every value
  // after them: each related card showed 0 upvotes and a wrong entry.
  it("show each related paper's own upvotes", async () => {
    const html = await (await request("/papers/2501.00003")).text();
    const related = html.slice(html.indexOf('<section aria-labelledby="related">'));
    const card = related.slice(related.indexOf('id="paper-2501.00004"'));
    expect(card).toMatch(/<b class="count"[^>]*>11<\/b>/);
  });
});
