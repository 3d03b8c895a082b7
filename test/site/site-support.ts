import { env, SELF } from "cloudflare:test";
import { createDb } from "../../shared/db/client";
import { dailyEntries, papers } from "../../shared/db/schema";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import * as fx from "../support/fixtures";
import { json, stubUpstream } from "../support/upstream-stub";

export const ORIGIN = "http://paperboy.test";

export function get(path: string, headers: Record<string, string> = {}) {
  return SELF.fetch(`${ORIGIN}${path}`, { headers, redirect: "manual" });
}

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
  authors?: string[];
}

/** Edge cases the captures lack (old-style ids, other days), inserted directly. */
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
    if (r.day) await db.insert(dailyEntries).values({ paperId: r.id, day: r.day, source: "curator", upstreamUpvotes: r.upvotes ?? 0 });
  }
}

/** A D1 binding that counts the statements prepared through it. */
export function countingD1(db: D1Database) {
  const counter = { queries: 0 };
  const binding = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "prepare" || prop === "exec") {
        return (...args: unknown[]) => {
          counter.queries++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { binding, counter };
}
