import { env } from "cloudflare:test";
import { createDb } from "#shared/db/client";
import { dailyEntries, papers } from "#shared/db/schema";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import * as fx from "./fixtures";
import { json, stubUpstream } from "./upstream-stub";

/** Fills the database through the production ingest path from an hf-daily capture (the real one by default). */
export async function ingestHfDaily(body: string = fx.hfDaily2026, date = "2026-06-12") {
  const stub = stubUpstream({ "https://hf.test/api/daily_papers": () => json(body) });
  try {
    const run = await runIngest(env, { source: "hf-daily", date }, { sleep: async () => {} });
    if (run.status !== "ok") throw new Error(`ingest failed: ${run.error}`);
    return run;
  } finally {
    stub.spy.mockRestore();
  }
}

export const captureItems = () =>
  JSON.parse(fx.hfDaily2026) as { paper: { id: string; title: string; summary: string; upvotes: number } }[];

export interface EdgePaper {
  id: string;
  day?: string;
  title?: string;
  abstract?: string;
  upvotes?: number;
  submitter?: string;
  authors?: string[];
}

/** Edge cases the captures lack (old-style ids, year boundaries, empty days), inserted directly. */
export async function insertPapers(rows: EdgePaper[]) {
  const db = createDb(env.DB);
  for (const r of rows) {
    const at = `${r.day ?? "2025-01-01"}T00:00:00.000Z`;
    await db.insert(papers).values({
      id: r.id,
      version: 1,
      title: r.title ?? `Paper ${r.id}`,
      abstract: r.abstract ?? `Abstract of ${r.id}.`,
      authors: r.authors ?? ["Ada Lovelace", "Alan Turing"],
      categories: ["cs.LG"],
      primaryCategory: "cs.LG",
      published: at,
      updated: at,
    });
    if (r.day) {
      await db.insert(dailyEntries).values({
        paperId: r.id,
        day: r.day,
        source: "curator",
        submitterName: r.submitter ?? null,
        upstreamUpvotes: r.upvotes ?? 0,
      });
    }
  }
}
