import { describe, expect, it } from "vitest";
import { get } from "./api-support";

describe("API documentation", () => {
  it("GET /docs/api is a readable page listing every endpoint with a curl and the Python client", async () => {
    const res = await get("/docs/api");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();
    for (const path of ["/api/daily_papers", "/api/papers/search", "/api/papers/{id}", "/feeds/daily.rss", "/feeds/trending.atom", "/feeds/search.rss"]) {
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
    expect(await json.json()).toMatchObject({ openapi: "http://127.0.0.1:8787/api/openapi.json", docs: "http://127.0.0.1:8787/docs/api" });
    const html = await get("/api", { Accept: "text/html,application/xhtml+xml" });
    expect(html.status).toBe(302);
    expect(html.headers.get("Location")).toBe("/docs/api");
    expect(json.headers.get("Vary")).toContain("Accept");
    expect(html.headers.get("Vary")).toContain("Accept");
  });
});
