import { env } from "cloudflare:test";
import { and, eq, gt, inArray, like } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { dailyEntries, ingestRuns, papers } from "#shared/db/schema";
import { latestDayWithPapers } from "#shared/papers/queries";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import * as fx from "../support/fixtures";
import { json, stubUpstream, xml } from "../support/upstream-stub";

const HF = "https://hf.test/api/daily_papers";
const RSS = "https://rss.arxiv.test/rss/cs.AI+cs.CL+cs.CV+cs.LG+stat.ML";
const API = "https://export.arxiv.test/api/query";
const noSleep = { sleep: async () => {} };

type HfItem = { paper: Record<string, unknown>; title?: string; summary?: string };

/** The real capture with its ids moved to `yy` (2606.x -> yy06.x), so that each test owns its papers. */
function hfItems(yy: string): HfItem[] {
  const items = JSON.parse(fx.hfDaily2026) as HfItem[];
  for (const item of items) item.paper.id = String(item.paper.id).replace(/^26/, yy);
  return items;
}

const idsOf = (items: HfItem[]) => items.map((i) => String(i.paper.id));

async function storedPapers(ids: string[]) {
  return createDb(env.DB).select().from(papers).where(inArray(papers.id, ids)).all();
}

async function storedEntries(ids: string[]) {
  return createDb(env.DB).select().from(dailyEntries).where(inArray(dailyEntries.paperId, ids)).all();
}

afterEach(() => vi.restoreAllMocks());

describe("a record with a bad date is skipped and counted; the run goes on", () => {
  it("skips a daily-feed item with an unparsable submittedOnDailyAt or publishedAt", async () => {
    const items = hfItems("21");
    items[2]!.paper.submittedOnDailyAt = "not a date";
    items[4]!.paper.publishedAt = "2026-02-30T00:00:00.000Z";
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 30, skipped: 2, inserted: 56, error: null });
    const stored = (await storedPapers(idsOf(items))).map((p) => p.id);
    expect(stored).toHaveLength(28);
    expect(stored).not.toContain(items[2]!.paper.id);
    expect(stored).not.toContain(items[4]!.paper.id);
  });

  it("skips a listing item with an unparsable pubDate and stores the others", async () => {
    const items = fx.rssAI.split("<item>");
    items[2] = items[2]!.replace(/<pubDate>[^<]*<\/pubDate>/, "<pubDate>Someday, 99 Foo 2026 25:61:00 XYZ</pubDate>");
    stubUpstream({ [RSS]: () => xml(items.join("<item>")) });
    const run = await runIngest(env, { source: "arxiv-rss" }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 3, skipped: 1, inserted: 4, error: null });
    expect((await storedPapers(["2604.21935", "2604.21936", "2604.21937"])).map((p) => p.id).sort()).toEqual([
      "2604.21935",
      "2604.21937",
    ]);
  });

  it("skips an arXiv API entry with an unparsable published or updated time", async () => {
    const entries = fx.atomTransformer.split("<entry>");
    entries[2] = entries[2]!.replace(/<published>[^<]*<\/published>/, "<published>2026-13-01T00:00:00Z</published>");
    entries[3] = entries[3]!.replace(/<updated>[^<]*<\/updated>/, "<updated>yesterday</updated>");
    stubUpstream({ [API]: () => xml(entries.join("<entry>")) });
    const run = await runIngest(env, { source: "arxiv-api", ids: ["2606.13677"] }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 5, skipped: 2, inserted: 3 });
  });
});

describe("a malformed optional field drops that field, not the paper", () => {
  it("keeps papers whose code link, project link or star count is malformed, without those fields", async () => {
    const items = hfItems("22");
    items[0]!.paper.githubRepo = "github.com/example/no-scheme";
    items[1]!.paper.projectPage = "example.org/project";
    items[2]!.paper.githubStars = "1.2k";
    items[3]!.paper.githubStars = -4;
    items[4]!.paper.githubRepo = "javascript:alert(1)";
    items[5]!.paper.githubRepo = "https://github.com/example/good";
    items[5]!.paper.githubStars = 42;
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 30, skipped: 0, inserted: 60 });
    const byId = new Map((await storedPapers(idsOf(items))).map((p) => [p.id, p]));
    expect(byId.size).toBe(30);
    expect(byId.get(String(items[0]!.paper.id))).toMatchObject({ codeUrl: null });
    expect(byId.get(String(items[1]!.paper.id))).toMatchObject({ projectUrl: null });
    expect(byId.get(String(items[2]!.paper.id))).toMatchObject({ githubStars: null });
    expect(byId.get(String(items[3]!.paper.id))).toMatchObject({ githubStars: null });
    expect(byId.get(String(items[4]!.paper.id))).toMatchObject({ codeUrl: null });
    expect(byId.get(String(items[5]!.paper.id))).toMatchObject({
      codeUrl: "https://github.com/example/good",
      githubStars: 42,
    });
    expect(await storedEntries(idsOf(items))).toHaveLength(30);
  });
});

describe("an upstream entry of another day is not featured on that day", () => {
  const now = () => new Date("2026-06-14T12:00:00.000Z");

  it("skips an item dated far from the requested day, and a paper published in the future", async () => {
    const items = hfItems("23");
    for (const item of items) item.paper.submittedOnDailyAt = "2026-06-14T00:00:00.000Z";
    items[0]!.paper.submittedOnDailyAt = "2031-01-01T00:00:00.000Z";
    items[1]!.paper.submittedOnDailyAt = "2026-05-01T00:00:00.000Z";
    items[2]!.paper.publishedAt = "2031-01-01T00:00:00.000Z";
    // Within a day of the requested one: a time-zone difference, featured on its own day.
    items[3]!.paper.submittedOnDailyAt = "2026-06-13T00:00:00.000Z";
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-14" }, { ...noSleep, now });
    expect(run).toMatchObject({ status: "ok", read: 30, skipped: 3, inserted: 54 });
    expect(run.changedDays.sort()).toEqual(["2026-06-13", "2026-06-14"]);

    const db = createDb(env.DB);
    expect(await latestDayWithPapers(db)).toBe("2026-06-14");
    expect(await db.select().from(dailyEntries).where(gt(dailyEntries.day, "2026-06-14")).all()).toEqual([]);
    expect(await db.select().from(papers).where(gt(papers.published, "2026-06-16")).all()).toEqual([]);
    const entries = new Map((await storedEntries(idsOf(items))).map((e) => [e.paperId, e.day]));
    expect(entries.size).toBe(27);
    expect(entries.get(String(items[3]!.paper.id))).toBe("2026-06-13");
    for (const i of [0, 1, 2]) expect(entries.has(String(items[i]!.paper.id))).toBe(false);
  });
});

describe("records larger than real data ever is are skipped and counted", () => {
  it("skips an oversized title, abstract, author list or author name, and stores the rest", async () => {
    const items = hfItems("24");
    items[0]!.paper.title = "Long ".repeat(1_000);
    items[1]!.paper.summary = "word ".repeat(5_000);
    items[2]!.paper.authors = Array.from({ length: 20_000 }, (_, i) => ({ name: `Author ${i}`, hidden: false }));
    items[3]!.paper.authors = [{ name: "N".repeat(1_000), hidden: false }];
    // The largest real author lists (the LHC collaborations) have about 5,000 names: still stored.
    items[4]!.paper.authors = Array.from({ length: 5_200 }, (_, i) => ({ name: `Author Number ${i}`, hidden: false }));
    // Each field within its cap, the whole over a megabyte: half of D1's 2 MB row.
    items[5]!.paper.authors = Array.from({ length: 5_000 }, (_, i) => ({
      name: `${"Long Name ".repeat(25)}${i}`,
      hidden: false,
    }));
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 30, skipped: 5, inserted: 50 });
    const stored = new Map((await storedPapers(idsOf(items))).map((p) => [p.id, p]));
    expect(stored.size).toBe(25);
    for (const i of [0, 1, 2, 3, 5]) expect(stored.has(String(items[i]!.paper.id))).toBe(false);
    expect(stored.get(String(items[4]!.paper.id))!.authors).toHaveLength(5_200);
  });

  it("skips an arXiv entry whose comment is oversized", async () => {
    const entries = fx.atomTransformer.split("<entry>");
    entries[2] = entries[2]!.replace(/<arxiv:comment>[^<]*</, `<arxiv:comment>${"22 pages. ".repeat(1_000)}<`);
    stubUpstream({ [API]: () => xml(entries.join("<entry>").replaceAll("2606.", "2006.")) });
    const run = await runIngest(env, { source: "arxiv-api", ids: ["2006.13677"] }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 5, skipped: 1, inserted: 4 });
    expect(await createDb(env.DB).select().from(papers).where(like(papers.id, "2006.%")).all()).toHaveLength(4);
  });
});

describe("two runs of the same source at once", () => {
  it("both succeed, and the papers are stored once", async () => {
    const items = hfItems("25");
    stubUpstream({ [HF]: () => json(items) });
    const request = { source: "hf-daily", date: "2026-06-12" } as const;
    const runs = await Promise.all([runIngest(env, request, noSleep), runIngest(env, request, noSleep)]);
    for (const run of runs) expect(run).toMatchObject({ status: "ok", read: 30, skipped: 0, error: null });
    expect(runs[0]!.inserted + runs[1]!.inserted).toBe(60);
    expect(await storedPapers(idsOf(items))).toHaveLength(30);
    expect(await storedEntries(idsOf(items))).toHaveLength(30);
    const recorded = await createDb(env.DB)
      .select()
      .from(ingestRuns)
      .where(
        and(
          inArray(
            ingestRuns.id,
            runs.map((r) => r.id),
          ),
          eq(ingestRuns.status, "ok"),
        ),
      )
      .all();
    expect(recorded).toHaveLength(2);
  });

  it("both succeed for the arXiv listing, whose announcements are keyed too", async () => {
    const feed = fx.rssLG.replaceAll("2604.", "2504.");
    stubUpstream({ [RSS]: () => xml(feed) });
    const runs = await Promise.all([
      runIngest(env, { source: "arxiv-rss" }, noSleep),
      runIngest(env, { source: "arxiv-rss" }, noSleep),
    ]);
    for (const run of runs) expect(run).toMatchObject({ status: "ok", read: 3, error: null });
    expect(runs[0]!.inserted + runs[1]!.inserted).toBe(6);
  });
});

describe("a run whose invocation died", () => {
  it("is marked failed by the next run of its source instead of showing running forever", async () => {
    const db = createDb(env.DB);
    const dead = await db
      .insert(ingestRuns)
      .values({ source: "arxiv-api", target: "0000.0000", startedAt: "2026-06-14T09:00:00.000Z", status: "running" })
      .returning()
      .get();
    const recent = await db
      .insert(ingestRuns)
      .values({ source: "arxiv-api", target: "0000.0001", startedAt: "2026-06-14T11:50:00.000Z", status: "running" })
      .returning()
      .get();
    stubUpstream({ [API]: () => xml(fx.atomZeroResults) });
    const now = () => new Date("2026-06-14T12:00:00.000Z");
    const run = await runIngest(env, { source: "arxiv-api", ids: ["0000.0000"] }, { ...noSleep, now });
    expect(run.status).toBe("ok");
    const rows = new Map(
      (
        await db
          .select()
          .from(ingestRuns)
          .where(inArray(ingestRuns.id, [dead.id, recent.id]))
          .all()
      ).map((r) => [r.id, r]),
    );
    expect(rows.get(dead.id)).toMatchObject({
      status: "failed",
      finishedAt: "2026-06-14T12:00:00.000Z",
      error: expect.stringMatching(/abandoned/),
    });
    // Younger than the longest a run can take: it may still be going.
    expect(rows.get(recent.id)).toMatchObject({ status: "running", finishedAt: null });
  });
});
