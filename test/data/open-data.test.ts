import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../workers/api/src/app";
import { CACHE_POLICIES } from "../../workers/api/src/cache/cache-policy";
import { DATA_PAGE_SIZE } from "../../workers/api/src/data/data-queries";
import { signedInAccount } from "../support/accounts";
import { ingestHfDaily, insertPapers } from "../support/catalog";
import { get, request } from "../support/request";

const SITE = "http://127.0.0.1:8787";
const FIELDS = [
  "day",
  "id",
  "title",
  "authors",
  "abstract",
  "categories",
  "primaryCategory",
  "published",
  "upvotes",
  "localUpvotes",
  "upstreamUpvotes",
  "numComments",
  "submitter",
  "codeUrl",
  "projectUrl",
  "githubStars",
  "arxivUrl",
  "pdfUrl",
];
const HOSTILE_TITLE = `Quotes " and \\ back\\slash, a tab\there, </script> & \u2028 line sep, \u0001 control, 日本語 and 🚀`;
const HOSTILE_ABSTRACT = "First line.\nSecond line.\r\nThird line.";
const BIG_MONTH = "2025-03";
const BIG_COUNT = 1200;

type Line = Record<string, unknown> & {
  day: string;
  id: string;
  upvotes: number;
  localUpvotes: number;
  upstreamUpvotes: number;
};

/** Each query the app runs through this D1, with the number of rows it returned. */
function recordingD1(d1: D1Database) {
  const queries: { sql: string; rows: number }[] = [];
  const wrap = (stmt: D1PreparedStatement, query: string): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args), query);
        if (prop === "all")
          return async () => {
            const r = await target.all();
            queries.push({ sql: query, rows: r.results.length });
            return r;
          };
        if (prop === "raw")
          return async (opts?: { columnNames?: boolean }) => {
            const r = await target.raw(opts as never);
            queries.push({ sql: query, rows: r.length });
            return r;
          };
        if (prop === "first")
          return async (col?: string) => {
            const r = await target.first(col as never);
            queries.push({ sql: query, rows: r === null ? 0 : 1 });
            return r;
          };
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const db = new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrap(target.prepare(query), query);
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, queries };
}

async function fileOf(month: string, options: Parameters<typeof get>[2] = {}) {
  const res = await get(`/data/${month}.jsonl`, {}, options);
  expect(res.status, month).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  expect(text.endsWith("\n")).toBe(true);
  const lines = text
    .slice(0, -1)
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
  return { res, bytes, text, lines };
}

/** Strictly in (day, id) order. */
const ordered = (lines: Line[]) =>
  lines.every((l, i) => i === 0 || (lines[i - 1]!.day === l.day ? lines[i - 1]!.id < l.id : lines[i - 1]!.day < l.day));

async function dataIndex() {
  const res = await get("/data/index.json");
  expect(res.status).toBe(200);
  return {
    res,
    index: (await res.json()) as {
      license: Record<string, string>;
      fields: Record<string, string>;
      months: { month: string; url: string; bytes: number; lines: number; etag: string }[];
    },
  };
}

beforeAll(async () => {
  await ingestHfDaily();
  await insertPapers([
    {
      id: "2606.90002",
      day: "2026-06-11",
      title: HOSTILE_TITLE,
      abstract: HOSTILE_ABSTRACT,
      authors: ["Zoë <Ünicode> & Co", 'B. "Quote" O\'Brien'],
      submitter: "akhaliq",
    },
    { id: "astro-ph/0601001", day: "2026-06-10", title: "Old-style id paper" },
  ]);
  // Comments written here count beside upstream's, as everywhere else; a deleted one does not.
  const at = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO comments (id, paper_id, body, created_at) VALUES ('c1', '2606.90002', 'one', ?1), ('c2', '2606.90002', 'two', ?1)",
    ).bind(at),
    env.DB.prepare(
      "INSERT INTO comments (id, paper_id, body, created_at, deleted_at) VALUES ('c3', '2606.90002', '', ?1, ?1)",
    ).bind(at),
  ]);
});

describe("GET /data/YYYY-MM.jsonl", () => {
  it("one JSON object per featured paper of the month, in day then id order, matching /api/daily_papers?month=", async () => {
    const { res, lines } = await fileOf("2026-06");
    expect(res.headers.get("Content-Type")).toBe("application/x-ndjson; charset=utf-8");
    const api = (await (await get("/api/daily_papers?month=2026-06&limit=100")).json()) as {
      paper: { id: string; upvotes: number };
      numComments: number;
    }[];
    expect(api.length).toBe(32);
    expect(lines).toHaveLength(api.length);
    expect(new Set(lines.map((l) => l.id))).toEqual(new Set(api.map((i) => i.paper.id)));
    for (const item of api) {
      const line = lines.find((l) => l.id === item.paper.id)!;
      expect(line.upvotes, item.paper.id).toBe(item.paper.upvotes);
      expect(line.upvotes).toBe(line.localUpvotes + line.upstreamUpvotes);
      expect(line.numComments).toBe(item.numComments);
    }
    expect(ordered(lines)).toBe(true);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(FIELDS);
      expect(line.arxivUrl).toBe(`https://arxiv.org/abs/${line.id}`);
      expect(line.pdfUrl).toBe(`https://arxiv.org/pdf/${line.id}`);
      expect(Array.isArray(line.authors)).toBe(true);
      expect(Array.isArray(line.categories)).toBe(true);
      expect(line.submitter === null || typeof line.submitter === "object").toBe(true);
    }
    const old = lines.find((l) => l.id === "astro-ph/0601001")!;
    expect(old).toMatchObject({
      day: "2026-06-10",
      authors: ["Ada Lovelace", "Alan Turing"],
      categories: ["cs.LG"],
      primaryCategory: "cs.LG",
      submitter: null,
      codeUrl: null,
    });
    const submitted = lines.find((l) => l.id === "2606.90002")!;
    expect(submitted.submitter).toEqual({ name: "akhaliq", fullname: null });
  });

  it("hostile text stays inside its line: quotes, backslashes, newlines, control and non-ASCII characters", async () => {
    const { text, lines } = await fileOf("2026-06");
    const line = lines.find((l) => l.id === "2606.90002")!;
    expect(line.title).toBe(HOSTILE_TITLE);
    expect(line.abstract).toBe(HOSTILE_ABSTRACT);
    expect(line.authors).toEqual(["Zoë <Ünicode> & Co", 'B. "Quote" O\'Brien']);
    expect(text.split("\n")).toHaveLength(lines.length + 1);
  });

  it("kept like a finished period's counts, tagged with its month; If-None-Match gives a 304", async () => {
    const { res } = await fileOf("2026-06");
    expect(res.headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
    expect(res.headers.get("Cache-Tag")!.split(",")).toEqual(expect.arrayContaining(["site", "month:2026-06"]));
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const tag = res.headers.get("ETag")!;
    expect(tag).toMatch(/^W\/"[0-9a-f]+"$/);
    const again = await get("/data/2026-06.jsonl", { "If-None-Match": tag });
    expect(again.status).toBe(304);
    expect(again.headers.get("ETag")).toBe(tag);
    expect(again.headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
  });

  it("a vote changes the ETag, even one that moves a vote from one paper to another", async () => {
    const before = (await get("/data/2026-06.jsonl")).headers.get("ETag")!;
    await env.DB.prepare("UPDATE papers SET local_upvotes = local_upvotes + 1 WHERE id = ?").bind("2606.90002").run();
    const voted = await get("/data/2026-06.jsonl", { "If-None-Match": before });
    expect(voted.status).toBe(200);
    const after = voted.headers.get("ETag")!;
    expect(after).not.toBe(before);
    // The same total and the same byte size (0 -> 1 on one paper, 1 -> 0 on the other): only the paper changed.
    await env.DB.batch([
      env.DB.prepare("UPDATE papers SET local_upvotes = local_upvotes - 1 WHERE id = ?").bind("2606.90002"),
      env.DB.prepare("UPDATE papers SET local_upvotes = local_upvotes + 1 WHERE id = ?").bind("astro-ph/0601001"),
    ]);
    const moved = await get("/data/2026-06.jsonl", { "If-None-Match": after });
    expect(moved.status).toBe(200);
    expect(moved.headers.get("ETag")).not.toBe(after);
    expect(moved.headers.get("ETag")).not.toBe(before);
  });

  it("a change that keeps every length (a curator's link fix, a submitter's rename) changes the ETag; the old one gets the new file", async () => {
    // Two papers of a month of their own, so that the other tests' month stays as they expect it.
    const curator = await signedInAccount("curator");
    const submitter = await signedInAccount("sub-aaaa");
    await insertPapers([
      { id: "2604.90001", day: "2026-04-14" },
      { id: "2604.90002", day: "2026-04-15" },
    ]);
    await env.DB.batch([
      env.DB.prepare("UPDATE papers SET code_url = 'https://github.com/example/aaaa' WHERE id = '2604.90001'"),
      env.DB.prepare(
        "UPDATE daily_entries SET source = 'submission', submitter_name = 'sub-aaaa', submitter_account_id = ?1 WHERE paper_id = '2604.90002'",
      ).bind(submitter.id),
    ]);
    const first = await fileOf("2026-04");
    const tag = first.res.headers.get("ETag")!;

    const fixed = await request(
      "/admin/papers/2604.90001/links",
      { method: "POST", headers: { Cookie: curator.cookie, Accept: "text/html" } },
      { form: { codeUrl: "https://github.com/example/bbbb", projectUrl: "" } },
    );
    expect(fixed.status).toBe(303);
    const fresh = await get("/data/2026-04.jsonl", { "If-None-Match": tag });
    expect(fresh.status).toBe(200);
    const fixedTag = fresh.headers.get("ETag")!;
    expect(fixedTag).not.toBe(tag);
    const fixedText = await fresh.text();
    expect(fixedText).toContain('"codeUrl":"https://github.com/example/bbbb"');
    expect(new TextEncoder().encode(fixedText).byteLength).toBe(first.bytes.byteLength);

    const renamed = await request(
      "/account/profile",
      { method: "POST", headers: { Cookie: submitter.cookie } },
      { form: { handle: "sub-bbbb", displayName: "" } },
    );
    expect(renamed.status).toBe(200);
    const again = await get("/data/2026-04.jsonl", { "If-None-Match": fixedTag });
    expect(again.status).toBe(200);
    expect(again.headers.get("ETag")).not.toBe(fixedTag);
    expect(again.headers.get("ETag")).not.toBe(tag);
    const renamedText = await again.text();
    expect(renamedText).toContain('"submitter":{"name":"sub-bbbb","fullname":null}');
    expect(renamedText.length).toBe(fixedText.length);
    const { index } = await dataIndex();
    expect(index.months.find((m) => m.month === "2026-04")!.etag).toBe(again.headers.get("ETag"));
  });

  it("HEAD answers the validators without reading a page of lines", async () => {
    const recorder = recordingD1(env.DB);
    const head = await request("/data/2026-06.jsonl", { method: "HEAD" }, { env: { DB: recorder.db } });
    expect(head.status).toBe(200);
    expect(head.headers.get("ETag")).toMatch(/^W\//);
    expect(recorder.queries).toHaveLength(1);
  });

  it("400 for a month that is not one, JSON 404 for a month without papers or another file name", async () => {
    for (const bad of ["2026-13", "2026-00", "2026-6", "june", "2026-06-01", "%3Cscript%3E"]) {
      const res = await get(`/data/${bad}.jsonl`);
      expect(res.status, bad).toBe(400);
      expect(await res.json(), bad).toEqual({ error: expect.stringContaining("YYYY-MM.jsonl"), code: "invalid_month" });
    }
    for (const missing of ["/data/2019-01.jsonl", "/data/2026-06.csv", "/data/2026-06.json", "/data/nothing/here"]) {
      const res = await get(missing);
      expect(res.status, missing).toBe(404);
      expect(res.headers.get("Content-Type"), missing).toMatch(/^application\/json/);
      expect(((await res.json()) as { code: string }).code, missing).toBe("not_found");
    }
  });
});

describe("GET /data/index.json", () => {
  it("lists each month with its line count, its exact byte size and its file's ETag", async () => {
    const { res, index } = await dataIndex();
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(res.headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
    const june = index.months.find((m) => m.month === "2026-06")!;
    const file = await fileOf("2026-06");
    expect(june).toEqual({
      month: "2026-06",
      url: `${SITE}/data/2026-06.jsonl`,
      bytes: file.bytes.byteLength,
      lines: file.lines.length,
      etag: file.res.headers.get("ETag"),
    });
    expect(index.months.map((m) => m.month)).toEqual([...index.months.map((m) => m.month)].sort());
    expect(Object.keys(index.fields)).toEqual(FIELDS);
  });

  it("says whose the data is: arXiv's metadata CC0, the daily selection as Hugging Face publishes it, Paperboy's own CC0", async () => {
    const { index } = await dataIndex();
    expect(index.license.arxivMetadata).toMatch(/arXiv.*CC0 1\.0/);
    expect(index.license.dailySelection).toMatch(/as published by Hugging Face.*check their terms/);
    expect(index.license.paperboy).toMatch(/votes.*arrangement.*CC0 1\.0/);
  });

  it("the index is ETagged, /data sends there, and the OpenAPI document describes both routes", async () => {
    const tag = (await get("/data/index.json")).headers.get("ETag")!;
    expect((await get("/data/index.json", { "If-None-Match": tag })).status).toBe(304);
    const redirect = await get("/data");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("Location")).toBe("/data/index.json");
    const doc = (await (await get("/api/openapi.json")).json()) as {
      paths: Record<string, { get: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    expect(Object.keys(doc.paths["/data/index.json"]!.get.responses["200"]!.content!)).toEqual(["application/json"]);
    expect(Object.keys(doc.paths["/data/{file}"]!.get.responses["200"]!.content!)).toEqual(["application/x-ndjson"]);
  });

  it("the about page tells how to load a month", async () => {
    const about = await (await get("/about")).text();
    expect(about).toContain('href="/data/index.json"');
    expect(about).toContain("pd.read_json(url, lines=True)");
    expect(about).toContain(`url = &quot;${SITE}/data/2026-06.jsonl&quot;`);
    expect(about).toContain(`read_json_auto(&#39;${SITE}/data/2026-06.jsonl&#39;)`);
  });
});

describe("a month of 1,200 papers", () => {
  beforeAll(async () => {
    await insertPapers(
      Array.from({ length: BIG_COUNT }, (_, i) => ({
        id: `2503.${String(BIG_COUNT - i).padStart(5, "0")}`,
        day: `${BIG_MONTH}-${String((i % 28) + 1).padStart(2, "0")}`,
        upvotes: i % 7,
        abstract: `Abstract ${i} ${"lorem ipsum ".repeat(40)}`,
      })),
    );
  }, 180_000);

  it("streams in pages: no D1 query returns more than a page, and the file has every line once, in order", async () => {
    const recorder = recordingD1(env.DB);
    const { lines, bytes, res } = await fileOf(BIG_MONTH, { env: { DB: recorder.db } });
    expect(lines).toHaveLength(BIG_COUNT);
    expect(new Set(lines.map((l) => l.id)).size).toBe(BIG_COUNT);
    expect(ordered(lines)).toBe(true);
    expect(recorder.queries.length).toBeGreaterThanOrEqual(BIG_COUNT / DATA_PAGE_SIZE + 1);
    expect(Math.max(...recorder.queries.map((q) => q.rows))).toBeLessThanOrEqual(DATA_PAGE_SIZE);
    expect(recorder.queries.filter((q) => q.rows === DATA_PAGE_SIZE)).toHaveLength(BIG_COUNT / DATA_PAGE_SIZE);

    const { index } = await dataIndex();
    expect(index.months.find((m) => m.month === BIG_MONTH)).toEqual({
      month: BIG_MONTH,
      url: `${SITE}/data/${BIG_MONTH}.jsonl`,
      bytes: bytes.byteLength,
      lines: BIG_COUNT,
      etag: res.headers.get("ETag"),
    });
  });

  it("asks D1 for the next page only when the reader wants more", async () => {
    const recorder = recordingD1(env.DB);
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${SITE}/data/${BIG_MONTH}.jsonl`, { headers: { "CF-Connecting-IP": "10.9.9.9" } }),
      { ...env, DB: recorder.db },
      ctx,
    );
    expect(res.status).toBe(200);
    expect(recorder.queries).toHaveLength(1); // the month's summary, before any line
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value).split("\n").filter(Boolean)).toHaveLength(DATA_PAGE_SIZE);
    expect(recorder.queries).toHaveLength(2);
    await reader.read();
    expect(recorder.queries).toHaveLength(3);
    await reader.cancel();
  });
});
