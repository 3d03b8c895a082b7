import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { captureItems, get, ingestHfDaily, insertPapers, VOTES_SCRIPT_TAG, withoutVotesScript } from "./site-support";

const capture = captureItems();
const top = [...capture].sort((a, b) => b.paper.upvotes - a.paper.upvotes)[0]!;
const decode = (s: string) =>
  s
    .replaceAll("&amp;", "&")
    .replaceAll("&#39;", "'")
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">");

async function html(path: string, status = 200) {
  const res = await get(path);
  const body = await res.text();
  expect(res.status, `${path}: ${body.slice(0, 300)}`).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
  return { res, body, text: decode(body) };
}

beforeAll(async () => {
  await ingestHfDaily();
  await insertPapers([
    { id: "2606.20001", day: "2026-06-10", title: "An earlier day's paper", upvotes: 4 },
    { id: "2607.00001", day: "2026-07-01", title: "A paper of July", upvotes: 2 },
    { id: "astro-ph/0601001", title: "An old-style paper about dark matter halos" },
  ]);
});

describe("day pages", () => {
  it("GET / shows the latest day with papers", async () => {
    const { body, text } = await html("/");
    expect(body.startsWith("<!doctype html>")).toBe(true);
    expect(text).toContain("A paper of July");
    expect(text).toContain("Jul 1, 2026");
  });

  it("GET /papers/date/2026-06-12 lists all 30 papers of the real capture, most upvoted first, under 60 KB", async () => {
    const { body, text } = await html("/papers/date/2026-06-12");
    for (const item of capture) expect(text).toContain(item.paper.title);
    const first = /<h2><a href="\/papers\/([^"]+)">/.exec(body)?.[1];
    expect(first).toBe(top.paper.id);
    expect(new TextEncoder().encode(body).length).toBeLessThan(60_000);
    expect(body).toContain('href="/papers/date/2026-06-10" rel="prev"');
    expect(body).toContain('href="/papers/date/2026-07-01" rel="next"');
  });

  it("advertises the RSS and Atom feeds and the content-hashed stylesheet in the head", async () => {
    const { body } = await html("/papers/date/2026-06-12");
    expect(body).toContain(
      '<link rel="alternate" type="application/rss+xml" title="Paperboy daily papers (RSS)" href="/feeds/daily.rss"/>',
    );
    expect(body).toContain('type="application/atom+xml"');
    expect(body).toMatch(/<link rel="stylesheet" href="\/static\/site\.[0-9a-f]{8}\.css"\/>/);
    // One script: the votes script, from our own origin; nothing inline.
    expect(body.match(VOTES_SCRIPT_TAG)).toHaveLength(1);
    expect(withoutVotesScript(body)).not.toContain("<script");
  });

  it("every listing page offers the email subscription, posting to /subscribe", async () => {
    for (const path of [
      "/",
      "/papers/date/2026-06-12",
      "/papers/week/2026-W24",
      "/papers/month/2026-06",
      "/papers/trending",
    ]) {
      const { text } = await html(path);
      expect(text, path).toContain("Get trending papers in your email inbox!");
      expect(text, path).toMatch(/<form method="post" action="\/subscribe"[^>]*>[\s\S]*?name="email"/);
    }
  });

  it("an empty day falls back to the nearest earlier day with papers and says so", async () => {
    const { text } = await html("/papers/date/2026-06-14");
    expect(text).toContain(
      'No papers on <time datetime="2026-06-14">Jun 14, 2026</time>: showing the nearest earlier day with papers, Jun 12, 2026.',
    );
    expect(text).toContain(top.paper.title);
  });

  it("a day before any papers says so and links the first day", async () => {
    const { body } = await html("/papers/date/2001-01-01");
    expect(body).toContain('No papers on <time datetime="2001-01-01">Jan 1, 2001</time> or any day before it');
    expect(body).toContain('href="/papers/date/2026-06-10"');
  });

  it("sorts by newest and trending on request", async () => {
    for (const sort of ["newest", "trending"]) {
      const { text } = await html(`/papers/date/2026-06-12?sort=${sort}`);
      for (const item of capture) expect(text).toContain(item.paper.title);
    }
  });

  it("answers an impossible date, an unknown sort and a bad page with a readable 400 page", async () => {
    for (const path of [
      "/papers/date/2026-02-30",
      "/papers/date/yesterday",
      "/papers/date/2026-06-12?sort=best",
      "/papers/week/2026-W24?page=0",
      "/papers/week/2026-W24?page=abc",
    ]) {
      const { text } = await html(path, 400);
      expect(text, path).toMatch(/must be/);
      expect(text).toContain("Back to the latest papers");
    }
  });

  it("says which sorts and pages there are, and reads an empty sort or page as absent", async () => {
    expect((await html("/papers/date/2026-06-12?sort=best", 400)).text).toContain(
      "sort must be one of upvotes, trending, newest",
    );
    for (const page of ["0", "201", "1.5", "-1", "00001"]) {
      expect((await html(`/papers/week/2026-W24?page=${page}`, 400)).text, page).toContain(
        "page must be a number from 1 to 200",
      );
    }
    const empty = await html("/papers/week/2026-W24?sort=&page=");
    expect(empty.text).toContain(top.paper.title);
    expect((await html("/papers/week/2026-W24?page=0200")).text).toContain("Week 24 of 2026");
  });
});

describe("week and month pages", () => {
  it("GET /papers/week/2026-W24 lists the week's papers with the day of each and links the neighbouring weeks", async () => {
    const { body, text } = await html("/papers/week/2026-W24");
    expect(text).toContain("Week 24 of 2026 (Jun 8 – Jun 14)");
    expect(text).toContain("An earlier day's paper");
    expect(text).toContain(top.paper.title);
    expect(body).toContain('href="/papers/week/2026-W23"');
    expect(body).toContain('href="/papers/week/2026-W25"');
  });

  it("pages through a month 50 papers at a time", async () => {
    const { body, text } = await html("/papers/month/2026-06");
    expect(text).toContain("June 2026");
    expect(text).not.toContain("A paper of July");
    expect(body).not.toContain("Next page");
  });

  it("refuses weeks and months that do not exist", async () => {
    await html("/papers/week/2025-W53", 400);
    await html("/papers/week/2026-24", 400);
    await html("/papers/month/2026-13", 400);
  });

  it("/papers/week and /papers/month redirect to the period of the latest day with papers", async () => {
    expect((await get("/papers/week")).headers.get("Location")).toBe("/papers/week/2026-W27");
    expect((await get("/papers/month")).headers.get("Location")).toBe("/papers/month/2026-07");
  });
});

describe("trending, about", () => {
  it("GET /papers/trending shows only papers of the 14 days up to the latest featured day", async () => {
    const { text } = await html("/papers/trending");
    expect(text).toContain("score = (upvotes + 1) / (days since featured + 2)^1.5");
    expect(text).toContain("A paper of July");
    expect(text).not.toContain(top.paper.title);
  });

  it("GET /about explains the sources and the trending formula", async () => {
    const { text } = await html("/about");
    expect(text).toContain("How trending works");
    expect(text).toContain("score = (upvotes + 1) / (days since featured + 2)^1.5");
  });

  it("GET /about shows how to add the MCP server, at this site's address", async () => {
    const { text } = await html("/about");
    expect(text).toContain(`claude mcp add --transport http paperboy ${env.SITE_URL}/mcp`);
    expect(text).toContain(`"url": "${env.SITE_URL}/mcp"`);
  });
});

describe("paper pages", () => {
  it("shows the full abstract, authors, arXiv and PDF links, upvotes and related papers", async () => {
    const { body, text } = await html(`/papers/${top.paper.id}`);
    expect(text).toContain(top.paper.title);
    expect(text).toContain(top.paper.summary.replace(/\s+/g, " ").trim().slice(0, 200));
    expect(body).toContain(`href="https://arxiv.org/abs/${top.paper.id}"`);
    expect(body).toContain(`href="https://arxiv.org/pdf/${top.paper.id}"`);
    // the count once, in the vote widget (the script updates it in place)
    expect(body).toMatch(new RegExp(`<b class="count"[^>]*>${top.paper.upvotes}</b>`));
    expect(text).not.toContain(`${top.paper.upvotes} upvotes`);
    expect(text).toContain("Related papers");
  });

  it("serves old-style ids with a slash", async () => {
    const { text } = await html("/papers/astro-ph/0601001");
    expect(text).toContain("An old-style paper about dark matter halos");
    const md = await get("/papers/astro-ph/0601001.md");
    expect(md.status).toBe(200);
  });

  it("serves Markdown at .md and for Accept: text/markdown", async () => {
    for (const res of [
      await get(`/papers/${top.paper.id}.md`),
      await get(`/papers/${top.paper.id}`, { Accept: "text/markdown" }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toMatch(/^text\/markdown/);
      expect(await res.text()).toMatch(/^# /);
    }
  });

  it("redirects a versioned id to the paper, answers 404 for an unknown one and 400 for a malformed one", async () => {
    const res = await get(`/papers/${top.paper.id}v2`);
    expect(res.status).toBe(301);
    expect(res.headers.get("Location")).toBe(`/papers/${top.paper.id}`);
    await html("/papers/2699.99999", 404);
    await html("/papers/not-an-id", 400);
  });

  it("answers unknown addresses with a readable 404 page", async () => {
    const { text } = await html("/nope", 404);
    expect(text).toContain("Not found");
  });
});

describe("search", () => {
  it("finds papers by title words, best match first, with highlighted snippets", async () => {
    const words = top.paper.title
      .split(/\s+/)
      .filter((w) => /^[A-Za-z]{5,}$/.test(w))
      .slice(0, 3)
      .join(" ");
    const { body } = await html(`/search?q=${encodeURIComponent(words)}`);
    expect(/<h2><a href="\/papers\/([^"]+)">/.exec(body)?.[1]).toBe(top.paper.id);
    expect(body).toContain("<mark>");
  });

  it("finds papers by author", async () => {
    const { text } = await html("/search?q=Kocielnik");
    expect(text).toContain("On the Limits of LLM Adaptability");
  });

  it("pages results", async () => {
    const { body } = await html("/search?q=model");
    expect(body).toContain("Next page");
    const second = await html("/search?q=model&page=2");
    expect(second.body).toContain("Previous page");
  });

  it("never errors whatever the user types", async () => {
    const hostile = [
      '"unbalanced',
      "((( model",
      "model AND OR NOT",
      "title:model",
      "NEAR(model data, 2)",
      "mod*",
      "-model",
      "^model",
      "'; DROP TABLE papers; --",
      "🦙🔥 llama",
      "🦙",
      "x".repeat(2000),
      "word ".repeat(500),
      "\u0000\u0001\u0002",
      "<script>alert(1)</script>",
      "",
      "   ",
    ];
    for (const q of hostile) {
      const res = await get(`/search?q=${encodeURIComponent(q)}`);
      const body = await res.text();
      expect(res.status, q.slice(0, 40)).toBe(200);
      expect(body).not.toContain("<script>alert");
    }
  });

  it("says so when nothing matches or nothing is searchable", async () => {
    expect((await html("/search?q=zzzzqqqq")).text).toContain("No paper matches");
    expect((await html("/search?q=%F0%9F%A6%99")).text).toContain("no words to search for");
  });
});

describe("stylesheet", () => {
  it("is under 10 KB and cached for a year under its content hash", async () => {
    const page = await (await get("/about")).text();
    const href = /href="(\/static\/site\.[0-9a-f]+\.css)"/.exec(page)![1]!;
    const res = await get(href);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/css/);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect((await res.arrayBuffer()).byteLength).toBeLessThan(10_000);
    expect((await get("/static/site.00000000.css")).status).toBe(404);
  });
});
