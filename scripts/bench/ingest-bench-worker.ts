// The benchmark's worker: the production parser and upsert, timed inside workerd.
import { createDb } from "#shared/db/client";
import { parseArxivRss } from "../../workers/ingest/src/sources/arxiv-rss";
import { upsertBatch } from "../../workers/ingest/src/upsert";

export default {
  async fetch(request: Request, env: { DB: D1Database }): Promise<Response> {
    const xml = await request.text();
    const t0 = performance.now();
    const batch = parseArxivRss(xml, ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "stat.ML"]);
    const t1 = performance.now();
    const result = await upsertBatch(createDb(env.DB), batch, new Date().toISOString());
    const t2 = performance.now();
    return Response.json({
      papers: batch.papers.length,
      skipped: batch.skipped,
      inserted: result.inserted,
      parseMs: t1 - t0,
      upsertMs: t2 - t1,
    });
  },
};
