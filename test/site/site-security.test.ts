import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../workers/api/src/app";
import * as fx from "../support/fixtures";
import { get, ingestHfDaily, ORIGIN, withoutJsonLd, withoutThumbnails, withoutVotesScript } from "./site-support";

const XSS = `<script>alert("x")</script><img src=x onerror=alert(1)>"'&`;

beforeAll(async () => {
  // The real capture, with a hostile title, abstract, author and submitter on its first paper.
  const items = JSON.parse(fx.hfDaily2026) as Record<string, any>[];
  const first = items[0]!;
  first.paper.title = `Attention ${XSS} title`;
  first.title = first.paper.title;
  first.paper.summary = `An abstract ${XSS} about attention.`;
  first.summary = first.paper.summary;
  first.paper.authors[0].name = `Mallory ${XSS}`;
  if (first.paper.submittedOnDailyBy) first.paper.submittedOnDailyBy.fullname = `Eve ${XSS}`;
  await ingestHfDaily(JSON.stringify(items));
});

const PAGES = [
  "/",
  "/papers/date/2026-06-12",
  "/papers/week/2026-W24",
  "/papers/month/2026-06",
  "/papers/trending",
  "/papers/2606.00467",
  "/search?q=attention",
  "/about",
  "/papers/date/2026-02-30",
  "/nowhere",
];

describe("escaping", () => {
  it("renders an ingested XSS payload in title, abstract, author and submitter as text on every page", async () => {
    for (const path of PAGES) {
      const page = await (await get(path)).text();
      // A paper page carries exactly one JSON-LD data block (never executed); nothing else may be a script.
      const body = withoutThumbnails(withoutVotesScript(path === "/papers/2606.00467" ? withoutJsonLd(page) : page));
      expect(body, path).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    }
    const paper = await (await get("/papers/2606.00467")).text();
    expect(paper).toContain(
      "Attention &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp; title",
    );
    const search = withoutThumbnails(
      withoutVotesScript(await (await get(`/search?q=${encodeURIComponent(XSS)}`)).text()),
    );
    expect(search).not.toMatch(/<script|<img/i);
  });
});

describe("secure headers", () => {
  it("sends a Content-Security-Policy without inline scripts and the usual headers on every page", async () => {
    for (const path of PAGES) {
      const res = await get(path);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("connect-src 'self'");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
    }
  });

  function expectSecureHeaders(res: Response, path: string) {
    expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
    expect(res.headers.get("X-Frame-Options"), path).toBe("DENY");
    expect(res.headers.get("Referrer-Policy"), path).toBe("strict-origin-when-cross-origin");
    if (res.headers.get("Content-Type")?.startsWith("text/html"))
      expect(res.headers.get("Content-Security-Policy"), path).toContain("script-src 'self'");
  }

  it("sends them on 404 answers, pages and JSON, through the one error handler", async () => {
    for (const [path, type] of [
      ["/nowhere", /^text\/html/],
      ["/api/models", /^application\/json/],
      ["/feeds/nowhere.rss", /^text\/html/],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("Content-Type"), path).toMatch(type);
      expectSecureHeaders(res, path);
    }
  });

  it("sends them on 500 answers, pages and JSON, without the internal error text", async () => {
    const failingDb = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare" || prop === "batch" || prop === "exec") {
          return () => {
            throw new Error("D1_ERROR: the database is down");
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      for (const [path, type] of [
        ["/papers/2606.55555", /^text\/html/],
        ["/api/papers/2606.55555", /^application\/json/],
      ] as const) {
        const res = await createApp().request(
          `${ORIGIN}${path}`,
          { headers: { "CF-Connecting-IP": "198.51.100.55" } },
          { ...env, DB: failingDb },
          createExecutionContext(),
        );
        expect(res.status, path).toBe(500);
        expect(res.headers.get("Content-Type"), path).toMatch(type);
        expectSecureHeaders(res, path);
        expect(await res.text(), path).not.toContain("D1_ERROR");
      }
      expect(logged).toHaveBeenCalledWith("unhandled error", expect.any(Error));
    } finally {
      logged.mockRestore();
    }
  });

  it("keeps the headers on cache hits and 304s' validators", async () => {
    await get("/about");
    const hit = await get("/about");
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(hit.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
  });
});
