import { describe, expect, it } from "vitest";
import { HfDailyPaper, HfDailyPapers } from "../../workers/api/src/api/hf-schema";
import * as fx from "../support/fixtures";

type Json = Record<string, any>;
const capture2026 = () => JSON.parse(fx.hfDaily2026) as Json[];
const capture2024 = () => JSON.parse(fx.hfDaily2024) as Json[];

describe("the hf-schema contract", () => {
  it("accepts the real June 2026 capture, all 30 items", () => {
    const result = HfDailyPapers.safeParse(capture2026());
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it("accepts the real October 2024 capture (older schema)", () => {
    const result = HfDailyPapers.safeParse(capture2024());
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it.each([
    ["a null optional field", (i: Json) => void (i.paper.githubRepo = null)],
    ["a timestamp with a +00:00 offset", (i: Json) => void (i.paper.publishedAt = "2026-05-30T00:00:00+00:00")],
    ["a timestamp without milliseconds", (i: Json) => void (i.publishedAt = "2026-05-29T20:00:00Z")],
    ["a bare date", (i: Json) => void (i.paper.submittedOnDailyAt = "2026-06-12")],
    ["no submittedBy", (i: Json) => void delete i.submittedBy],
    ["a null submittedBy", (i: Json) => void (i.submittedBy = null)],
    ["upvotes moved off the paper", (i: Json) => void ((i.upvotes = i.paper.upvotes), delete i.paper.upvotes)],
    ["numComments missing from the item", (i: Json) => void delete i.numComments],
    ["an item title that differs from the paper's", (i: Json) => void (i.title = "Something else")],
    ["a string upvote count", (i: Json) => void (i.paper.upvotes = "3")],
    ["an author without _id", (i: Json) => void delete i.paper.authors[0]._id],
  ])("rejects %s", (_what, mutate) => {
    const item = capture2026()[0]!;
    mutate(item);
    expect(HfDailyPaper.safeParse(item).success).toBe(false);
  });
});
