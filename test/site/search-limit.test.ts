import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../workers/api/src/app";
import { freshWindow, WINDOW_TEST_TIMEOUT } from "../support/rate-limit-window";
import { countingD1, ingestHfDaily, ORIGIN } from "./site-support";

const search = (q: string, ip: string, path = "/search") =>
  SELF.fetch(`${ORIGIN}${path}?q=${encodeURIComponent(q)}`, { headers: { "CF-Connecting-IP": ip } });

let fresh = 0;
/** Searches that reach D1 (each a query never asked before) from `ip()` until one is refused. */
async function exhaust(ip: () => string, words = (n: number) => `model ${n}`): Promise<Response> {
  await freshWindow();
  for (let i = 0; i < 300; i++) {
    const res = await search(words(++fresh), ip());
    if (res.status === 429) return res;
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cache")).toBe("MISS");
    await res.arrayBuffer();
  }
  throw new Error("no 429 after 300 searches that reached D1");
}

beforeAll(() => ingestHfDaily());

describe("HTML search rate limit", { timeout: 120_000 }, () => {
  it(
    "refuses a client's searches that reach D1 past the /api limit with a readable, escaped 429 page that says when to retry",
    async () => {
      const ip = "192.0.2.150";
      const limited = await exhaust(
        () => ip,
        (n) => `<script>alert(${n})</script> "><img src=x onerror=alert(1)>`,
      );
      expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(limited.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(limited.headers.get("Cache-Control")).toBe("no-store");
      expect(limited.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
      const page = await limited.text();
      expect(page.startsWith("<!doctype html>")).toBe(true);
      expect(page).toContain('<header class="site">');
      expect(page).toMatch(/<h1>Too many requests<\/h1>/);
      expect(page).toMatch(/try again in \d+ seconds/);
      expect(page).not.toMatch(/<script|<img/i);
      // The same budget as /api: the JSON search is refused too, in the API's error shape.
      const api = await search("transformer", ip, "/api/papers/search");
      expect(api.status).toBe(429);
      expect(await api.json()).toEqual({ error: expect.stringMatching(/too many requests/), code: "rate_limited" });
      // The refusal comes before the full-text query: it costs D1 nothing.
      const { binding, counter } = countingD1(env.DB);
      const refused = await createApp().fetch(
        new Request(`${ORIGIN}/search?q=uncached+words`, { headers: { "CF-Connecting-IP": ip } }),
        { ...env, DB: binding },
        createExecutionContext(),
      );
      expect(refused.status).toBe(429);
      expect(counter.queries).toBe(0);
      // Another client is not affected.
      expect((await search("limited elsewhere", "192.0.2.151")).status).toBe(200);
    },
    WINDOW_TEST_TIMEOUT,
  );

  it(
    "keeps a cached search a hit, and pages that never reach D1 open, for a client over the limit",
    async () => {
      const ip = "192.0.2.160";
      await exhaust(() => ip);
      // Stored by another client once this one is over the limit: a search is kept 15 s, less than
      // exhaust may wait for the limiter's next window, so a copy stored before it could be gone.
      const first = await search("language model", "192.0.2.161");
      expect(first.headers.get("X-Cache")).toBe("MISS");
      const cachedBody = await first.text();
      const hit = await search("language model", ip);
      expect(hit.status).toBe(200);
      expect(hit.headers.get("X-Cache")).toBe("HIT");
      expect(await hit.text()).toBe(cachedBody);
      for (const path of ["/search", "/search?q=%21%21%21", "/papers/date/2026-06-12"]) {
        const res = await SELF.fetch(`${ORIGIN}${path}`, { headers: { "CF-Connecting-IP": ip } });
        expect(res.status, path).toBe(200);
        await res.arrayBuffer();
      }
    },
    WINDOW_TEST_TIMEOUT,
  );

  it(
    "does not count cached searches: a client may repeat a cached search far past the limit, and it costs no D1 query",
    async () => {
      const ip = "192.0.2.170";
      const app = createApp();
      const run = async () => {
        const { binding, counter } = countingD1(env.DB);
        const ctx = createExecutionContext();
        const res = await app.fetch(
          new Request(`${ORIGIN}/search?q=attention`, { headers: { "CF-Connecting-IP": ip } }),
          { ...env, DB: binding },
          ctx,
        );
        await res.arrayBuffer();
        await waitOnExecutionContext(ctx);
        return { res, queries: counter.queries };
      };
      await freshWindow();
      const miss = await run();
      expect(miss.res.headers.get("X-Cache")).toBe("MISS");
      expect(miss.queries).toBeGreaterThan(0);
      for (let i = 0; i < 150; i++) {
        const hit = await run();
        expect(hit.res.status).toBe(200);
        expect(hit.queries).toBe(0);
      }
      // The budget is still whole: the next search that reaches D1 is served.
      expect((await search("fresh words", ip)).status).toBe(200);
    },
    WINDOW_TEST_TIMEOUT,
  );

  it(
    "counts every address of one IPv6 /64 as one client",
    async () => {
      let n = 0;
      const limited = await exhaust(() => `2001:db8:5:6:${(++n).toString(16)}::1`);
      expect(limited.status).toBe(429);
      expect((await search("other network", "2001:db8:5:7::1")).status).toBe(200);
      expect((await search("same network", "2001:db8:5:6:ffff:ffff:ffff:ffff")).status).toBe(429);
    },
    WINDOW_TEST_TIMEOUT,
  );
});
