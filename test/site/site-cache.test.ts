import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../workers/api/src/app";
import { answerFromMemory, cacheKeyUrl } from "../../workers/api/src/cache/edge-cache";
import { MEMORY_TTL_MS, memoryForget, memoryGet, memoryPut } from "../../workers/api/src/cache/memory-tier";
import { tagsToPurge, urlsToPurge } from "../../workers/api/src/cache/purge";
import { SiteEntrypoint } from "../../workers/api/src/index";
import { get, ingestHfDaily, insertPapers, countingD1, ORIGIN, request } from "./site-support";

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
    expect(res.headers.get("Cache-Tag")?.split(",")).toEqual(expect.arrayContaining(["site", "day:2026-06-12", "week:2026-W24", "month:2026-06"]));
  });

  it("keeps the home page, trending, a fallback day and a paper as briefly; pages without counts longer", async () => {
    for (const path of ["/", "/papers/trending", "/papers/date/2026-06-13", "/papers/2606.00467", "/papers/week/2026-W24"]) {
      const res = await get(path);
      expect(res.headers.get("Cache-Control"), path).toBe("public, max-age=0, s-maxage=15, stale-while-revalidate=15");
    }
    expect((await get("/about")).headers.get("Cache-Control")).toBe("public, max-age=60, s-maxage=300, stale-while-revalidate=600");
    expect((await get("/")).headers.get("Cache-Tag")).toContain("site:live");
  });

  it("tags a paper page with its paper and day, and varies it on Accept (Markdown) and Accept-Encoding (gzip hits)", async () => {
    const res = await get("/papers/2606.00467");
    expect(res.headers.get("Cache-Tag")?.split(",")).toEqual(expect.arrayContaining(["paper:2606.00467", "day:2026-06-12"]));
    expect(res.headers.get("Vary")).toBe("Accept, Accept-Encoding");
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
    for (const name of ["Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "ETag", "Cache-Control", "Cache-Tag"]) {
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
    expect(memoryGet("https://k.test/a", null, createExecutionContext(), 1_000 + MEMORY_TTL_MS - 1)).not.toBeNull();
    expect(memoryGet("https://k.test/a", null, createExecutionContext(), 1_000 + MEMORY_TTL_MS)).toBeNull();
    memoryPut("https://k.test/b", new ArrayBuffer(3), new Headers({ "Cache-Control": "public, s-maxage=2" }), 1_000);
    expect(memoryGet("https://k.test/b", null, createExecutionContext(), 3_000)).toBeNull();
  });

  it("answers every hit with the whole page, whatever was read or changed in the answers before it", async () => {
    const page = new TextEncoder().encode("<p>a stored page</p>".repeat(2000));
    const stored = new Headers({ "Cache-Control": "public, s-maxage=60", "Content-Type": "text/html; charset=UTF-8", ETag: 'W/"x"' });
    memoryPut("https://k.test/c", page.buffer.slice(0) as ArrayBuffer, stored, 1_000);
    stored.set("ETag", 'W/"changed by the caller afterwards"');
    for (let i = 0; i < 3; i++) {
      const hit = memoryGet("https://k.test/c", null, createExecutionContext(), 2_000)!;
      expect(hit.headers.get("ETag")).toBe('W/"x"');
      hit.headers.set("ETag", 'W/"changed by a reader"');
      // the first answer is left unread, the others are read to the end
      if (i > 0) expect(new Uint8Array(await hit.arrayBuffer())).toEqual(page);
    }
  });

  it("an uncached day, week, month, trending and paper page each cost at most 2 D1 round trips", async () => {
    for (const path of ["/papers/date/2026-06-12?sort=trending", "/papers/week/2026-W24?sort=trending", "/papers/month/2026-06?sort=trending", "/papers/date/2001-01-01", "/papers/2606.12730", "/search?q=language+model"]) {
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
    expect(result.tags).toEqual(expect.arrayContaining(["day:2026-06-12", "paper:2606.00467", "week:2026-W24", "month:2026-06"]));

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
      ]),
    );
  });

  it("purges by the periods' keys, and names no week for a day of -0001-W52, which no page can show", () => {
    expect(tagsToPurge({ papers: [], days: ["2026-06-12"] })).toEqual(expect.arrayContaining(["site:live", "day:2026-06-08", "day:2026-06-16", "week:2026-W24", "month:2026-06"]));
    const first = { papers: [], days: ["0000-01-01"] };
    expect(tagsToPurge(first).filter((t) => !t.startsWith("day:"))).toEqual(["site:live", "month:0000-01"]);
    expect(urlsToPurge("https://paperboy.example", first).filter((u) => !u.includes("/papers/date/"))).toEqual(
      [
        "/",
        "/?sort=trending",
        "/?sort=newest",
        "/papers/trending",
        "/api/daily_papers?date=0000-01-01",
        "/papers/month/0000-01",
        "/papers/month/0000-01?sort=trending",
        "/papers/month/0000-01?sort=newest",
        "/api/daily_papers?month=0000-01",
      ].map((p) => `https://paperboy.example${p}`),
    );
  });
});

/** The bytes of a gzipped body, decompressed. */
async function gunzip(bytes: ArrayBuffer): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Response(bytes).body!.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

/** An ExecutionContext stand-in that keeps what memoryGet hands to waitUntil. */
function workCollector() {
  const work: Promise<unknown>[] = [];
  return { work, ctx: { waitUntil: (p: Promise<unknown>) => void work.push(p) } };
}

describe("gzip from the memory tier", () => {
  const page = new TextEncoder().encode("<li>a paper card, much like the one before it</li>".repeat(600));
  const key = "https://k.test/gzip";
  const headers = new Headers({ "Cache-Control": "public, s-maxage=60", "Content-Type": "text/html; charset=UTF-8", ETag: 'W/"g"' });

  it("compresses a page once, on the first hit that accepts gzip, and hands the gzip to clients that accept it: the same page byte for byte", async () => {
    memoryPut(key, page.buffer.slice(0) as ArrayBuffer, headers);
    const { work, ctx } = workCollector();
    // clients that do not accept gzip never start a compression
    expect(memoryGet(key, null, ctx)!.headers.get("Content-Encoding")).toBeNull();
    expect(memoryGet(key, "br", ctx)!.headers.get("Content-Encoding")).toBeNull();
    expect(work).toHaveLength(0);
    // the first that does starts it and gets the page as it is, like every hit until it is done
    const first = memoryGet(key, "gzip", ctx)!;
    expect(first.headers.get("Content-Encoding")).toBeNull();
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(page);
    expect(memoryGet(key, "gzip", ctx)!.headers.get("Content-Encoding")).toBeNull();
    expect(work).toHaveLength(1);
    await Promise.all(work);
    for (const accepted of ["gzip", "gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8", "*", "x-gzip"]) {
      const hit = memoryGet(key, accepted, ctx)!;
      expect(hit.headers.get("Content-Encoding"), accepted).toBe("gzip");
      expect(hit.headers.get("ETag")).toBe('W/"g"');
      expect(hit.headers.get("Vary")).toBe("Accept-Encoding");
      const bytes = await hit.arrayBuffer();
      expect(bytes.byteLength).toBeLessThan(page.byteLength / 4);
      expect(await gunzip(bytes), accepted).toEqual(page);
    }
    for (const refused of [null, "", "identity", "br", "deflate, br", "gzip;q=0", "gzip; q=0.000, br", "*;q=0", "br, *;q=0"]) {
      const hit = memoryGet(key, refused, ctx)!;
      expect(hit.headers.get("Content-Encoding"), String(refused)).toBeNull();
      expect(hit.headers.get("Vary")).toBe("Accept-Encoding");
      expect(new Uint8Array(await hit.arrayBuffer()), String(refused)).toEqual(page);
    }
    expect(work).toHaveLength(1);
    // a page stored again is compressed again, from its new bytes
    memoryPut(key, new TextEncoder().encode("<p>changed</p>".repeat(100)).buffer as ArrayBuffer, headers);
    memoryGet(key, "gzip", ctx);
    await Promise.all(work);
    expect(new TextDecoder().decode(await gunzip(await memoryGet(key, "gzip", ctx)!.arrayBuffer()))).toBe("<p>changed</p>".repeat(100));
    memoryForget([key]);
  });

  it("adds Accept-Encoding to a Vary the page already has, and keeps a page gzip would not shrink as it is", async () => {
    const { work, ctx } = workCollector();
    memoryPut(key, page.buffer.slice(0) as ArrayBuffer, new Headers({ "Cache-Control": "public, s-maxage=60", Vary: "Accept" }));
    expect(memoryGet(key, "gzip", ctx)!.headers.get("Vary")).toBe("Accept, Accept-Encoding");
    memoryPut(key, new TextEncoder().encode("ok").buffer as ArrayBuffer, new Headers({ "Cache-Control": "public, s-maxage=60" }));
    memoryGet(key, "gzip", ctx);
    await Promise.all(work);
    const hit = memoryGet(key, "gzip", ctx)!;
    expect(hit.headers.get("Content-Encoding")).toBeNull();
    expect(await hit.text()).toBe("ok");
    memoryForget([key]);
  });

  it("gives the worker's cached pages and API records to a client that accepts gzip gzipped, with their CORS headers, and as they are to others", async () => {
    for (const path of ["/papers/date/2026-06-12?sort=trending", "/api/papers/2606.00467", "/api/daily_papers?date=2026-06-12"]) {
      const plain = await get(path);
      const page = await plain.text();
      expect(plain.status, path).toBe(200);
      expect(plain.headers.get("Vary"), path).toContain("Accept-Encoding");
      // the first hit that accepts gzip compresses the page in its waitUntil, which request() waits for
      const first = await get(path, { "Accept-Encoding": "gzip, deflate, br" });
      expect(first.headers.get("X-Cache"), path).toBe("HIT");
      expect(await first.text(), path).toBe(page);
      const hit = await get(path, { "Accept-Encoding": "gzip, deflate, br" });
      expect(hit.headers.get("X-Cache"), path).toBe("HIT");
      expect(hit.headers.get("Content-Encoding"), path).toBe("gzip");
      expect(hit.headers.get("Vary"), path).toContain("Accept-Encoding");
      expect(hit.headers.get("ETag"), path).toBe(plain.headers.get("ETag"));
      if (path.startsWith("/api/")) expect(hit.headers.get("Access-Control-Allow-Origin"), path).toBe("*");
      expect(new TextDecoder().decode(await gunzip(await hit.arrayBuffer())), path).toBe(page);
      const again = await get(path);
      expect(again.headers.get("X-Cache"), path).toBe("HIT");
      expect(again.headers.get("Content-Encoding"), path).toBeNull();
      expect(await again.text(), path).toBe(page);
    }
  });

  it("sends the gzip as it is over HTTP: compressed once, which an HTTP client decodes back to the page", async () => {
    // a page answered before routing, and an API record answered behind the API's middleware
    for (const path of ["/papers/month/2026-06?sort=newest", "/api/papers/2606.12730"]) {
      const page = await (await get(path, {}, { via: "self" })).text();
      // the compressed copy is made in a hit's waitUntil: ask until it is there
      let hit = await get(path, { "Accept-Encoding": "gzip" }, { via: "self" });
      for (let i = 0; i < 50 && hit.headers.get("Content-Encoding") !== "gzip"; i++) {
        await hit.arrayBuffer();
        await new Promise((r) => setTimeout(r, 10));
        hit = await get(path, { "Accept-Encoding": "gzip" }, { via: "self" });
      }
      expect(hit.headers.get("Content-Encoding"), path).toBe("gzip");
      // workerd's client decodes one layer of gzip: a body compressed twice, or not at all, would not come back
      expect(await hit.text(), path).toBe(page);
    }
  });
});

describe("the memory tier's hot path, before routing", () => {
  /** Status, headers and body, to compare two answers whole. */
  const whole = async (res: Response) => ({ status: res.status, headers: [...res.headers], body: new Uint8Array(await res.arrayBuffer()) });

  it("answers exactly as the routed hit would: GET, HEAD and 304, over http and https", async () => {
    const path = "/papers/date/2026-06-12?sort=newest";
    const miss = await get(path);
    expect(miss.headers.get("X-Cache")).toBe("MISS");
    const etag = miss.headers.get("ETag")!;
    // a first hit that accepts gzip has the page compressed (request() waits for it): both answer the gzip
    await get(path, { "Accept-Encoding": "gzip" });
    for (const origin of [ORIGIN, "https://paperboy.test"]) {
      for (const [method, inm, encoding] of [["GET", null, null], ["HEAD", null, null], ["GET", etag, null], ["HEAD", etag, null], ["GET", 'W/"other"', null], ["GET", null, "gzip, br"], ["HEAD", null, "gzip"], ["GET", etag, "gzip"]] as const) {
        const init: RequestInit = { method, headers: { ...(inm ? { "If-None-Match": inm } : {}), ...(encoding ? { "Accept-Encoding": encoding } : {}) } };
        const fast = answerFromMemory(new Request(`${origin}${path}`, init), env, createExecutionContext());
        expect(fast, `${origin} ${method} ${inm} ${encoding}`).not.toBeNull();
        // the app alone: edgeCache's own memory hit, behind secureHeaders
        const routed = await createApp().fetch(new Request(`${origin}${path}`, init), env, createExecutionContext());
        expect(await whole(fast!), `${origin} ${method} ${inm} ${encoding}`).toEqual(await whole(routed));
      }
    }
    const https = answerFromMemory(new Request(`https://paperboy.test${path}`, { headers: { "If-None-Match": etag } }), env, createExecutionContext())!;
    expect(https.status).toBe(304);
    expect(https.headers.get("Strict-Transport-Security")).toMatch(/^max-age=/);
    expect(https.headers.get("X-Frame-Options")).toBe("DENY");
    const hit = answerFromMemory(new Request(`${ORIGIN}${path}`), env, createExecutionContext())!;
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(hit.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    expect(hit.headers.get("Strict-Transport-Security")).toBeNull();
  });

  it("answers nothing but a site page that edgeCache fronts, for GET or HEAD", async () => {
    await get("/about");
    expect(answerFromMemory(new Request(`${ORIGIN}/about`), env, createExecutionContext())).not.toBeNull();
    expect(answerFromMemory(new Request(`${ORIGIN}/about`, { method: "POST" }), env, createExecutionContext())).toBeNull();
    expect(answerFromMemory(new Request(`${ORIGIN}/about?page=2`), env, createExecutionContext())).toBeNull();
    // "//host/about" makes /about's key (new URL resolves it against SITE_URL) but routes elsewhere
    expect(answerFromMemory(new Request(`${ORIGIN}//${new URL(env.SITE_URL).host}/about`), env, createExecutionContext())).toBeNull();

    await get("/papers/2606.12730");
    expect(answerFromMemory(new Request(`${ORIGIN}/papers/2606.12730`), env, createExecutionContext())).not.toBeNull();
    expect(answerFromMemory(new Request(`${ORIGIN}/papers/2606.12730`, { headers: { Accept: "text/markdown" } }), env, createExecutionContext())).toBeNull();

    // the API's answers pass its own middleware (CORS, the client limit) before its cache
    const api = await get("/api/papers/2606.00467");
    expect(api.status).toBe(200);
    expect(memoryGet(`${env.SITE_URL}/api/papers/2606.00467`, null, createExecutionContext())).not.toBeNull();
    expect(answerFromMemory(new Request(`${ORIGIN}/api/papers/2606.00467`), env, createExecutionContext())).toBeNull();

    // an address outside edgeCache's paths, even if the memory tier held it
    memoryPut(`${env.SITE_URL}/account`, new ArrayBuffer(1), new Headers({ "Cache-Control": "public, s-maxage=60" }));
    expect(answerFromMemory(new Request(`${ORIGIN}/account`), env, createExecutionContext())).toBeNull();
    memoryForget([`${env.SITE_URL}/account`]);
  });

  it("leaves a misconfigured worker to the app's error page", async () => {
    await get("/about");
    expect(answerFromMemory(new Request(`${ORIGIN}/about`), { ...env, SITE_URL: "not a url" }, createExecutionContext())).toBeNull();
  });
});
