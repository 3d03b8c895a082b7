import { createScheduledController, env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { scheduled } from "../../workers/ingest/src/index";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import { CRONS, isArxivAnnouncementHour } from "../../workers/ingest/src/schedule";
import ingestToml from "../../workers/ingest/wrangler.toml?raw";
import { captureQueue, seedSubscribers } from "../mail/mail-support";
import { ingestHfDaily } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import * as fx from "../support/fixtures";
import { json, stubUpstream, xml } from "../support/upstream-stub";

beforeEach(emptyDatabase);
afterEach(() => vi.restoreAllMocks());

describe("the arXiv announcement schedule (20:00 US Eastern, Sunday to Thursday)", () => {
  it.each([
    ["2026-07-07T00:30:00Z", true], // Monday 20:30 EDT
    ["2026-07-07T01:30:00Z", false], // Monday 21:30 EDT
    ["2026-12-08T00:30:00Z", false], // Monday 19:30 EST
    ["2026-12-08T01:30:00Z", true], // Monday 20:30 EST
    ["2026-07-06T00:30:00Z", true], // Sunday 20:30 EDT
    ["2026-07-11T00:30:00Z", false], // Friday 20:30 EDT: no announcement
    ["2026-07-12T00:30:00Z", false], // Saturday
  ])("at %s is %s", (at, expected) => {
    expect(isArxivAnnouncementHour(new Date(at))).toBe(expected);
  });
});

describe("the ingest worker's crons", () => {
  it("are the ones its wrangler.toml declares", () => {
    const declared = /\ncrons = (\[.*\])\n/.exec(ingestToml)?.[1];
    expect(JSON.parse(declared!)).toEqual(Object.values(CRONS));
  });
});

describe("scheduled()", () => {
  it("pulls the arXiv listing only from the cron that falls after the announcement", async () => {
    const { calls } = stubUpstream({
      "https://rss.arxiv.test/rss/cs.AI+cs.CL+cs.CV+cs.LG+stat.ML": () => xml(fx.rssAI),
    });
    await scheduled(
      createScheduledController({ cron: "30 1 * * MON-FRI", scheduledTime: Date.parse("2026-07-07T01:30:00Z") }),
      env,
    );
    expect(calls).toEqual([]);
    await scheduled(
      createScheduledController({ cron: "30 0 * * MON-FRI", scheduledTime: Date.parse("2026-07-07T00:30:00Z") }),
      env,
    );
    expect(calls).toHaveLength(1);
  });

  it("pulls the daily feed hourly, then asks arXiv about the papers it only knows from it", async () => {
    const { calls } = stubUpstream({
      "https://hf.test/api/daily_papers": () => json(fx.hfDaily2026),
      "https://export.arxiv.test/api/query": () => xml(fx.atomZeroResults),
    });
    await scheduled(
      createScheduledController({ cron: "15 * * * *", scheduledTime: Date.parse("2026-06-12T09:15:00Z") }),
      { ...env, ARXIV_MIN_INTERVAL_MS: "0" },
    );
    expect(calls[0]).toBe("https://hf.test/api/daily_papers?date=2026-06-12&limit=100");
    const idList = new URL(calls[1]!).searchParams.get("id_list")!.split(",");
    expect(idList).toHaveLength(30);
    expect(idList).toContain("2606.00467");
  });

  it("enqueues the digests that fell due after the hourly ingest, even when the ingest failed", async () => {
    const [reader] = await seedSubscribers([{ email: "reader@example.com" }]);
    await env.DB.prepare("UPDATE subscribers SET confirmed_at = '2026-06-01T00:00:00.000Z' WHERE id = ?")
      .bind(reader!.id)
      .run();
    stubUpstream({
      "https://hf.test/api/daily_papers": () => new Response("down", { status: 503 }),
      "https://export.arxiv.test/api/query": () => xml(fx.atomZeroResults),
    });
    const q = captureQueue();
    await scheduled(
      createScheduledController({ cron: "15 * * * *", scheduledTime: Date.parse("2026-06-13T06:15:00Z") }),
      { ...env, MAIL_QUEUE: q.queue },
    );
    expect(q.sent).toContainEqual({ kind: "digest", subscriberId: reader!.id, period: "daily:2026-06-12" });
  });

  it("stops asking arXiv about a daily-feed paper a week after it arrived", async () => {
    await ingestHfDaily();
    // (RETURNING counts the papers alone: D1's meta.changes also counts the open data's line_revisions triggers.)
    const stale = await env.DB.prepare(
      "UPDATE papers SET created_at = '2026-06-01T00:00:00.000Z' WHERE version = 0 RETURNING id",
    ).all();
    expect(stale.results).toHaveLength(30); // the daily feed's papers
    const { calls } = stubUpstream({ "https://export.arxiv.test/api/query": () => xml(fx.atomZeroResults) });
    const run = await runIngest(
      env,
      { source: "arxiv-api" },
      { now: () => new Date("2026-06-12T09:15:00Z"), sleep: async () => {} },
    );
    expect(run).toMatchObject({ status: "ok", read: 0 });
    expect(calls).toEqual([]);
  });
});
