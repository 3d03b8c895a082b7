import { env, SELF } from "cloudflare:test";
import { createDb } from "../../shared/db/client";
import { dailyEntries, papers } from "../../shared/db/schema";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import * as fx from "../support/fixtures";
import { json, stubUpstream } from "../support/upstream-stub";

export const ORIGIN = "http://paperboy.test";
let clients = 0;

/** Each call is a different client address, so the per-client rate limit stays out of the way. */
export function get(path: string, headers: Record<string, string> = {}) {
  clients++;
  return SELF.fetch(`${ORIGIN}${path}`, {
    headers: { "CF-Connecting-IP": `203.0.113.${clients % 250}`, "X-Test-Client": String(clients), ...headers },
  });
}

/** Fills the database through the production ingest path with the real 2026-06-12 capture. */
export async function ingestRealCapture() {
  const stub = stubUpstream({ "https://hf.test/api/daily_papers": () => json(fx.hfDaily2026) });
  const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, { sleep: async () => {} });
  stub.spy.mockRestore();
  if (run.status !== "ok") throw new Error(`ingest failed: ${run.error}`);
  return run;
}

export interface EdgePaper {
  id: string;
  day?: string;
  title?: string;
  upvotes?: number;
  submitter?: string;
  abstract?: string;
  authors?: string[];
}

/** Edge cases the captures lack (old-style ids, year boundaries, empty days), inserted directly. */
export async function insertPapers(rows: EdgePaper[]) {
  const db = createDb(env.DB);
  for (const r of rows) {
    await db.insert(papers).values({
      id: r.id,
      version: 1,
      title: r.title ?? `Paper ${r.id}`,
      abstract: r.abstract ?? `Abstract of ${r.id}.`,
      authors: r.authors ?? ["Ada Lovelace", "Alan Turing"],
      categories: ["cs.LG"],
      primaryCategory: "cs.LG",
      published: `${r.day ?? "2025-01-01"}T00:00:00.000Z`,
      updated: `${r.day ?? "2025-01-01"}T00:00:00.000Z`,
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
