import { env } from "cloudflare:test";
import { count, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { announcements, dailyEntries, ingestRuns, papers } from "#shared/db/schema";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import { ingestHfDaily } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import * as fx from "../support/fixtures";
import { request } from "../support/request";
import { json, stubUpstream, xml } from "../support/upstream-stub";

const HF = "https://hf.test/api/daily_papers";
const RSS = "https://rss.arxiv.test/rss/cs.AI+cs.CL+cs.CV+cs.LG+stat.ML";
const API = "https://export.arxiv.test/api/query";
const noSleep = { sleep: async () => {} };

async function tableCounts() {
  const db = createDb(env.DB);
  const [p, e, a] = await Promise.all([
    db.select({ n: count() }).from(papers).get(),
    db.select({ n: count() }).from(dailyEntries).get(),
    db.select({ n: count() }).from(announcements).get(),
  ]);
  return { papers: p!.n, entries: e!.n, announcements: a!.n };
}

type TextItem = {
  paper: { id: string; title: string; summary?: string; authors: { name: string }[] };
  title?: string;
  summary?: string;
};

beforeEach(emptyDatabase);
afterEach(() => vi.restoreAllMocks());

describe("hf-daily ingest", () => {
  it("stores the real daily capture and records the run", async () => {
    const { calls } = stubUpstream({ [HF]: () => json(fx.hfDaily2026) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(calls).toEqual([`${HF}?date=2026-06-12&limit=100`]);
    expect(run).toMatchObject({
      source: "hf-daily",
      status: "ok",
      read: 30,
      inserted: 60,
      updated: 0,
      skipped: 0,
      error: null,
    });
    expect(run.finishedAt).not.toBeNull();
    expect(await tableCounts()).toMatchObject({ papers: 30, entries: 30 });
    expect(run.changedDays).toEqual(["2026-06-12"]);
    const stored = await createDb(env.DB).select().from(ingestRuns).where(eq(ingestRuns.id, run.id)).get();
    expect(stored).toMatchObject({ status: "ok", read: 30, inserted: 60 });
  });

  it("changes and duplicates nothing when run again", async () => {
    await ingestHfDaily();
    stubUpstream({ [HF]: () => json(fx.hfDaily2026) });
    const before = await tableCounts();
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 30, inserted: 0, updated: 0, changedPapers: [], changedDays: [] });
    expect(await tableCounts()).toEqual(before);
  });

  it("updates upvotes when upstream's count moves, and nothing else", async () => {
    await ingestHfDaily();
    const items = JSON.parse(fx.hfDaily2026) as { paper: { id: string; upvotes: number } }[];
    items[0]!.paper.upvotes += 7;
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(run).toMatchObject({ inserted: 0, updated: 1, changedPapers: [items[0]!.paper.id] });
    const entry = await createDb(env.DB)
      .select()
      .from(dailyEntries)
      .where(eq(dailyEntries.paperId, items[0]!.paper.id))
      .get();
    expect(entry!.upstreamUpvotes).toBe(items[0]!.paper.upvotes);
  });

  it("refreshes the text of a paper known only from the daily feed when upstream corrects it", async () => {
    await ingestHfDaily();
    const items = JSON.parse(fx.hfDaily2026) as TextItem[];
    const item = items[1]!;
    item.paper.title = item.title = `${item.paper.title} (corrected)`;
    item.paper.summary = item.summary = `${item.paper.summary} Code and data are released.`;
    item.paper.authors = [...item.paper.authors.slice(0, -1), { name: "Grace Hopper" }];
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(run).toMatchObject({ status: "ok", inserted: 0, updated: 1, changedPapers: [item.paper.id] });
    const row = await createDb(env.DB).select().from(papers).where(eq(papers.id, item.paper.id)).get();
    expect(row).toMatchObject({
      version: 0,
      title: item.paper.title,
      abstract: item.paper.summary,
      authors: item.paper.authors.map((a) => a.name),
    });
  });

  it("keeps a daily-feed paper's abstract and authors when a later record of it has none", async () => {
    await ingestHfDaily();
    const items = JSON.parse(fx.hfDaily2026) as TextItem[];
    const item = items[2]!;
    const before = await createDb(env.DB).select().from(papers).where(eq(papers.id, item.paper.id)).get();
    delete item.paper.summary;
    delete item.summary;
    item.paper.authors = [];
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(run).toMatchObject({ status: "ok", updated: 0 });
    const row = await createDb(env.DB).select().from(papers).where(eq(papers.id, item.paper.id)).get();
    expect(row).toMatchObject({ abstract: before!.abstract, authors: before!.authors });
    expect(row!.authors.length).toBeGreaterThan(0);
  });

  it("finds the papers it stored in the full-text index", async () => {
    await ingestHfDaily();
    const hits = await env.DB.prepare(
      "SELECT p.id FROM papers_fts f JOIN papers p ON p.num = f.rowid WHERE papers_fts MATCH ?",
    )
      .bind("decision stickiness")
      .all<{ id: string }>();
    expect(hits.results.map((r) => r.id)).toEqual(["2606.00467"]);
  });
});

describe("arXiv ingest", () => {
  it("stores listing items as papers with announcements, once", async () => {
    const combined = fx.rssAI.replace(
      "</channel>",
      fx.rssCL.slice(fx.rssCL.indexOf("<item>"), fx.rssCL.indexOf("</channel>")) + "</channel>",
    );
    stubUpstream({ [RSS]: () => xml(combined) });
    const first = await runIngest(env, { source: "arxiv-rss" }, noSleep);
    expect(first).toMatchObject({ status: "ok", read: 6, inserted: 12, skipped: 0 });
    const again = await runIngest(env, { source: "arxiv-rss" }, noSleep);
    expect(again).toMatchObject({ status: "ok", read: 6, inserted: 0, updated: 0 });
    const rows = await createDb(env.DB)
      .select()
      .from(announcements)
      .where(eq(announcements.paperId, "2604.21935"))
      .all();
    expect(rows).toEqual([{ day: "2026-04-27", paperId: "2604.21935", category: "cs.AI", type: "new" }]);
  });

  it("fills a daily-feed paper's arXiv metadata, and a newer version updates its row", async () => {
    const db = createDb(env.DB);
    const id = "2606.13677";
    // The daily feed knows the paper first (version 0), with its code link.
    const daily = JSON.parse(fx.hfDaily2026) as { paper: Record<string, unknown> }[];
    daily[0]!.paper.id = id;
    daily[0]!.paper.githubRepo = "https://github.com/example/mana";
    stubUpstream({ [HF]: () => json([daily[0]]) });
    await runIngest(env, { source: "hf-daily", date: "2026-06-13" }, noSleep);
    vi.restoreAllMocks();

    const { calls } = stubUpstream({ [API]: () => xml(fx.atomTransformer) });
    const backfill = await runIngest(env, { source: "arxiv-api", ids: [id] }, noSleep);
    expect(calls[0]).toBe(`${API}?id_list=${id}&max_results=1`);
    expect(backfill).toMatchObject({ status: "ok", read: 5, updated: 1, inserted: 4 });
    const v1 = await db.select().from(papers).where(eq(papers.id, id)).get();
    expect(v1).toMatchObject({
      version: 1,
      primaryCategory: "cs.RO",
      title: "Mana: Dexterous Manipulation of Articulated Tools",
      codeUrl: "https://github.com/example/mana",
    });
    expect(v1!.published).toBe("2026-06-11T17:59:49.000Z");

    const v2 = fx.atomTransformer.replaceAll(`${id}v1`, `${id}v2`).replace("Mana: Dexterous", "Mana 2: Dexterous");
    vi.restoreAllMocks();
    stubUpstream({ [API]: () => xml(v2) });
    const update = await runIngest(env, { source: "arxiv-api", ids: [id] }, noSleep);
    expect(update).toMatchObject({ status: "ok", updated: 1, inserted: 0 });
    const row = await db.select().from(papers).where(eq(papers.id, id)).get();
    expect(row).toMatchObject({
      version: 2,
      title: "Mana 2: Dexterous Manipulation of Articulated Tools",
      published: v1!.published,
      num: v1!.num,
    });
  });

  it("keeps arXiv's text when the daily feed later describes the paper otherwise", async () => {
    const db = createDb(env.DB);
    const id = "2606.13677";
    const daily = JSON.parse(fx.hfDaily2026) as TextItem[];
    daily[0]!.paper.id = id;
    stubUpstream({ [HF]: () => json([daily[0]]) });
    await runIngest(env, { source: "hf-daily", date: "2026-06-13" }, noSleep);
    vi.restoreAllMocks();
    stubUpstream({ [API]: () => xml(fx.atomTransformer) });
    await runIngest(env, { source: "arxiv-api", ids: [id] }, noSleep);
    vi.restoreAllMocks();
    const fromArxiv = await db.select().from(papers).where(eq(papers.id, id)).get();
    expect(fromArxiv).toMatchObject({ version: 1, title: expect.stringMatching(/^Mana: Dexterous/) });

    daily[0]!.paper.title = "A title only the daily feed has";
    daily[0]!.paper.authors = [{ name: "Grace Hopper" }];
    stubUpstream({ [HF]: () => json([daily[0]]) });
    const run = await runIngest(env, { source: "hf-daily", date: "2026-06-13" }, noSleep);
    expect(run.status).toBe("ok");
    const row = await db.select().from(papers).where(eq(papers.id, id)).get();
    const { title, abstract, authors } = fromArxiv!;
    expect(row).toMatchObject({ version: 1, title, abstract, authors });
  });

  it("asks arXiv politely: a User-Agent with the contact address", async () => {
    const { spy } = stubUpstream({ [API]: () => xml(fx.atomZeroResults) });
    const run = await runIngest(env, { source: "arxiv-api", ids: ["0000.0000"] }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 0, inserted: 0 });
    const headers = new Headers(spy.mock.calls[0]![1]!.headers);
    expect(headers.get("User-Agent")).toBe("Paperboy/1.0 (+mailto:tests@paperboy.example)");
  });

  it("pages through a day's submissions and waits between requests", async () => {
    const pages = [fx.atomSearchPage, fx.atomZeroResults];
    const { calls } = stubUpstream({ [API]: () => xml(pages.shift()!) });
    const waits: number[] = [];
    const run = await runIngest(
      { ...env, ARXIV_MIN_INTERVAL_MS: "3000" },
      { source: "arxiv-api", date: "2026-04-12", categories: ["cs.LG"] },
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(run.status).toBe("ok");
    const query = new URL(calls[0]!).searchParams.get("search_query");
    expect(query).toBe("(cat:cs.LG) AND submittedDate:[202604120000 TO 202604122359]");
    expect(calls).toHaveLength(1); // ten results, fewer than a page: done
    expect(waits).toEqual([]);
  });
});

describe("an upstream that fails leaves yesterday's data serving", () => {
  const cases: [string, () => Response | Promise<Response>, RegExp][] = [
    ["a 5xx on every attempt", () => new Response("down", { status: 503 }), /HTTP 503/],
    ["malformed XML", () => xml("<rss><channel><item><title>oops</channel>"), /malformed XML/],
    ["a timeout", () => Promise.reject(Object.assign(new Error("timed out"), { name: "TimeoutError" })), /timed out/],
    ["a 404", () => new Response("no", { status: 404 }), /HTTP 404/],
  ];

  it.each(cases)("records %s as a failed run and writes nothing", async (_name, respond, message) => {
    const before = await tableCounts();
    const { calls } = stubUpstream({ [RSS]: respond });
    const run = await runIngest(env, { source: "arxiv-rss" }, noSleep);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(message);
    expect(run).toMatchObject({ inserted: 0, updated: 0 });
    expect(await tableCounts()).toEqual(before);
    expect(calls.length).toBe(/404|XML/.test(String(message)) ? 1 : 3);
  });

  it("retries a 429 after the time Retry-After asks for", async () => {
    const answers = [new Response("slow down", { status: 429, headers: { "Retry-After": "7" } }), xml(fx.rssAI)];
    stubUpstream({ [RSS]: () => answers.shift()! });
    const waits: number[] = [];
    const run = await runIngest(env, { source: "arxiv-rss" }, { sleep: async (ms) => void waits.push(ms) });
    expect(run.status).toBe("ok");
    expect(waits).toEqual([7000]);
  });

  it("skips and counts a record with a missing title, storing the rest", async () => {
    const items = JSON.parse(fx.hfDaily2026) as { paper: Record<string, unknown>; title?: string }[];
    for (const item of items) {
      item.paper.id = String(item.paper.id).replace(/^26/, "25");
      item.paper.submittedOnDailyAt = "2025-06-12T00:00:00.000Z";
    }
    delete items[3]!.paper.title;
    delete items[3]!.title;
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date: "2025-06-12" }, noSleep);
    expect(run).toMatchObject({ status: "ok", read: 30, skipped: 1, inserted: 58 });
  });

  it("rolls back every write of a run when one statement fails", async () => {
    const before = await tableCounts();
    const items = JSON.parse(fx.hfDaily2026) as { paper: Record<string, unknown> }[];
    for (const item of items) {
      item.paper.id = String(item.paper.id).replace(/^26/, "24");
      item.paper.submittedOnDailyAt = "2024-06-12T00:00:00.000Z";
    }
    stubUpstream({ [HF]: () => json(items) });
    const realBatch = env.DB.batch.bind(env.DB);
    // The batch reaches D1 with its last statement broken: D1 must apply none of them.
    vi.spyOn(env.DB, "batch").mockImplementation((statements) =>
      realBatch([...statements.slice(0, -1), env.DB.prepare("INSERT INTO no_such_table VALUES (1)")]),
    );
    const run = await runIngest(env, { source: "hf-daily", date: "2024-06-12" }, noSleep);
    expect(run.status).toBe("failed");
    expect(await tableCounts()).toEqual(before);
  });
});

describe("votes cast while a run writes", () => {
  it("are not overwritten by a paper update planned before them", async () => {
    await ingestHfDaily();
    const items = JSON.parse(fx.hfDaily2026) as { paper: { id: string; ai_summary?: string } }[];
    const id = items[0]!.paper.id;
    items[0]!.paper.ai_summary = "A newer summary from upstream.";
    await env.DB.prepare("INSERT INTO accounts (id, email) VALUES ('a1', 'a1@example.com')").run();
    // The vote lands after the run read the paper's row and before its batch writes the update.
    const voteFirst = new Proxy(env.DB, {
      get(target, key) {
        if (key === "batch")
          return async (statements: D1PreparedStatement[]) => {
            await target.prepare("INSERT INTO upvotes (account_id, paper_id) VALUES ('a1', ?1)").bind(id).run();
            return target.batch(statements);
          };
        const value = Reflect.get(target, key) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest({ ...env, DB: voteFirst }, { source: "hf-daily", date: "2026-06-12" }, noSleep);
    expect(run).toMatchObject({ status: "ok", updated: 1, changedPapers: [id] });
    const row = await createDb(env.DB).select().from(papers).where(eq(papers.id, id)).get();
    expect(row).toMatchObject({ aiSummary: "A newer summary from upstream.", localUpvotes: 1 });
  });
});

describe("a paper upstream features again on a later day", () => {
  type Item = { paper: { id: string; upvotes: number; submittedOnDailyAt: string } };
  const capture = () => JSON.parse(fx.hfDaily2026) as Item[];
  /** The capture's first items as the next day's feed lists them again, with the counts they have by then. */
  const nextDay = (n = 1) =>
    capture()
      .slice(0, n)
      .map((item) => ({
        ...item,
        paper: { ...item.paper, submittedOnDailyAt: "2026-06-13T00:00:00Z", upvotes: item.paper.upvotes + 5 },
      }));
  const entryOf = (id: string) =>
    createDb(env.DB).select().from(dailyEntries).where(eq(dailyEntries.paperId, id)).get();
  const runDay = async (items: unknown, date: string) => {
    stubUpstream({ [HF]: () => json(items) });
    const run = await runIngest(env, { source: "hf-daily", date }, noSleep);
    vi.restoreAllMocks();
    return run;
  };

  it("moves the entry to the later day, with its votes and comments, and reports the move", async () => {
    await ingestHfDaily();
    const [moved] = nextDay();
    const id = moved!.paper.id;
    await env.DB.prepare("INSERT INTO accounts (id, email) VALUES ('a1', 'a1@example.com')").run();
    await env.DB.prepare("INSERT INTO upvotes (account_id, paper_id) VALUES ('a1', ?1)").bind(id).run();

    const run = await runDay([moved], "2026-06-13");
    expect(run).toMatchObject({ status: "ok", inserted: 0, updated: 0, moved: 1, changedPapers: [id] });
    expect([...run.changedDays].sort()).toEqual(["2026-06-12", "2026-06-13"]);
    const upstreamUpvotes = moved!.paper.upvotes;
    expect(await entryOf(id)).toMatchObject({ day: "2026-06-13", source: "hf-daily", upstreamUpvotes });
    const stored = await createDb(env.DB).select().from(ingestRuns).where(eq(ingestRuns.id, run.id)).get();
    expect(stored).toMatchObject({ moved: 1, updated: 0 });

    const listed = async (date: string) => {
      const res = await request(`/api/daily_papers?date=${date}`);
      const items = (await res.json()) as { paper: { id: string; upvotes: number } }[];
      return items.filter((i) => i.paper.id === id);
    };
    expect(await listed("2026-06-12")).toEqual([]);
    expect((await listed("2026-06-13")).map((i) => i.paper.upvotes)).toEqual([moved!.paper.upvotes + 1]);
  });

  it("does not move it back when the earlier day's feed, fetched later, still lists it", async () => {
    const [moved] = nextDay();
    const id = moved!.paper.id;
    await ingestHfDaily();
    expect(await runDay([moved], "2026-06-13")).toMatchObject({ moved: 1 });
    const again = await runDay(fx.hfDaily2026, "2026-06-12");
    // Counts are the paper's, as fetched last: they update the entry where it is.
    expect(again).toMatchObject({ status: "ok", moved: 0, updated: 1, changedDays: ["2026-06-13"] });
    expect(await entryOf(id)).toMatchObject({ day: "2026-06-13", upstreamUpvotes: moved!.paper.upvotes - 5 });
  });

  it("leaves on its day a curator's entry, a submission's or a hidden paper's, and says so", async () => {
    await ingestHfDaily();
    const items = nextDay(4);
    const [curated, submitted, hidden, free] = items.map((i) => i.paper.id);
    await env.DB.batch([
      env.DB.prepare("UPDATE daily_entries SET source = 'curator' WHERE paper_id = ?1").bind(curated),
      env.DB.prepare("UPDATE daily_entries SET source = 'submission' WHERE paper_id = ?1").bind(submitted),
      env.DB.prepare("UPDATE papers SET hidden_at = '2026-06-12T09:00:00.000Z' WHERE id = ?1").bind(hidden),
    ]);
    const run = await runDay(items, "2026-06-13");
    expect(run).toMatchObject({ status: "ok", moved: 1, updated: 3 });
    for (const id of [curated, submitted, hidden]) {
      const upstreamUpvotes = items.find((i) => i.paper.id === id)!.paper.upvotes;
      expect(await entryOf(id!)).toMatchObject({ day: "2026-06-12", upstreamUpvotes });
      const kept = new RegExp(`^${id}: listed upstream on 2026-06-13, kept on 2026-06-12 \\(`);
      expect(run.problems).toContainEqual(expect.stringMatching(kept));
    }
    expect(await entryOf(free!)).toMatchObject({ day: "2026-06-13" });
  });
});
