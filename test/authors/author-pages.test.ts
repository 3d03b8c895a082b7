import { env } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { beforeAll, describe, expect, it } from "vitest";
import { authorKey, authorPath } from "#shared/papers/authors";
import { insertPapers } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import { ORIGIN, request } from "../support/request";

// One name written four ways (NFC, upper case, decomposed accents, extra spaces), a different name
// that the index's diacritic folding confuses with it, and two names that sit side by side.
const NFC = "José García";
const SPELLINGS = [NFC, "JOSÉ GARCÍA", "Jose\u0301 Garci\u0301a", " José  García "];

beforeAll(async () => {
  await emptyDatabase();
  const rows = [];
  for (let i = 0; i < 33; i++) {
    const day = `2026-0${1 + Math.floor(i / 28)}-${String((i % 28) + 1).padStart(2, "0")}`;
    rows.push({
      id: `2601.${String(10000 + i)}`,
      day: i % 3 === 0 ? day : undefined,
      authors: [SPELLINGS[i % 4]!, "Grace Hopper"],
      published: day,
    });
  }
  await insertPapers(rows.map((r) => ({ id: r.id, day: r.day, authors: r.authors })));
  // published follows the id, newest last: ids sort as their publication
  await env.DB.prepare(
    "UPDATE papers SET published = strftime('%Y-%m-%dT%H:%M:%fZ', '2026-03-01', '+' || substr(id, 6) || ' hours')",
  ).run();
  await insertPapers([
    { id: "2602.00001", authors: ["Jose Garcia"] },
    { id: "2602.00002", authors: ["Xiao José", "García Li"] },
    { id: "2602.00003", authors: [NFC], title: "A hidden paper" },
  ]);
  await env.DB.prepare("UPDATE papers SET hidden_at = '2026-03-01T00:00:00.000Z' WHERE id = '2602.00003'").run();
});

describe("author pages", () => {
  it("one key for a name whatever its Unicode form, case or spacing", () => {
    expect(new Set(SPELLINGS.map(authorKey))).toEqual(new Set([authorKey(NFC)]));
    expect(authorKey("Jose Garcia")).not.toBe(authorKey(NFC));
  });

  it("lists every paper of the name, newest first, paged, the featured ones marked, and no one else's", async () => {
    const res = await request(authorPath("jose\u0301 garci\u0301a"));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>José García</h1>");
    expect(html).toContain("33 papers in the catalog with an author named José García");
    expect(html).toContain("A name is not an identity");
    const ids = [...html.matchAll(/id="paper-([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(30);
    expect(ids[0]).toBe("2601.10032");
    expect(ids).toEqual([...ids].sort().reverse());
    expect(ids).not.toContain("2602.00001");
    expect(ids).not.toContain("2602.00002");
    expect(ids).not.toContain("2602.00003");
    // featured: every third paper, marked with its day
    expect(html.match(/Featured <a href="\/papers\/date\//g)).toHaveLength(10);
    expect(html).toContain('href="/authors/Jos%C3%A9%20Garc%C3%ADa?page=2"');
    const two = await (await request(`${authorPath(NFC)}?page=2`)).text();
    expect([...two.matchAll(/id="paper-([^"]+)"/g)].map((m) => m[1])).toEqual([
      "2601.10002",
      "2601.10001",
      "2601.10000",
    ]);
  });

  it("cards and paper pages link every author name to their page", async () => {
    const paper = await (await request("/papers/2601.10000")).text();
    expect(paper).toContain(`<a href="/authors/Jos%C3%A9%20Garc%C3%ADa">José García</a>`);
    expect(paper).toContain(`<a href="/authors/Grace%20Hopper">Grace Hopper</a>`);
    const page = await (await request(authorPath("Grace Hopper"))).text();
    expect(page).toContain(`<a href="/authors/Grace%20Hopper">Grace Hopper</a>`);
  });

  it("an unknown name is a 404 that says so; a bad name a 400; neither echoes markup", async () => {
    const unknown = await request(authorPath("<b>Nobody</b>"));
    expect(unknown.status).toBe(404);
    const text = await unknown.text();
    expect(text).toContain("no paper in the catalog has an author named &lt;b&gt;Nobody&lt;/b&gt;");
    expect(text).not.toContain("<b>Nobody</b>");
    expect((await request(`/authors/${"a".repeat(101)}`)).status).toBe(400);
    expect((await request("/authors/Ada%01Lovelace")).status).toBe(400);
    expect((await request("/authors/%20")).status).toBe(400);
  });

  it("the same as JSON under /api, described in the OpenAPI document", async () => {
    const res = await request("/api/authors/JOS%C3%89%20GARC%C3%8DA?p=1");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      name: string;
      total: number;
      p: number;
      pageSize: number;
      papers: { paper: { id: string; authors: { name: string }[] }; featured: boolean }[];
    };
    expect(body).toMatchObject({ name: NFC, total: 33, p: 1, pageSize: 30 });
    expect(body.papers.map((p) => p.paper.id)).toEqual(["2601.10002", "2601.10001", "2601.10000"]);
    expect(body.papers.map((p) => p.featured)).toEqual([false, false, true]);
    const none = (await (await request("/api/authors/Nobody%20At%20All")).json()) as { total: number; papers: [] };
    expect(none).toMatchObject({ total: 0, papers: [] });
    const bad = await request(`/api/authors/${"a".repeat(101)}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/at most 100/);
    const doc = (await (await request("/api/openapi.json")).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths["/api/authors/{name}"]).toBeDefined();
    expect(doc.components.schemas.AuthorPapers).toBeDefined();
  });

  it("and as an MCP tool", async () => {
    const client = new Client({ name: "paperboy-test", version: "1.0.0" });
    const fetchThroughApp = (input: string | URL | Request, init?: RequestInit) =>
      request(input instanceof Request ? input.url : String(input), init);
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), { fetch: fetchThroughApp }));
    try {
      const result = await client.callTool({ name: "author_papers", arguments: { name: "josé garcía", page: 1 } });
      expect(result.isError).toBeFalsy();
      const structured = result.structuredContent as { name: string; total: number; papers: { id: string }[] };
      expect(structured.name).toBe(NFC);
      expect(structured.total).toBe(33);
      expect(structured.papers.map((p) => p.id)).toEqual(["2601.10002", "2601.10001", "2601.10000"]);
      const bad = await client.callTool({ name: "author_papers", arguments: { name: "" } });
      expect(bad.isError).toBe(true);
    } finally {
      await client.close();
    }
  });
});
