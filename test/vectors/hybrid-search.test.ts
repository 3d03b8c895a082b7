import { env } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { KEEP_FIRST } from "#shared/papers/fusion";
import { vectorsFrom } from "#shared/vectors/from-env";
import { embedWaiting } from "#shared/vectors/paper-vectors";
import { vectorId } from "#shared/vectors/vectorize";
import { memoryForget } from "../../workers/api/src/cache/memory-tier";
import type { Env } from "../../workers/api/src/env";
import { insertPapers } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import { type FakeAi, type FakeVectorize, fakeAi, fakeVectorize } from "../support/fake-vectors";
import { ORIGIN, request } from "../support/request";

const SPACE = "qwen3-embedding-0.6b@256";
/** A sentence (more than six words): the vector arm's kind of query. */
const SENTENCE = "sparse attention kernels make long context inference faster on commodity GPUs";
const WORDS = ["2601.00001", "2601.00002", "2601.00003", "2601.00004", "2601.00005"];
/** Shares no word with the sentence: only its vector, planted next to the sentence's, finds it. */
const MEANING = "2601.00010";
const HIDDEN = "2601.00011";
/** Near the sentence too, but holds the word the searches below exclude. */
const EXCLUDED = "2601.00012";

let ai: FakeAi;
let vz: FakeVectorize;
const withVectors = (more: Partial<Env> = {}) => ({ AI: ai, VECTORIZE: vz, ...more }) as Partial<Env>;

beforeEach(async () => {
  await emptyDatabase();
  ai = fakeAi();
  vz = fakeVectorize();
  await insertPapers([
    ...WORDS.map((id, i) => ({
      id,
      title: `Sparse attention kernels, part ${i + 1}`,
      abstract: `Long context inference on GPUs with sparse attention kernels${" and kernels".repeat(i)}.`,
    })),
    { id: MEANING, title: "Quantised caches of keys and values", abstract: "We shrink what a decoder remembers." },
    { id: HIDDEN, title: "A withdrawn preprint", abstract: "Nothing to see." },
    { id: EXCLUDED, title: "Tensor cores for decoders", abstract: "Tensor programs that a compiler schedules." },
    ...Array.from({ length: 12 }, (_, i) => ({
      id: `2601.002${String(i).padStart(2, "0")}`,
      title: `Unrelated work ${i}`,
      abstract: `Protein folding, ocean currents and chess openings, study ${i}.`,
    })),
  ]);
  const vectors = (await vectorsFrom({ ...env, ...withVectors() }, createDb(env.DB)))!;
  expect(await embedWaiting(createDb(env.DB), vectors, { limit: 1000, now: new Date() })).toMatchObject({
    remaining: 0,
  });
  // three papers' vectors sit on the sentence's own: the arm ranks them first
  const [query] = await vectors.embedder.embed([SENTENCE], "query");
  for (const id of [MEANING, HIDDEN, EXCLUDED])
    await vz.upsert([{ id: vectorId(SPACE, id), values: Array.from(query!), namespace: SPACE, metadata: {} }]);
  await env.DB.prepare("UPDATE papers SET hidden_at = ? WHERE id = ?").bind(new Date().toISOString(), HIDDEN).run();
  ai.calls.length = 0;
});

/** A request past every cache layer: each test asks the same addresses with other bindings. */
async function uncached(path: string, more: Partial<Env> = {}) {
  const url = new URL(path, env.SITE_URL).toString();
  memoryForget([url]);
  await caches.default.delete(new Request(url));
  return request(path, {}, { env: more });
}

async function apiSearch(q: string, more: Partial<Env> = {}) {
  const res = await uncached(`/api/papers/search?q=${encodeURIComponent(q)}&limit=20`, more);
  expect(res.status).toBe(200);
  const ids = ((await res.json()) as { paper: { id: string } }[]).map((r) => r.paper.id);
  return { ids, ranking: res.headers.get("X-Search-Ranking"), cache: res.headers.get("Cache-Control") };
}

describe("hybrid search", () => {
  it("keeps the words' first places and fuses the papers near the sentence's meaning below them", async () => {
    const words = await apiSearch(SENTENCE);
    expect(words.ranking).toBe("words");
    expect(words.ids).toEqual(expect.arrayContaining(WORDS));
    expect(words.ids).not.toContain(MEANING);

    const hybrid = await apiSearch(SENTENCE, withVectors());
    expect(hybrid.ranking).toBe("hybrid");
    expect(hybrid.ids.slice(0, KEEP_FIRST)).toEqual(words.ids.slice(0, KEEP_FIRST));
    expect(hybrid.ids).toContain(MEANING);
    expect(hybrid.ids.indexOf(MEANING)).toBeGreaterThanOrEqual(KEEP_FIRST);
    expect(hybrid.ids).toEqual(expect.arrayContaining(words.ids));
    // a hidden paper stays hidden whichever arm finds it
    expect(hybrid.ids).not.toContain(HIDDEN);
    expect(new Set(hybrid.ids).size).toBe(hybrid.ids.length);
    expect(ai.calls).toHaveLength(1);
    expect(ai.calls[0]!.input).toMatchObject({ queries: [SENTENCE] });
  });

  it("leaves out what a query excludes, and embeds the query without the excluded word", async () => {
    const q = `${SENTENCE} -tensor`;
    const hybrid = await apiSearch(q, withVectors());
    expect(hybrid.ranking).toBe("hybrid");
    expect(hybrid.ids).toContain(MEANING);
    expect(hybrid.ids).not.toContain(EXCLUDED);
    expect(ai.calls[0]!.input).toMatchObject({ queries: [SENTENCE] });
    expect((await apiSearch(SENTENCE, withVectors())).ids).toContain(EXCLUDED);
  });

  it("asks no vectors for a short query: a topic, a name or a few title words are the words' own", async () => {
    const short = await apiSearch("sparse attention kernels", withVectors());
    expect(short.ranking).toBe("words");
    expect(short.ids).not.toContain(MEANING);
    expect(ai.calls).toHaveLength(0);
  });

  it("answers the same ranking on the search page, the search feed and the MCP tool", async () => {
    const api = await apiSearch(SENTENCE, withVectors());
    const page = await uncached(`/search?q=${encodeURIComponent(SENTENCE)}`, withVectors());
    expect(page.headers.get("X-Search-Ranking")).toBe("hybrid");
    const html = await page.text();
    const onPage = [...html.matchAll(/<li class="card[^"]*" id="paper-([^"]+)"/g)].map((m) => m[1]);
    expect(onPage).toEqual(api.ids);

    const feed = await uncached(`/feeds/search.json?q=${encodeURIComponent(SENTENCE)}`, withVectors());
    expect(feed.headers.get("X-Search-Ranking")).toBe("hybrid");
    const items = ((await feed.json()) as { items: { url: string }[] }).items.map((i) => i.url.split("/papers/")[1]);
    expect(items).toEqual(api.ids);

    const client = new Client({ name: "paperboy-test", version: "1.0.0" });
    const fetchWithVectors = (input: string | URL | Request, init?: RequestInit) =>
      request(input instanceof Request ? input.url : String(input), init, { env: withVectors() });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), { fetch: fetchWithVectors }));
    const result = await client.callTool({ name: "search_papers", arguments: { query: SENTENCE, limit: 20 } });
    await client.close();
    expect((result.structuredContent as { papers: { id: string }[] }).papers.map((p) => p.id)).toEqual(api.ids);
  });
});

describe("the words answer alone when the vector arm cannot", () => {
  let words: string[];
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(async () => {
    words = (await apiSearch(SENTENCE)).ids;
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    return () => warn.mockRestore();
  });

  const expectFallback = async (more: Partial<Env>) => {
    const answer = await apiSearch(SENTENCE, more);
    expect(answer).toEqual({ ids: words, ranking: "words-fallback", cache: "public, max-age=0, s-maxage=5" });
    expect(warn).toHaveBeenCalledWith("search: the vector arm failed; words alone answer", expect.any(String));
  };

  it("when the query's embedding takes longer than its time limit", async () => {
    const silent = { run: () => new Promise<never>(() => {}) };
    await expectFallback({ ...withVectors(), AI: silent, QUERY_EMBED_TIMEOUT_MS: "50" });
  });

  it("when the model fails", async () => {
    ai.failWith = "error";
    await expectFallback(withVectors());
  });

  it("when the model answers NaN", async () => {
    ai.failWith = "nan";
    await expectFallback(withVectors());
  });

  it("when the model answers a vector of the wrong size", async () => {
    ai.failWith = "short";
    await expectFallback(withVectors());
  });

  it("when the index fails", async () => {
    vz.failWith = "error";
    await expectFallback(withVectors());
  });
});

describe("the arm stays out", () => {
  it("while the configured model's space is not complete: its vectors would not compare with the papers'", async () => {
    const other = await apiSearch(SENTENCE, withVectors({ EMBEDDING_DIMENSIONS: "128" }));
    expect(other.ranking).toBe("words");
    expect(ai.calls).toHaveLength(0);
  });

  it("when a curator switches it off, at once and without a deploy, and back on", async () => {
    const admin = { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json" };
    const flip = (body: string, name = "vector-search") =>
      request(`/admin/switches/${name}`, { method: "POST", headers: admin, body });

    expect((await flip("{}")).status).toBe(400);
    expect((await flip('{"on":"no"}')).status).toBe(400);
    expect((await flip('{"on":false}', "everything")).status).toBe(404);
    expect((await apiSearch(SENTENCE, withVectors())).ranking).toBe("hybrid");

    const off = await flip('{"on":false}');
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ name: "vector-search", on: false });
    ai.calls.length = 0;
    expect(await apiSearch(SENTENCE, withVectors())).toMatchObject({ ranking: "words" });
    expect(ai.calls).toHaveLength(0);
    const audit = await env.DB.prepare("SELECT action, target, before, after FROM audit_log").all();
    expect(audit.results).toEqual([
      { action: "flip-switch", target: "switch:vector-search", before: '{"on":true}', after: '{"on":false}' },
    ]);
    const dashboard = await request("/admin", { headers: { Authorization: admin.Authorization, Accept: "text/html" } });
    expect(await dashboard.text()).toContain("vector-search: off");

    expect((await flip('{"on":true}')).status).toBe(200);
    expect((await apiSearch(SENTENCE, withVectors())).ranking).toBe("hybrid");
  });
});
