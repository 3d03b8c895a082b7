import { env } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { IngestService } from "#shared/contracts";
import { createDb } from "#shared/db/client";
import { vectorsFrom } from "#shared/vectors/from-env";
import { activeSpace, embedWaiting, papersWaiting } from "#shared/vectors/paper-vectors";
import { cutAndNormalise } from "#shared/vectors/vectors";
import { workersAiEmbedder } from "#shared/vectors/workers-ai";
import { memoryForget } from "../../workers/api/src/cache/memory-tier";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import { countOf, emptyDatabase } from "../support/database";
import { type FakeAi, type FakeVectorize, fakeAi, fakeVectorize } from "../support/fake-vectors";
import * as fx from "../support/fixtures";
import { ORIGIN, request } from "../support/request";
import { json, stubUpstream } from "../support/upstream-stub";

const DAY = "2026-06-12";
const SPACE = "qwen3-embedding-0.6b@256";
let ai: FakeAi;
let vz: FakeVectorize;

const withVectors = (more: Record<string, string> = {}) => ({ ...env, AI: ai, VECTORIZE: vz, ...more });
const db = () => createDb(env.DB);
const now = new Date("2026-06-13T00:00:00Z");

async function ingestDay(vectorEnv: ReturnType<typeof withVectors> | typeof env) {
  const stub = stubUpstream({ "https://hf.test/api/daily_papers": () => json(fx.hfDaily2026) });
  try {
    return await runIngest(vectorEnv, { source: "hf-daily", date: DAY }, { sleep: async () => {} });
  } finally {
    stub.spy.mockRestore();
  }
}

beforeEach(async () => {
  await emptyDatabase();
  ai = fakeAi();
  vz = fakeVectorize();
});

describe("the Workers AI embedder", () => {
  const embedder = () => workersAiEmbedder(ai, { model: "@cf/qwen/qwen3-embedding-0.6b", dimensions: 256 });

  it("cuts the model's vectors to the configured size at unit length, with the query and document prompts", async () => {
    const [v] = await embedder().embed(["speculative decoding with draft trees"], "document");
    expect(v).toHaveLength(256);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
    expect(ai.calls[0]!.input).toEqual({ documents: ["speculative decoding with draft trees"] });
    await embedder().embed(["draft trees"], "query");
    expect(ai.calls[1]!.input).toMatchObject({ queries: ["draft trees"], instruction: expect.any(String) });
    const bge = workersAiEmbedder(ai, { model: "@cf/baai/bge-base-en-v1.5", dimensions: 768 });
    await bge.embed(["x ray imaging"], "document");
    expect(ai.calls[2]!.input).toEqual({ text: ["x ray imaging"] });
  });

  it("refuses more than 100 texts a call, and answers of the wrong size, count or with NaN", async () => {
    await expect(embedder().embed(new Array(101).fill("a paper"), "document")).rejects.toThrow(/at most 100/);
    for (const garbage of ["nan", "short", "count"] as const) {
      ai.failWith = garbage;
      await expect(embedder().embed(["one text", "another text"], "document"), garbage).rejects.toThrow();
    }
    expect(() => cutAndNormalise([0, 0, 0], 3)).toThrow(/zeros/);
  });
});

describe("a vector for every paper", () => {
  it("embeds the papers an ingest wrote, after its write, and the space then answers", async () => {
    const run = await ingestDay(withVectors());
    expect(run.status).toBe("ok");
    const papers = await countOf("SELECT count(*) AS n FROM papers");
    expect(papers).toBeGreaterThan(20);
    expect(run.embedError).toBeNull();
    expect(run.embedded).toBe(papers);
    expect(run.embedWaiting).toBe(0);
    expect(run.embedError).toBeNull();
    expect(vz.stored.size).toBe(papers);
    expect(await countOf("SELECT count(*) AS n FROM paper_vectors WHERE space = ?", SPACE)).toBe(papers);
    expect(await activeSpace(db())).toBe(SPACE);
    // batches of at most 100 texts, each vector in its space with its metadata
    const [id, stored] = [...vz.stored.entries()][0]!;
    expect(id.startsWith(`${SPACE}:`)).toBe(true);
    expect(stored).toMatchObject({ namespace: SPACE, metadata: { month: expect.stringMatching(/^\d{4}-\d{2}$/) } });
  });

  it("never fails or rolls back an ingest when the embedder or the index is down: the papers wait for the next run", async () => {
    ai.failWith = "error";
    const run = await ingestDay(withVectors());
    expect(run.status).toBe("ok");
    expect(run.inserted).toBeGreaterThan(20);
    expect(run.embedded).toBe(0);
    expect(run.embedError).toMatch(/AI is down/);
    expect(run.embedWaiting).toBe(await countOf("SELECT count(*) AS n FROM papers"));
    expect(await activeSpace(db())).toBeNull();

    ai.failWith = null;
    vz.failWith = "error";
    const second = await ingestDay(withVectors());
    expect(second).toMatchObject({ status: "ok", embedded: 0, embedError: expect.stringMatching(/Vectorize is down/) });

    vz.failWith = null;
    const third = await ingestDay(withVectors());
    expect(third).toMatchObject({ status: "ok", embedded: run.embedWaiting, embedWaiting: 0, embedError: null });
  });

  it("runs ingests as before without the bindings: no vector counts on the run", async () => {
    const run = await ingestDay(env);
    expect(run).toMatchObject({ status: "ok", embedded: null, embedWaiting: null });
  });

  it("re-embeds a paper whose title or abstract changed, and only that one", async () => {
    await ingestDay(withVectors());
    const vectors = (await vectorsFrom(withVectors(), db()))!;
    const [paper] = (await env.DB.prepare("SELECT id FROM papers ORDER BY id LIMIT 1").all<{ id: string }>()).results;
    await env.DB.prepare("UPDATE papers SET title = title || ' (v2)' WHERE id = ?").bind(paper!.id).run();
    expect(await papersWaiting(db(), SPACE)).toBe(1);
    ai.calls.length = 0;
    const outcome = await embedWaiting(db(), vectors, { limit: 100, now });
    expect(outcome).toMatchObject({ embedded: 1, remaining: 0, error: null });
    expect(ai.calls[0]!.input.documents).toEqual([expect.stringContaining("(v2)")]);
  });

  it("resumes a backfill cut off mid-way, chunk by chunk, and is safe to run twice", async () => {
    await ingestDay(env);
    const total = await countOf("SELECT count(*) AS n FROM papers");
    const vectors = (await vectorsFrom(withVectors(), db()))!;
    const small = { ...vectors, embedder: { ...vectors.embedder, maxBatch: 4 } };
    // the index fails on the third batch: the first two stay done
    let upserts = 0;
    const flaky = {
      ...small,
      index: {
        ...small.index,
        upsert: async (...args: Parameters<typeof small.index.upsert>) => {
          if (++upserts === 3) throw new Error("killed mid-way");
          return small.index.upsert(...args);
        },
      },
    };
    const cut = await embedWaiting(db(), flaky, { limit: 100, now });
    expect(cut).toMatchObject({ embedded: 8, remaining: total - 8, error: "killed mid-way" });
    const remaining: number[] = [];
    for (let i = 0; i < 20; i++) {
      const chunk = await embedWaiting(db(), small, { limit: 10, now });
      remaining.push(chunk.remaining);
      if (!chunk.remaining) break;
    }
    expect(remaining.at(-1)).toBe(0);
    expect(remaining).toEqual([...remaining].sort((a, b) => b - a));
    expect(await countOf("SELECT count(*) AS n FROM paper_vectors")).toBe(total);
    expect(await embedWaiting(db(), small, { limit: 10, now })).toMatchObject({ embedded: 0, remaining: 0 });
  });

  it("switches to a new model only once its space is complete", async () => {
    await ingestDay(withVectors());
    const next = (await vectorsFrom(withVectors({ EMBEDDING_DIMENSIONS: "64" }), db()))!;
    expect(next.embedder.key).toBe("qwen3-embedding-0.6b@64");
    const later = (minutes: number) => new Date(Date.now() + minutes * 60_000);
    const first = await embedWaiting(db(), next, { limit: 10, now: later(1) });
    expect(first.remaining).toBeGreaterThan(0);
    expect(await activeSpace(db())).toBe(SPACE);
    await embedWaiting(db(), next, { limit: 1000, now: later(2) });
    expect(await activeSpace(db())).toBe("qwen3-embedding-0.6b@64");
  });
});

describe("POST /admin/vectors/backfill", () => {
  const admin = { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json" };
  /** The ingest worker's side with the fakes: a service binding cannot carry them. */
  const ingestWithVectors = (): Partial<IngestService> => ({
    embedWaiting: async (limit) =>
      embedWaiting(db(), (await vectorsFrom(withVectors(), db()))!, { limit, now: new Date() }),
  });

  it("runs one bounded chunk and answers how many papers remain, until none do", async () => {
    await ingestDay(env);
    const total = await countOf("SELECT count(*) AS n FROM papers");
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await request(
        "/admin/vectors/backfill",
        { method: "POST", headers: admin, body: JSON.stringify({ limit: 12 }) },
        { env: { INGEST: { ...env.INGEST, ...ingestWithVectors() } as IngestService } },
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as { remaining: number; embedded: number; space: string };
      expect(body.space).toBe(SPACE);
      seen.push(body.remaining);
      if (!body.remaining) break;
    }
    expect(seen).toEqual(
      [Math.max(0, total - 12), Math.max(0, total - 24), Math.max(0, total - 36)].slice(0, seen.length),
    );
    expect(seen.at(-1)).toBe(0);

    const coverage = await request("/admin/vectors", { headers: { Authorization: admin.Authorization } });
    expect(await coverage.json()).toMatchObject({
      active: SPACE,
      papers: total,
      spaces: [{ space: SPACE, withVector: total, completedAt: expect.any(String) }],
    });
    const page = await request("/admin", { headers: { Authorization: admin.Authorization, Accept: "text/html" } });
    const html = await page.text();
    expect(html).toContain(SPACE);
    expect(html).toContain("answers");
  });

  it("refuses a bad limit and says so when vectors are off", async () => {
    const bad = await request("/admin/vectors/backfill", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ limit: 5000 }),
    });
    expect(bad.status).toBe(400);
    // the test worker's ingest side has no AI or VECTORIZE binding, as local runs have none
    const off = await request("/admin/vectors/backfill", { method: "POST", headers: admin, body: "{}" });
    expect(off.status).toBe(503);
    expect(await off.json()).toMatchObject({ code: "vectors_off", error: expect.stringMatching(/vectors are off/) });
  });
});

describe("related papers by meaning", () => {
  /** The ids a paper page lists under "Related papers". */
  async function relatedOn(id: string, vectorEnv: Partial<typeof env> & { VECTORIZE?: unknown } = {}) {
    memoryForget([`${env.SITE_URL}/papers/${id}`]);
    await caches.default.delete(new Request(`${env.SITE_URL}/papers/${id}`));
    const html = await (await request(`/papers/${id}`, {}, { env: vectorEnv as never })).text();
    const section = html.slice(html.indexOf('<section aria-labelledby="related">'));
    return [...section.matchAll(/<li class="card[^"]*" id="paper-([^"]+)"/g)].map((m) => m[1]!);
  }

  it("lists the nearest neighbours of the paper's vector, and by words without one or when the index fails", async () => {
    await ingestDay(withVectors());
    const [id] = (await env.DB.prepare("SELECT id FROM papers ORDER BY id LIMIT 1").all<{ id: string }>()).results.map(
      (r) => r.id,
    );
    const expected = (await vz.queryById(`${SPACE}:${id}`, { topK: 6, namespace: SPACE })).matches
      .map((m) => m.id.slice(SPACE.length + 1))
      .filter((p) => p !== id)
      .slice(0, 5);
    const byMeaning = await relatedOn(id!, { VECTORIZE: vz });
    expect(byMeaning).toEqual(expected);

    const byWords = await relatedOn(id!);
    vz.failWith = "error";
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    vz.stored.clear();
    expect(await relatedOn(id!, { VECTORIZE: vz })).toEqual(byWords);
    warn.mockRestore();
  });

  it("lists the same neighbours in the paper's Markdown and in the MCP tool", async () => {
    await ingestDay(withVectors());
    const [id] = (await env.DB.prepare("SELECT id FROM papers ORDER BY id LIMIT 1").all<{ id: string }>()).results.map(
      (r) => r.id,
    );
    const onPage = await relatedOn(id!, { VECTORIZE: vz });
    const md = await (await request(`/papers/${id}.md`, {}, { env: { VECTORIZE: vz } as never })).text();
    const listed = md.slice(md.indexOf("## Related papers"));
    expect([...listed.matchAll(/\(arXiv ([^)]+)\)/g)].map((m) => m[1])).toEqual(onPage);

    const client = new Client({ name: "paperboy-test", version: "1.0.0" });
    const fetchWithVectors = (input: string | URL | Request, init?: RequestInit) =>
      request(input instanceof Request ? input.url : String(input), init, { env: { VECTORIZE: vz } as never });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), { fetch: fetchWithVectors }));
    const result = await client.callTool({ name: "get_paper", arguments: { id } });
    await client.close();
    const related = (result.structuredContent as { related: { id: string }[] }).related.map((r) => r.id);
    expect(related).toEqual(onPage);
  });

  it("leaves hidden papers out of the neighbours", async () => {
    await ingestDay(withVectors());
    const [id] = (await env.DB.prepare("SELECT id FROM papers ORDER BY id LIMIT 1").all<{ id: string }>()).results.map(
      (r) => r.id,
    );
    const before = await relatedOn(id!, { VECTORIZE: vz });
    await env.DB.prepare("UPDATE papers SET hidden_at = ? WHERE id = ?").bind(now.toISOString(), before[0]).run();
    const after = await relatedOn(id!, { VECTORIZE: vz });
    expect(after).not.toContain(before[0]);
    expect(after).toHaveLength(5);
  });
});
