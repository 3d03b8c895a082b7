import { beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../../workers/api/src/api/api-routes";
import { HfDailyPapers, HfPaper } from "../../workers/api/src/api/hf-schema";
import { dataRoutes } from "../../workers/api/src/data/data-routes";
import { ErrorCode } from "../../workers/api/src/errors";
import { feedRoutes } from "../../workers/api/src/feeds/feed-routes";
import { addressKey, clientKey } from "../../workers/api/src/http/client-limit";
import { freshWindow, WINDOW_TEST_TIMEOUT } from "../support/rate-limit-window";
import { get, ingestRealCapture, insertPapers, request } from "./api-support";

type Json = Record<string, any>;

beforeAll(async () => {
  await ingestRealCapture();
  await insertPapers([{ id: "astro-ph/0601001", day: "2006-01-02" }, { id: "2601.00001" }]);
});

describe("the hf-schema contract", () => {
  it("passes every response of ours: daily papers of each period, search, single papers", async () => {
    for (const path of [
      "/api/daily_papers",
      "/api/daily_papers?date=2026-06-12&sort=trending",
      "/api/daily_papers?week=2026-W24&limit=5&p=1",
      "/api/daily_papers?month=2006-01",
      "/api/papers/search?q=language%20models",
    ]) {
      const body = await (await get(path)).json();
      const result = HfDailyPapers.safeParse(body);
      expect(result.error?.issues ?? [], path).toEqual([]);
      expect((body as unknown[]).length, path).toBeGreaterThan(0);
      // Fields the 2024 schema lacked are always present in ours.
      for (const item of body as Json[]) {
        expect(item.summary).toBe(item.paper.summary);
        expect(typeof item.isAuthorParticipating).toBe("boolean");
        expect(item.paper.submittedOnDailyAt).toMatch(/T00:00:00\.000Z$/);
        expect(item.paper.upvotes).toBe(item.paper.localUpvotes + item.paper.upstreamUpvotes);
      }
    }
    for (const id of ["2606.00467", "astro-ph/0601001", "2601.00001"]) {
      const result = HfPaper.safeParse(await (await get(`/api/papers/${id}`)).json());
      expect(result.error?.issues ?? [], id).toEqual([]);
    }
  });

  it("leaves the daily fields out for a catalog paper that was never featured", async () => {
    const paper = (await (await get("/api/papers/2601.00001")).json()) as Json;
    expect(paper).not.toHaveProperty("submittedOnDailyAt");
    expect(paper).not.toHaveProperty("submittedOnDailyBy");
    expect(paper.upvotes).toBe(0);
  });

  it("gives every field huggingface_hub's PaperInfo reads, under the names it reads", async () => {
    const [item] = (await (await get("/api/daily_papers?date=2026-06-12&limit=1")).json()) as Json[];
    // PaperInfo(**item): paper.id, paper.authors[].name, paper.publishedAt, title, paper.summary, paper.upvotes,
    // paper.discussionId, numComments, publishedAt (submitted_at), submittedBy (User(**...)).
    expect(item).toMatchObject({
      paper: {
        id: expect.any(String),
        publishedAt: expect.any(String),
        summary: expect.any(String),
        upvotes: expect.any(Number),
        discussionId: expect.any(String),
      },
      title: expect.any(String),
      numComments: expect.any(Number),
      publishedAt: expect.any(String),
      submittedBy: { fullname: expect.any(String), avatarUrl: expect.any(String) },
    });
    expect(item!.paper.authors.every((a: Json) => typeof a.name === "string")).toBe(true);
  });
});

describe("OpenAPI", () => {
  it("describes every endpoint, generated from the same schemas", async () => {
    const res = await get("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/daily_papers",
        "/api/papers/search",
        "/api/papers/{id}",
        "/feeds/daily.rss",
        "/feeds/search.atom",
      ]),
    );
    const params = doc.paths["/api/daily_papers"].get.parameters.map((p: Json) => p.name);
    expect(params).toEqual(["date", "week", "month", "submitter", "sort", "p", "limit"]);
    const limit = doc.paths["/api/daily_papers"].get.parameters.find((p: Json) => p.name === "limit");
    expect(limit.schema).toEqual({ type: "integer", minimum: 1, maximum: 100, default: 50 });
    expect(doc.components.schemas.Paper.required).toEqual(
      expect.arrayContaining(["id", "authors", "publishedAt", "title", "summary", "upvotes", "discussionId"]),
    );
    expect(doc.components.schemas.DailyPaper.properties.submittedBy.$ref).toBe("#/components/schemas/User");
    expect(doc.components.schemas.Error.required).toEqual(["error", "code"]);
    expect(JSON.stringify(doc)).not.toContain("__shared");
    // Every $ref resolves.
    for (const [, target] of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(doc.components.schemas, target).toHaveProperty(target!);
    }
  });
});

describe("OpenAPI comes from the routes", () => {
  it("documents exactly the GET routes the API, the feeds and the open data serve", async () => {
    const doc = (await (await get("/api/openapi.json")).json()) as Json;
    // Hono's routing table (one entry per validator and handler), not the document's registry: what a request can reach.
    const served = (prefix: string, routes: { method: string; path: string }[]) =>
      routes
        .filter((r) => r.method === "GET" && r.path !== "/" && !r.path.includes("*"))
        .map((r) => prefix + r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}"));
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        ...new Set([
          ...served("/api", apiRoutes.routes),
          ...served("/feeds", feedRoutes.routes),
          ...served("/data", dataRoutes.routes),
        ]),
      ].sort(),
    );
  });
});

describe("absolute links", () => {
  it("come from SITE_URL, never from the host a request was sent to", async () => {
    const site = "http://127.0.0.1:8787"; // SITE_URL in wrangler.toml
    const other = "https://paperboy-api.someone.workers.dev";
    for (const path of [
      "/api/daily_papers?date=2026-06-12&limit=5",
      "/feeds/daily.rss",
      "/feeds/daily.atom",
      "/feeds/daily.json",
      "/api/openapi.json",
      "/robots.txt",
      "/sitemap.xml",
      "/sitemap/2026-06.xml",
      "/data/index.json",
      "/papers/2606.00467",
      "/papers/2606.00467.md",
    ]) {
      const res = await get(`${other}${path}`);
      expect(res.status, path).toBe(200);
      const written = `${res.headers.get("Link") ?? ""}${await res.text()}`;
      expect(written, path).not.toContain("workers.dev");
      expect(written, path).toContain(site);
    }
  });

  it("every page names its canonical address on SITE_URL, whatever host the request was sent to", async () => {
    const other = "https://paperboy-api.someone.workers.dev";
    const expected: [string, string][] = [
      ["/", "/papers/date/2026-06-12"], // the home page is the latest day's
      ["/papers/date/2026-06-12", "/papers/date/2026-06-12"],
      ["/papers/week/2026-W24", "/papers/week/2026-W24"],
      ["/papers/month/2026-06", "/papers/month/2026-06"],
      ["/papers/trending", "/papers/trending"],
      ["/about", "/about"],
      ["/papers/2606.00467", "/papers/2606.00467"],
      ["/docs/api", "/docs/api"],
    ];
    for (const [path, canonical] of expected) {
      const res = await get(`${other}${path}`);
      expect(res.status, path).toBe(200);
      const link = /<link rel="canonical" href="([^"]*)"/.exec(await res.text())?.[1];
      expect(link, path).toBe(`http://127.0.0.1:8787${canonical}`);
    }
  });
});

describe("repeated query parameters", () => {
  it("read the first value, as before the routes were declared with createRoute", async () => {
    const res = await get("/api/daily_papers?date=2026-06-12&limit=2&limit=1000");
    expect(res.status).toBe(200);
    expect((await res.json()) as Json[]).toHaveLength(2);
    expect((await get("/api/daily_papers?limit=1000&limit=2")).status).toBe(400);
    expect((await get("/api/papers/search?q=attention&q=")).status).toBe(200);
    expect((await get("/feeds/search.rss?q=attention&q=")).status).toBe(200);
  });
});

describe("error codes", () => {
  it("the OpenAPI document lists exactly the codes of the one ErrorCode enum", async () => {
    const doc = (await (await get("/api/openapi.json")).json()) as Json;
    expect(doc.components.schemas.Error.properties.code.enum).toEqual(ErrorCode.options);
    expect(ErrorCode.options).toEqual(
      expect.arrayContaining([
        "invalid_request",
        "invalid_date",
        "invalid_id",
        "not_found",
        "method_not_allowed",
        "rate_limited",
        "internal_error",
      ]),
    );
  });
});

describe("CORS for read-only use", () => {
  it("lets any origin read, without credentials, and exposes Link and ETag", async () => {
    const res = await get("/api/daily_papers?limit=1", { Origin: "https://example.org" });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(res.headers.get("Access-Control-Expose-Headers")).toMatch(/Link/);
    expect(res.headers.get("Access-Control-Expose-Headers")).toMatch(/ETag/);
  });

  it("answers a preflight with GET and HEAD only", async () => {
    const res = await request("/api/daily_papers", {
      method: "OPTIONS",
      headers: { Origin: "https://example.org", "Access-Control-Request-Method": "GET" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Methods")).toBe("GET,HEAD,OPTIONS");
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
  });

  it("keeps CORS headers on errors, so that browsers can read the error body", async () => {
    const res = await get("/api/daily_papers?limit=0", { Origin: "https://example.org" });
    expect(res.status).toBe(400);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("answers HEAD without a body", async () => {
    const res = await request("/api/daily_papers?limit=1", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
});

describe("hostile input", () => {
  it("treats SQL in submitter as plain text", async () => {
    const res = await get("/api/daily_papers?submitter=%27%20OR%201%3D1%20--");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    expect((await get("/api/papers/2606.00467")).status).toBe(200);
  });

  // A search matches any of its words: SQL and FTS5 syntax are searched as the plain words they hold.
  it.each([
    ["q", "/api/papers/search?q=%27)%3B%20DROP%20TABLE%20papers%3B%20--", /\b(drop|table|papers?)\b/i],
    ["q with FTS syntax", "/api/papers/search?q=title%3A*%20NEAR(a%20b)%20%5E", /\b(title|near|b)\b/i],
  ])("treats SQL in %s as plain words", async (_what, path, words) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    const items = (await res.json()) as { paper: { title: string; summary: string; authors: { name: string }[] } }[];
    for (const { paper } of items)
      expect(`${paper.title} ${paper.summary} ${paper.authors.map((a) => a.name).join(" ")}`).toMatch(words);
    expect((await get("/api/papers/2606.00467")).status).toBe(200);
  });

  it("sends no internal error text", async () => {
    const body = await (await get("/api/papers/2606.00467%00")).text();
    expect(body).not.toMatch(/sqlite|D1_|stack|at \w+ \(/i);
  });
});

describe("rate limit", () => {
  it("keys a client by its address, and an IPv6 client by its /64", () => {
    expect(addressKey("192.0.2.1")).toBe("192.0.2.1");
    expect(addressKey(undefined)).toBe("local");
    expect(addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:DB8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("2001:0db8:0001:0002:0:0:0:1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    // An IPv4 client seen over IPv6 is the same client as over IPv4.
    expect(addressKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(addressKey("0:0:0:0:0:FFFF:c000:0201")).toBe("192.0.2.1");
    expect(addressKey("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
    const request = (ip?: string) =>
      new Request("http://paperboy.test/", { headers: ip ? { "CF-Connecting-IP": ip } : {} });
    expect(clientKey(request(" 2001:db8:1:2::99 "))).toBe("2001:db8:1:2::/64");
    expect(clientKey(request())).toBe("local");
  });

  it(
    "answers 429 with Retry-After and the error shape once a client exceeds its budget, per client",
    async () => {
      const client = { client: "192.0.2.77" };
      await freshWindow(20_000);
      let limited: Response | undefined;
      for (let i = 0; i < 200 && !limited; i++) {
        const res = await get("/api/papers/2606.00467", {}, client);
        if (res.status === 429) limited = res;
        else {
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        }
      }
      expect(limited, "no 429 after 200 requests").toBeDefined();
      expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(await limited!.json()).toEqual({
        error: expect.stringMatching(/too many requests/),
        code: "rate_limited",
      });
      expect(limited!.headers.get("Access-Control-Allow-Origin")).toBe("*");
      // Another client is not affected.
      expect((await get("/api/papers/2606.00467", {}, { client: "192.0.2.78" })).status).toBe(200);
    },
    WINDOW_TEST_TIMEOUT,
  );
});
