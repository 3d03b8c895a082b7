import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { CACHE_POLICIES } from "../../workers/api/src/cache/cache-policy";
import { memoryForget } from "../../workers/api/src/cache/memory-tier";
import worker, { SiteEntrypoint } from "../../workers/api/src/index";
import { countingD1 } from "../site/site-support";
import { get, ingestRealCapture, insertPapers, ORIGIN, request } from "./api-support";

let client = 0;

/** One request through the worker with a D1 binding that counts queries; waits for cache writes. */
async function counted(path: string, headers: Record<string, string> = {}) {
  const { binding, counter } = countingD1(env.DB);
  const ctx = createExecutionContext();
  client++;
  const res = await worker.fetch(
    new Request(`${ORIGIN}${path}`, { headers: { "CF-Connecting-IP": `198.51.100.${client % 250}`, ...headers } }),
    { ...env, DB: binding },
    ctx,
  );
  const body = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, body, queries: counter.queries };
}

function purge(req: { papers: string[]; days: string[] }) {
  return new SiteEntrypoint(createExecutionContext(), env).purge(req);
}

beforeAll(async () => {
  await ingestRealCapture();
});

describe("ETag and 304", () => {
  it("gives every 200 a weak ETag and answers a matching If-None-Match with an empty 304", async () => {
    const first = await get("/api/daily_papers?date=2026-06-12&limit=5");
    const etag = first.headers.get("ETag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const again = await get("/api/daily_papers?date=2026-06-12&limit=5", {
      "If-None-Match": etag,
      Origin: "https://example.org",
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("ETag")).toBe(etag);
    expect(again.headers.get("Cache-Control")).toBe(first.headers.get("Cache-Control"));
    expect(again.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("compares weakly: the strong form of the tag, or one of a list, matches too", async () => {
    const etag = (await get("/api/papers/2606.00467")).headers.get("ETag")!;
    expect((await get("/api/papers/2606.00467", { "If-None-Match": etag.slice(2) })).status).toBe(304);
    expect((await get("/api/papers/2606.00467", { "If-None-Match": `W/"nope", ${etag}` })).status).toBe(304);
    expect((await get("/api/papers/2606.00467", { "If-None-Match": 'W/"nope"' })).status).toBe(200);
  });

  it("changes the ETag when the data changes (and ingest purges it)", async () => {
    const before = (await get("/api/daily_papers?date=2026-06-13")).headers.get("ETag");
    await insertPapers([{ id: "2606.99001", day: "2026-06-13" }]);
    await purge({ papers: ["2606.99001"], days: ["2026-06-13"] });
    const after = await get("/api/daily_papers?date=2026-06-13", { "If-None-Match": before! });
    expect(after.status).toBe(200);
    expect(after.headers.get("ETag")).not.toBe(before);
  });

  it("also for feeds", async () => {
    const first = await get("/feeds/daily.atom");
    const etag = first.headers.get("ETag")!;
    expect(etag).toMatch(/^W\//);
    expect((await get("/feeds/daily.atom", { "If-None-Match": etag })).status).toBe(304);
  });

  it("answers HEAD with the same validators", async () => {
    const etag = (await get("/api/papers/2606.00467")).headers.get("ETag");
    const head = await request("/api/papers/2606.00467", { method: "HEAD" });
    expect(head.headers.get("ETag")).toBe(etag);
  });
});

describe("Cache-Control and Cache-Tag, by the pages' rules", () => {
  it("a day's listing shows vote counts, so it is kept briefly, tagged with its day, week and month", async () => {
    const res = await get("/api/daily_papers?date=2026-06-12");
    expect(res.headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
    expect(res.headers.get("Cache-Tag")!.split(",")).toEqual(
      expect.arrayContaining(["day:2026-06-12", "week:2026-W24", "month:2026-06"]),
    );
  });

  it("today, and the latest listing without a period, are kept as briefly, the latest tagged as live", async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect((await get(`/api/daily_papers?date=${today}`)).headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
    const latest = await get("/api/daily_papers");
    expect(latest.headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
    expect(latest.headers.get("Cache-Tag")).toContain("site:live");
  });

  it("a week and a month are tagged with their own names", async () => {
    const week = await get("/api/daily_papers?week=2026-W24");
    expect(week.headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
    expect(week.headers.get("Cache-Tag")).toContain("week:2026-W24");
    expect((await get("/api/daily_papers?month=2026-06")).headers.get("Cache-Tag")).toContain("month:2026-06");
  });

  it("a paper is tagged with its id and day; search is short-lived", async () => {
    const paper = await get("/api/papers/2606.00467");
    expect(paper.headers.get("Cache-Tag")!.split(",")).toEqual(
      expect.arrayContaining(["paper:2606.00467", "day:2026-06-12"]),
    );
    expect((await get("/api/papers/search?q=model")).headers.get("Cache-Control")).toBe(CACHE_POLICIES.search);
  });

  it("errors are not cached publicly and carry no ETag", async () => {
    for (const path of ["/api/daily_papers?limit=0", "/api/papers/2606.99999"]) {
      const res = await get(path);
      expect(res.headers.get("Cache-Control") ?? "").not.toMatch(/public/);
      expect(res.headers.get("ETag")).toBeNull();
    }
  });
});

describe("the Cache API in front of the JSON API", () => {
  it("answers a repeated request for a finished day, week or month, or a paper of a finished day, without a D1 query", async () => {
    for (const path of [
      "/api/daily_papers?date=2026-06-12&limit=7",
      "/api/daily_papers?week=2026-W24&sort=trending",
      "/api/daily_papers?month=2026-06&p=1&limit=3",
      "/api/papers/2606.12730",
    ]) {
      const miss = await counted(path, { Origin: "https://example.org" });
      expect(miss.res.status, path).toBe(200);
      expect(miss.res.headers.get("X-Cache"), path).toBe("MISS");
      expect(miss.queries, path).toBeGreaterThan(0);
      const hit = await counted(path, { Origin: "https://elsewhere.example" });
      expect(hit.res.headers.get("X-Cache"), path).toBe("HIT");
      expect(hit.queries, path).toBe(0);
      expect(hit.body, path).toBe(miss.body);
      for (const name of ["Content-Type", "Cache-Control", "Cache-Tag", "ETag", "Vary"])
        expect(hit.res.headers.get(name), `${path} ${name}`).toBe(miss.res.headers.get(name));
      // CORS as on a miss: any origin, the same exposed headers; nothing that varies by Origin
      expect(hit.res.headers.get("Access-Control-Allow-Origin"), path).toBe("*");
      expect(hit.res.headers.get("Access-Control-Expose-Headers"), path).toBe(
        miss.res.headers.get("Access-Control-Expose-Headers"),
      );
      expect(hit.res.headers.get("Vary") ?? "", path).not.toMatch(/origin/i);
    }
  });

  it("keys on the parameters the API reads, in any order, and ignores the others", async () => {
    const miss = await counted("/api/daily_papers?limit=4&date=2026-06-12&utm_source=x");
    const hit = await counted("/api/daily_papers?date=2026-06-12&utm_source=y&limit=4");
    expect(hit.queries).toBe(0);
    expect(hit.body).toBe(miss.body);
    expect((await counted("/api/daily_papers?date=2026-06-12&limit=6")).queries).toBeGreaterThan(0);
  });

  it("answers a hit's ETag with 304, and a hit from the Cache API itself once the memory tier forgot it", async () => {
    const miss = await counted("/api/papers/2606.00467");
    const etag = miss.res.headers.get("ETag")!;
    const notModified = await counted("/api/papers/2606.00467", { "If-None-Match": etag });
    expect(notModified.res.status).toBe(304);
    expect(notModified.res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(notModified.queries).toBe(0);
    memoryForget([`${env.SITE_URL}/api/papers/2606.00467`]);
    const hit = await counted("/api/papers/2606.00467");
    expect(hit.res.headers.get("X-Cache")).toBe("HIT");
    expect(hit.queries).toBe(0);
    expect(hit.res.headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
  });

  it("stores today and the latest listing like any other (briefly), and no search or error", async () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const path of [`/api/daily_papers?date=${today}`, "/api/daily_papers"]) {
      await counted(path);
      const again = await counted(path);
      expect(again.res.headers.get("X-Cache"), path).toBe("HIT");
      expect(again.queries, path).toBe(0);
    }
    for (const path of ["/api/papers/search?q=model", "/api/papers/2606.99999"]) {
      await counted(path);
      const again = await counted(path);
      expect(again.res.headers.get("X-Cache"), path).toBeNull();
      expect(again.queries, path).toBeGreaterThan(0);
    }
    await counted("/api/daily_papers?limit=0");
    const invalid = await counted("/api/daily_papers?limit=0");
    expect(invalid.res.status).toBe(400);
    expect(invalid.res.headers.get("X-Cache")).toBeNull();
  });

  it("a purge of the day and the paper clears their default API addresses", async () => {
    await counted("/api/daily_papers?date=2026-06-12");
    await counted("/api/papers/2606.13392");
    expect((await counted("/api/daily_papers?date=2026-06-12")).queries).toBe(0);
    await purge({ papers: ["2606.13392"], days: ["2026-06-12"] });
    expect((await counted("/api/daily_papers?date=2026-06-12")).queries).toBeGreaterThan(0);
    expect((await counted("/api/papers/2606.13392")).queries).toBeGreaterThan(0);
  });
});
