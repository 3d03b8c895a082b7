import { beforeAll, describe, expect, it } from "vitest";
import { CACHE_POLICIES } from "../../workers/api/src/cache/cache-policy";
import { get, ingestRealCapture, insertPapers, request } from "./api-support";

beforeAll(async () => {
  await ingestRealCapture();
});

describe("ETag and 304", () => {
  it("gives every 200 a weak ETag and answers a matching If-None-Match with an empty 304", async () => {
    const first = await get("/api/daily_papers?date=2026-06-12&limit=5");
    const etag = first.headers.get("ETag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const again = await get("/api/daily_papers?date=2026-06-12&limit=5", { "If-None-Match": etag, Origin: "https://example.org" });
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

  it("changes the ETag when the data changes", async () => {
    const before = (await get("/api/daily_papers?date=2026-06-13")).headers.get("ETag");
    await insertPapers([{ id: "2606.99001", day: "2026-06-13" }]);
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
  it("a day that is over is finished, tagged with its day, week and month", async () => {
    const res = await get("/api/daily_papers?date=2026-06-12");
    expect(res.headers.get("Cache-Control")).toBe(CACHE_POLICIES.finished);
    expect(res.headers.get("Cache-Tag")!.split(",")).toEqual(expect.arrayContaining(["day:2026-06-12", "week:2026-W24", "month:2026-06"]));
  });

  it("today, and the latest listing without a period, are live", async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect((await get(`/api/daily_papers?date=${today}`)).headers.get("Cache-Control")).toBe(CACHE_POLICIES.live);
    const latest = await get("/api/daily_papers");
    expect(latest.headers.get("Cache-Control")).toBe(CACHE_POLICIES.live);
    expect(latest.headers.get("Cache-Tag")).toContain("site:live");
  });

  it("a finished week and month are finished, tagged with their own names", async () => {
    const week = await get("/api/daily_papers?week=2026-W24");
    expect(week.headers.get("Cache-Control")).toBe(CACHE_POLICIES.finished);
    expect(week.headers.get("Cache-Tag")).toContain("week:2026-W24");
    expect((await get("/api/daily_papers?month=2026-06")).headers.get("Cache-Tag")).toContain("month:2026-06");
  });

  it("a paper is tagged with its id and day; search is short-lived", async () => {
    const paper = await get("/api/papers/2606.00467");
    expect(paper.headers.get("Cache-Tag")!.split(",")).toEqual(expect.arrayContaining(["paper:2606.00467", "day:2026-06-12"]));
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
