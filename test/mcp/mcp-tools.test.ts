import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MCP_MAX_LIMIT } from "../../workers/api/src/mcp/mcp-tools";
import { ingestHfDaily } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import { ORIGIN, request } from "../support/request";

// The SDK's own client, its requests answered by the app in workerd (no network).
let client: Client;

beforeAll(async () => {
  await emptyDatabase();
  await ingestHfDaily();
  client = new Client({ name: "paperboy-test", version: "1.0.0" });
  const fetchThroughApp = (input: string | URL | Request, init?: RequestInit) =>
    request(input instanceof Request ? input.url : String(input), init);
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), { fetch: fetchThroughApp }));
});

afterAll(async () => {
  await client?.close();
});

type Summary = { id: string; upvotes: number; featuredOn: string | null; title: string };
const call = async (name: string, args: Record<string, unknown>) => {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join("\n");
  return {
    result,
    text,
    structured: result.structuredContent as
      | { papers?: Summary[]; paper?: Summary & { abstract: string }; related?: Summary[] }
      | undefined,
  };
};

describe("the MCP server", () => {
  it("lists its five tools, each with an input and an output schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "author_papers",
      "daily_papers",
      "get_paper",
      "search_papers",
      "trending_papers",
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe("object");
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(tool.description!.length, tool.name).toBeGreaterThan(20);
    }
  });

  it("daily_papers: a day's papers, most upvoted first, as structured content and Markdown, like the API", async () => {
    const { result, text, structured } = await call("daily_papers", { date: "2026-06-12", limit: 5 });
    expect(result.isError).toBeFalsy();
    const papers = structured!.papers!;
    expect(papers).toHaveLength(5);
    const api = (await (await request("/api/daily_papers?date=2026-06-12&limit=5")).json()) as {
      paper: { id: string };
    }[];
    expect(papers.map((p) => p.id)).toEqual(api.map((i) => i.paper.id));
    expect(papers.every((p, i) => i === 0 || papers[i - 1]!.upvotes >= p.upvotes)).toBe(true);
    expect(text).toContain("# Papers of Jun 12, 2026 (most upvoted)");
    expect(text).toContain(`1. **${papers[0]!.title.replace(/([\\`*_[\]<>|#!])/g, "\\$1")}** (arXiv ${papers[0]!.id})`);
  });

  it("daily_papers: a week, a month, the latest day, another sort; the same shape each time", async () => {
    for (const args of [
      { week: "2026-W24" },
      { month: "2026-06", sort: "newest" },
      {},
      { sort: "trending", limit: 3 },
    ]) {
      const { result, structured } = await call("daily_papers", args);
      expect(result.isError, JSON.stringify(args)).toBeFalsy();
      expect(structured!.papers!.length, JSON.stringify(args)).toBeGreaterThan(0);
      expect(structured!.papers!.every((p) => p.featuredOn === "2026-06-12")).toBe(true);
    }
    const empty = await call("daily_papers", { date: "2001-01-01" });
    expect(empty.result.isError).toBeFalsy();
    expect(empty.structured).toEqual({ papers: [] });
    expect(empty.text).toContain("No papers.");
  });

  it("answers bad arguments with a tool error that says what is wrong, never a failure of the call", async () => {
    for (const [name, args, message] of [
      ["daily_papers", { date: "2026-02-30" }, "2026-02-30 is not a real day"],
      ["daily_papers", { date: "12/06/2026" }, "date must look like 2026-06-12"],
      ["daily_papers", { week: "2021-W53" }, "2021 has no week 53"],
      ["daily_papers", { date: "2026-06-12", month: "2026-06" }, "at most one of date, week or month"],
      ["daily_papers", { limit: MCP_MAX_LIMIT + 1 }, "limit"],
      ["trending_papers", { limit: 0 }, "limit"],
      ["search_papers", { query: "   " }, "query must not be empty"],
      ["search_papers", {}, "query"],
      ["get_paper", { id: "not an id" }, "is not an arXiv id"],
      ["get_paper", { id: "2606.99999" }, "not in Paperboy's catalog"],
    ] as const) {
      const { result, text } = await call(name, args);
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(text, `${name} ${JSON.stringify(args)}`).toContain(message);
    }
  });

  it("trending_papers and search_papers return the API's papers", async () => {
    const trending = await call("trending_papers", { limit: 3 });
    expect(trending.structured!.papers).toHaveLength(3);
    const search = await call("search_papers", { query: "drone simulator", limit: 3 });
    expect(search.structured!.papers![0]!.id).toBe("2606.08039");
    expect(search.text).toContain("# Search: drone simulator");
  });

  it("get_paper: any pasted form of the id gives the paper's Markdown page with its related papers", async () => {
    for (const id of [
      "2606.08039",
      "2606.08039v2",
      "arXiv:2606.08039",
      "https://arxiv.org/pdf/2606.08039v1.pdf",
      "arxiv.org/abs/2606.08039",
    ]) {
      const { result, text, structured } = await call("get_paper", { id });
      expect(result.isError, id).toBeFalsy();
      expect(structured!.paper!.id).toBe("2606.08039");
      expect(text).toMatch(/^# MuJoCo-Drones-Gym/);
      expect(text).toContain("## Abstract");
      expect(text).toContain("## AI summary");
      expect(text).toContain("**Keywords:**");
    }
    const { text, structured } = await call("get_paper", { id: "2606.08039" });
    expect(structured!.related!.length).toBeGreaterThan(0);
    expect(text).toContain("## Related papers");
  });
});

describe("/mcp over HTTP", () => {
  it("lets browser clients in with CORS, refuses GET with 405, and counts against the client's rate limit", async () => {
    const preflight = await request("/mcp", {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,mcp-protocol-version",
      },
    });
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("mcp-protocol-version");
    const get = await request("/mcp", { headers: { Accept: "text/event-stream" } });
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ code: "method_not_allowed" });
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const post = () =>
      request(
        "/mcp",
        {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
          body,
        },
        { client: "192.0.2.77" },
      );
    let last: Response | undefined;
    for (let i = 0; i < 200 && (last = await post()).status !== 429; i++);
    expect(last!.status).toBe(429);
    expect(last!.headers.get("Retry-After")).toMatch(/^\d+$/);
  });

  it("refuses a JSON-RPC batch (an array of calls) with a JSON-RPC error and 400, running none of them", async () => {
    const headers = {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "Mcp-Protocol-Version": "2025-06-18",
    };
    const params = { name: "search_papers", arguments: { query: "drone simulator" } };
    const calls = Array.from({ length: 150 }, (_, i) => ({ jsonrpc: "2.0", id: i + 1, method: "tools/call", params }));
    const res = await request("/mcp", { method: "POST", headers, body: JSON.stringify(calls) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      jsonrpc: string;
      id: unknown;
      error: { code: number; message: string };
      result?: unknown;
    };
    expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
    expect(body.error.message).toContain("batch");
    expect(JSON.stringify(body)).not.toContain("2606.08039");
    const broken = await request("/mcp", { method: "POST", headers, body: "[{" });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: -32700 } });
    // One call alone still runs.
    const one = await request("/mcp", { method: "POST", headers, body: JSON.stringify(calls[0]) });
    expect(one.status).toBe(200);
    expect(await one.text()).toContain("2606.08039");
  });
});
