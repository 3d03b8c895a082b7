import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { RATE_LIMIT_PERIOD_S, RATE_LIMIT_REQUESTS } from "../../workers/api/src/http/client-limit";
import wranglerToml from "../../wrangler.toml?raw";
import { get, ingestRealCapture } from "./api-support";

describe("API documentation", () => {
  it("GET /docs/api is a readable page listing every endpoint with a curl and the Python client", async () => {
    const res = await get("/docs/api");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();
    for (const path of [
      "/api/daily_papers",
      "/api/papers/search",
      "/api/papers/{id}",
      "/feeds/daily.rss",
      "/feeds/trending.atom",
      "/feeds/search.rss",
    ]) {
      expect(html).toContain(`GET ${path}`);
    }
    expect(html).toContain("curl -i &#39;http://127.0.0.1:8787/api/daily_papers?date=2026-06-12&amp;limit=5&#39;");
    expect(html).toContain("HfApi(endpoint=&quot;http://127.0.0.1:8787&quot;)");
    expect(html).toContain("Retry-After");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<style");
    expect(html).toMatch(/<link rel="stylesheet" href="\/static\/site\.[^"]+\.css"/);
  });

  it("GET /api answers JSON to programs and sends browsers to the docs", async () => {
    const json = await get("/api");
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({
      openapi: "http://127.0.0.1:8787/api/openapi.json",
      docs: "http://127.0.0.1:8787/docs/api",
    });
    const html = await get("/api", { Accept: "text/html,application/xhtml+xml" });
    expect(html.status).toBe(302);
    expect(html.headers.get("Location")).toBe("/docs/api");
    expect(json.headers.get("Vary")).toContain("Accept");
    expect(html.headers.get("Vary")).toContain("Accept");
  });
});

/** The `<pre>` after the heading with this id, as text. */
function preAfter(html: string, id: string): string {
  const pre = new RegExp(`<h2 id="${id}">[\\s\\S]*?<pre>([\\s\\S]*?)</pre>`).exec(html)?.[1] ?? "";
  return pre
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/**
 * Python's block structure, checked without Python: a line ending in ":" opens a block whose lines
 * are indented deeper; any other line is at the indentation of an open block. Returns the lines
 * that break it, and for each line the statements whose blocks hold it.
 */
function pythonBlocks(source: string) {
  const errors: string[] = [];
  const open: { indent: number; header: string }[] = [];
  const parents = new Map<string, string[]>();
  let header: { indent: number; line: string } | null = null;
  for (const line of source.split("\n")) {
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    if (header) {
      if (indent > header.indent) open.push({ indent, header: header.line.trim() });
      else errors.push(`not indented under "${header.line.trim()}": ${line}`);
      header = null;
    }
    while (open.length && indent < open.at(-1)!.indent) open.pop();
    if (indent !== (open.at(-1)?.indent ?? 0)) errors.push(`unexpected indent: ${line}`);
    parents.set(
      line.trim(),
      open.map((b) => b.header),
    );
    if (line.trimEnd().endsWith(":")) header = { indent, line };
  }
  if (header) errors.push(`empty block: ${header.line.trim()}`);
  return { errors, parents };
}

describe("the examples on /docs/api", () => {
  it("the Python snippet is well-formed Python: the print is inside the for loop", async () => {
    const python = preAfter(await (await get("/docs/api")).text(), "python");
    expect(python).toContain("from huggingface_hub import HfApi");
    const { errors, parents } = pythonBlocks(python);
    expect(errors).toEqual([]);
    const loop = [...parents.keys()].find((l) => l.startsWith("for paper in api.list_daily_papers("));
    expect(loop).toBeDefined();
    expect(parents.get("print(paper.id, paper.upvotes, paper.title)")).toEqual([loop]);
    // After the loop, back at the top level.
    expect(parents.get('print(api.paper_info("2606.00467").summary)')).toEqual([]);
  });

  it("the structure check catches the bug the snippet once had (print outside the for)", () => {
    expect(pythonBlocks("for p in xs:\nprint(p)").errors).not.toEqual([]);
    expect(pythonBlocks("for p in xs:\n    print(p)\nprint(1)").errors).toEqual([]);
    expect(pythonBlocks("x = 1\n    print(x)").errors).not.toEqual([]);
  });

  it("the README's Python snippet is well-formed too", () => {
    const python = /### From Python, with `huggingface_hub`\s+```python\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(python).toContain("HfApi(endpoint=");
    const { errors, parents } = pythonBlocks(python);
    expect(errors).toEqual([]);
    expect(parents.get("print(paper.id, paper.upvotes, paper.comments, paper.submitted_at, paper.title)")).toEqual([
      'for paper in api.list_daily_papers(date="2026-06-12"):',
    ]);
  });

  it("every curl example answers 200 against the real capture", async () => {
    await ingestRealCapture();
    const html = await (await get("/docs/api")).text();
    const urls = [...html.matchAll(/curl -i &#39;http:\/\/127\.0\.0\.1:8787([^&]*(?:&amp;[^&]*)*?)&#39;/g)].map((m) =>
      m[1]!.replaceAll("&amp;", "&"),
    );
    expect(urls.length).toBeGreaterThanOrEqual(10);
    for (const url of urls) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      await res.arrayBuffer();
    }
  });
});

describe("the rate limit's numbers", () => {
  const ratelimit =
    /\[\[ratelimits\]\]\s*\nname = "API_RATE_LIMIT"[\s\S]*?simple = \{ limit = (\d+), period = (\d+) \}/.exec(
      wranglerToml,
    );

  it("the code's constants are wrangler.toml's [[ratelimits]] limit and period", () => {
    expect(ratelimit, "API_RATE_LIMIT in wrangler.toml").not.toBeNull();
    expect(Number(ratelimit![1])).toBe(RATE_LIMIT_REQUESTS);
    expect(Number(ratelimit![2])).toBe(RATE_LIMIT_PERIOD_S);
  });

  it("the docs state them: /docs/api, the OpenAPI document and the README", async () => {
    const page = await (await get("/docs/api")).text();
    expect(page).toContain(`Each client may make ${RATE_LIMIT_REQUESTS} requests every ${RATE_LIMIT_PERIOD_S} seconds`);
    const doc = (await (await get("/api/openapi.json")).json()) as {
      paths: Record<string, { get: { responses: Record<string, { description: string }> } }>;
    };
    expect(doc.paths["/api/daily_papers"]!.get.responses["429"]!.description).toContain(
      `more than ${RATE_LIMIT_REQUESTS} in ${RATE_LIMIT_PERIOD_S} s`,
    );
    // The README words a 60-second window as "a minute".
    expect(RATE_LIMIT_PERIOD_S).toBe(60);
    expect(readme).toContain(`Rate limit: ${RATE_LIMIT_REQUESTS} requests a minute per client address`);
    expect(readme).toContain(`\`Retry-After: ${RATE_LIMIT_PERIOD_S}\``);
  });
});
