import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../workers/api/src/app";
import { answerFromMemory, cacheKeyUrl } from "../../workers/api/src/cache/edge-cache";
import { MEMORY_TTL_MS, memoryForget, memoryGet, memoryPut } from "../../workers/api/src/cache/memory-tier";
import { tagsToPurge, urlsToPurge } from "../../workers/api/src/cache/purge";
import { SiteEntrypoint } from "../../workers/api/src/index";
import { countingD1, get, ingestHfDaily, insertPapers, ORIGIN, request } from "./site-support";

/** Runs one request through the app with a D1 binding that counts queries; waits for cache writes. */
async function counted(path: string, headers: Record<string, string> = {}) {
  const { binding, counter } = countingD1(env.DB);
  const res = await request(path, { headers }, { env: { DB: binding } });
  const body = await res.text();
  return { res, body, queries: counter.queries, roundTrips: counter.roundTrips };
}

beforeAll(async () => {
  await ingestHfDaily();
  await insertPapers([{ id: "astro-ph/0601001", title: "An old-style paper" }]);
});

describe("Cache-Control and Cache-Tag", () => {
  it("keeps a day that is over as briefly as any page with vote counts, with a tag for the day", async () => {
    const res = await get("/papers/date/2026-06-12");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=0, s-maxage=15, stale-while-revalidate=15");
    expect(res.headers.get("Cache-Tag")?.split(",")).toEqual(
      expect.arrayContaining(["site", "day:2026-06-12", "week:2026-W24", "month:2026-06"]),
    );
  });

  it("keeps the home page, trending, a fallback day and a paper as briefly; pages without counts longer", async () => {
    for (const path of [
      "/",
      "/papers/trending",
      "/papers/date/2026-06-13",
      "/papers/2606.00467",
      "/papers/week/2026-W24",
    ]) {
      const res = await get(path);
      expect(res.headers.get("Cache-Control"), path).toBe("public, max-age=0, s-maxage=15, stale-while-revalidate=15");
    }
    expect((await get("/about")).headers.get("Cache-Control")).toBe(
      "public, max-age=60, s-maxage=300, stale-while-revalidate=600",
    );
    expect((await get("/")).headers.get("Cache-Tag")).toContain("site:live");
  });

  it("tags a paper page with its paper and day, and varies it on Accept", async () => {
    const res = await get("/papers/2606.00467");
    expect(res.headers.get("Cache-Tag")?.split(",")).toEqual(
      expect.arrayContaining(["paper:2606.00467", "day:2026-06-12"]),
    );
    expect(res.headers.get("Vary")).toBe("Accept");
  });

  it("never stores Markdown negotiated with Accept at a paper's HTML address, and never answers it from a cache", async () => {
    await get("/papers/2606.12730");
    const md = await get("/papers/2606.12730", { Accept: "text/markdown" });
    expect(md.headers.get("Content-Type")).toMatch(/^text\/markdown/);
    expect(md.headers.get("Cache-Control")).toBe("private, no-store");
    expect(md.headers.get("X-Cache")).toBeNull();
    const html = await get("/papers/2606.12730");
    expect(html.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(html.headers.get("X-Cache")).toBe("HIT");
    const file = await get("/papers/2606.12730.md");
    expect(file.headers.get("Cache-Control")).toMatch(/^public/);
  });

  it("never stores error pages", async () => {
    const first = await get("/papers/date/2026-02-31");
    expect(first.status).toBe(400);
    expect(first.headers.get("X-Cache")).toBeNull();
  });
});

describe("ETag and 304", () => {
  it("answers a matching If-None-Match with 304, comparing weakly", async () => {
    const res = await get("/papers/date/2026-06-12");
    const etag = res.headers.get("ETag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const strong = etag.slice(2);
    for (const inm of [etag, strong, `"other", ${strong}`, "*"]) {
      const again = await get("/papers/date/2026-06-12", { "If-None-Match": inm });
      expect(again.status, inm).toBe(304);
      expect(again.headers.get("ETag")).toBe(etag);
      expect(await again.text()).toBe("");
    }
    expect((await get("/papers/date/2026-06-12", { "If-None-Match": 'W/"nope"' })).status).toBe(200);
  });

  it("gives uncached pages (search beyond page 1) an ETag too", async () => {
    const res = await get("/search?q=model&page=2");
    expect(res.headers.get("ETag")).toMatch(/^W\//);
    expect(res.headers.get("X-Cache")).toBeNull();
  });
});

describe("the Cache API layer", () => {
  it("answers a cached daily page without a single D1 query", async () => {
    const miss = await counted("/papers/date/2026-06-11?sort=newest&utm_source=x");
    expect(miss.res.headers.get("X-Cache")).toBe("MISS");
    expect(miss.queries).toBeGreaterThan(0);
    expect(miss.queries).toBeLessThanOrEqual(2);
    const hit = await counted("/papers/date/2026-06-11?sort=newest&utm_source=y");
    expect(hit.res.headers.get("X-Cache")).toBe("HIT");
    expect(hit.queries).toBe(0);
    expect(hit.body).toBe(miss.body);
    for (const name of [
      "Content-Security-Policy",
      "X-Frame-Options",
      "X-Content-Type-Options",
      "ETag",
      "Cache-Control",
      "Cache-Tag",
    ]) {
      expect(hit.res.headers.get(name), name).toBe(miss.res.headers.get(name));
    }
  });

  it("answers from the Cache API itself, without D1, once the isolate's memory tier has forgotten the page", async () => {
    const miss = await counted("/papers/week/2026-W24?sort=newest");
    expect(miss.res.headers.get("X-Cache")).toBe("MISS");
    memoryForget([`${env.SITE_URL}/papers/week/2026-W24?sort=newest`]);
    const hit = await counted("/papers/week/2026-W24?sort=newest");
    expect(hit.res.headers.get("X-Cache")).toBe("HIT");
    expect(hit.queries).toBe(0);
    expect(hit.body).toBe(miss.body);
    // the page's own Cache-Control comes back; the stored copy lives as long as its s-maxage says
    expect(hit.res.headers.get("Cache-Control")).toBe(miss.res.headers.get("Cache-Control"));
    expect(hit.res.headers.get("X-Page-Cache-Control")).toBeNull();
    const stored = await caches.default.match(`${env.SITE_URL}/papers/week/2026-W24?sort=newest`);
    expect(stored?.headers.get("Cache-Control")).toBe("public, s-maxage=15");
  });

  it("keeps a page in the memory tier for at most MEMORY_TTL_MS, and no longer than its s-maxage", () => {
    const headers = new Headers({ "Cache-Control": "public, max-age=60, s-maxage=300" });
    memoryPut("https://k.test/a", new ArrayBuffer(3), headers, 1_000);
    expect(memoryGet("https://k.test/a", 1_000 + MEMORY_TTL_MS - 1)).not.toBeNull();
    expect(memoryGet("https://k.test/a", 1_000 + MEMORY_TTL_MS)).toBeNull();
    memoryPut("https://k.test/b", new ArrayBuffer(3), new Headers({ "Cache-Control": "public, s-maxage=2" }), 1_000);
    expect(memoryGet("https://k.test/b", 3_000)).toBeNull();
  });

  it("answers every hit with the whole page, whatever was read or changed in the answers before it", async () => {
    const page = new TextEncoder().encode("<p>a stored page</p>".repeat(2000));
    const stored = new Headers({
      "Cache-Control": "public, s-maxage=60",
      "Content-Type": "text/html; charset=UTF-8",
      ETag: 'W/"x"',
    });
    memoryPut("https://k.test/c", page.buffer.slice(0) as ArrayBuffer, stored, 1_000);
    stored.set("ETag", 'W/"changed by the caller afterwards"');
    for (let i = 0; i < 3; i++) {
      const hit = memoryGet("https://k.test/c", 2_000)!;
      expect(hit.headers.get("ETag")).toBe('W/"x"');
      hit.headers.set("ETag", 'W/"changed by a reader"');
      // the first answer is left unread, the others are read to the end
      if (i > 0) expect(new Uint8Array(await hit.arrayBuffer())).toEqual(page);
    }
  });

  it("an uncached day, week, month, trending and paper page each cost at most 2 D1 round trips", async () => {
    for (const path of [
      "/papers/date/2026-06-12?sort=trending",
      "/papers/week/2026-W24?sort=trending",
      "/papers/month/2026-06?sort=trending",
      "/papers/date/2001-01-01",
      "/papers/2606.12730",
      "/search?q=language+model",
    ]) {
      // whatever an earlier test left cached: this is about a miss
      const key = cacheKeyUrl(env.SITE_URL, new Request(`${ORIGIN}${path}`));
      memoryForget([key]);
      await caches.default.delete(key);
      const { res, roundTrips } = await counted(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("X-Cache"), path).toBe("MISS");
      expect(roundTrips, path).toBeGreaterThan(0);
      expect(roundTrips, path).toBeLessThanOrEqual(2);
    }
  });

  it("SiteEntrypoint.purge deletes exactly the cached pages of the changed days and papers", async () => {
    await counted("/papers/date/2026-06-12");
    await counted("/papers/2606.00467");
    await counted("/papers/astro-ph/0601001");
    expect((await counted("/papers/date/2026-06-12")).queries).toBe(0);
    expect((await counted("/papers/2606.00467")).queries).toBe(0);

    const ctx = createExecutionContext();
    const site = new SiteEntrypoint(ctx, env);
    const result = await site.purge({ papers: ["2606.00467"], days: ["2026-06-12"] });
    expect(result.deleted).toBeGreaterThanOrEqual(2);
    expect(result.tags).toEqual(
      expect.arrayContaining(["day:2026-06-12", "paper:2606.00467", "week:2026-W24", "month:2026-06"]),
    );

    expect((await counted("/papers/date/2026-06-12")).queries).toBeGreaterThan(0);
    expect((await counted("/papers/2606.00467")).queries).toBeGreaterThan(0);
    // a paper that did not change stays cached
    expect((await counted("/papers/astro-ph/0601001")).queries).toBe(0);
  });

  it("purges the neighbouring days, the period pages and the home page of a changed day", () => {
    const urls = urlsToPurge("https://paperboy.example", { papers: ["astro-ph/0601001"], days: ["2026-06-12"] });
    expect(urls).toEqual(
      expect.arrayContaining([
        "https://paperboy.example/",
        "https://paperboy.example/papers/trending",
        "https://paperboy.example/papers/date/2026-06-12",
        "https://paperboy.example/papers/date/2026-06-12?sort=trending",
        "https://paperboy.example/papers/date/2026-06-15",
        "https://paperboy.example/papers/week/2026-W24?sort=newest",
        "https://paperboy.example/papers/month/2026-06",
        "https://paperboy.example/papers/astro-ph/0601001",
        "https://paperboy.example/papers/astro-ph/0601001.md",
        "https://paperboy.example/papers/astro-ph/0601001.bib",
        "https://paperboy.example/papers/astro-ph/0601001/card.png",
        "https://paperboy.example/papers/date/2026-06-12/card.png",
      ]),
    );
  });

  it("purges by the periods' keys, and names no week for a day of -0001-W52, which no page can show", () => {
    expect(tagsToPurge({ papers: [], days: ["2026-06-12"] })).toEqual(
      expect.arrayContaining(["site:live", "day:2026-06-08", "day:2026-06-16", "week:2026-W24", "month:2026-06"]),
    );
    const first = { papers: [], days: ["0000-01-01"] };
    expect(tagsToPurge(first).filter((t) => !t.startsWith("day:"))).toEqual(["site:live", "month:0000-01"]);
    expect(urlsToPurge("https://paperboy.example", first).filter((u) => !u.includes("/papers/date/"))).toEqual(
      [
        "/",
        "/?sort=trending",
        "/?sort=newest",
        "/papers/trending",
        "/papers/card.png",
        "/api/daily_papers?date=0000-01-01",
        "/papers/month/0000-01",
        "/papers/month/0000-01?sort=trending",
        "/papers/month/0000-01?sort=newest",
        "/api/daily_papers?month=0000-01",
      ].map((p) => `https://paperboy.example${p}`),
    );
  });
});

describe("the memory tier's hot path, before routing", () => {
  /** Status, headers and body, to compare two answers whole. */
  const whole = async (res: Response) => ({ status: res.status, headers: [...res.headers], body: await res.text() });

  it("answers exactly as the routed hit would: GET, HEAD and 304, over http and https", async () => {
    const path = "/papers/date/2026-06-12?sort=newest";
    const miss = await get(path);
    expect(miss.headers.get("X-Cache")).toBe("MISS");
    const etag = miss.headers.get("ETag")!;
    for (const origin of [ORIGIN, "https://paperboy.test"]) {
      for (const [method, inm] of [
        ["GET", null],
        ["HEAD", null],
        ["GET", etag],
        ["HEAD", etag],
        ["GET", 'W/"other"'],
      ] as const) {
        const init: RequestInit = { method, headers: inm ? { "If-None-Match": inm } : {} };
        const fast = answerFromMemory(new Request(`${origin}${path}`, init), env);
        expect(fast, `${origin} ${method} ${inm}`).not.toBeNull();
        // the app alone: edgeCache's own memory hit, behind secureHeaders
        const routed = await createApp().fetch(new Request(`${origin}${path}`, init), env, createExecutionContext());
        expect(await whole(fast!), `${origin} ${method} ${inm}`).toEqual(await whole(routed));
      }
    }
    const https = answerFromMemory(
      new Request(`https://paperboy.test${path}`, { headers: { "If-None-Match": etag } }),
      env,
    )!;
    expect(https.status).toBe(304);
    expect(https.headers.get("Strict-Transport-Security")).toMatch(/^max-age=/);
    expect(https.headers.get("X-Frame-Options")).toBe("DENY");
    const hit = answerFromMemory(new Request(`${ORIGIN}${path}`), env)!;
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(hit.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    expect(hit.headers.get("Strict-Transport-Security")).toBeNull();
  });

  it("answers nothing but a site page that edgeCache fronts, for GET or HEAD", async () => {
    await get("/about");
    expect(answerFromMemory(new Request(`${ORIGIN}/about`), env)).not.toBeNull();
    expect(answerFromMemory(new Request(`${ORIGIN}/about`, { method: "POST" }), env)).toBeNull();
    expect(answerFromMemory(new Request(`${ORIGIN}/about?page=2`), env)).toBeNull();
    // "//host/about" makes /about's key (new URL resolves it against SITE_URL) but routes elsewhere
    expect(answerFromMemory(new Request(`${ORIGIN}//${new URL(env.SITE_URL).host}/about`), env)).toBeNull();

    await get("/papers/2606.12730");
    expect(answerFromMemory(new Request(`${ORIGIN}/papers/2606.12730`), env)).not.toBeNull();
    expect(
      answerFromMemory(new Request(`${ORIGIN}/papers/2606.12730`, { headers: { Accept: "text/markdown" } }), env),
    ).toBeNull();

    // the API's answers pass its own middleware (CORS, the client limit) before its cache
    const api = await get("/api/papers/2606.00467");
    expect(api.status).toBe(200);
    expect(memoryGet(`${env.SITE_URL}/api/papers/2606.00467`)).not.toBeNull();
    expect(answerFromMemory(new Request(`${ORIGIN}/api/papers/2606.00467`), env)).toBeNull();

    // an address outside edgeCache's paths, even if the memory tier held it
    memoryPut(`${env.SITE_URL}/account`, new ArrayBuffer(1), new Headers({ "Cache-Control": "public, s-maxage=60" }));
    expect(answerFromMemory(new Request(`${ORIGIN}/account`), env)).toBeNull();
    memoryForget([`${env.SITE_URL}/account`]);
  });

  it("leaves a misconfigured worker to the app's error page", async () => {
    await get("/about");
    expect(answerFromMemory(new Request(`${ORIGIN}/about`), { ...env, SITE_URL: "not a url" })).toBeNull();
  });
});
