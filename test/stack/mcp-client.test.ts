import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, expect, inject, it } from "vitest";

// The SDK's own client over real HTTP against `npm run dev`'s stack (started by the global setup
// with the real captures), as an assistant would connect: `{ "url": "<site>/mcp" }`.
const baseUrl = inject("baseUrl");
let client: Client;

beforeAll(async () => {
  client = new Client({ name: "paperboy-stack-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", baseUrl)));
});

afterAll(async () => {
  await client?.close();
});

const text = (result: Awaited<ReturnType<Client["callTool"]>>) =>
  (result.content as { type: string; text: string }[]).map((c) => c.text).join("\n");

it("lists the tools and calls each one", async () => {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual([
    "author_papers",
    "daily_papers",
    "get_paper",
    "search_papers",
    "trending_papers",
  ]);

  const daily = await client.callTool({ name: "daily_papers", arguments: { date: "2026-06-12", limit: 3 } });
  const papers = (daily.structuredContent as { papers: { id: string }[] }).papers;
  expect(papers).toHaveLength(3);
  expect(text(daily)).toContain("# Papers of Jun 12, 2026");

  const trending = await client.callTool({ name: "trending_papers", arguments: { limit: 2 } });
  expect((trending.structuredContent as { papers: unknown[] }).papers).toHaveLength(2);

  const search = await client.callTool({ name: "search_papers", arguments: { query: "drone", limit: 2 } });
  expect((search.structuredContent as { papers: { id: string }[] }).papers[0]!.id).toBe("2606.08039");

  const paper = await client.callTool({
    name: "get_paper",
    arguments: { id: `https://arxiv.org/abs/${papers[0]!.id}v1` },
  });
  expect(paper.isError).toBeFalsy();
  expect(text(paper)).toContain("## Abstract");

  const bad = await client.callTool({ name: "get_paper", arguments: { id: "nope" } });
  expect(bad.isError).toBe(true);
  expect(text(bad)).toContain("is not an arXiv id");
});
