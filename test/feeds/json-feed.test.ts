import { XMLParser } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { CACHE_POLICIES } from "../../workers/api/src/cache/cache-policy";
import { JSON_FEED_VERSION, JsonFeed } from "../../workers/api/src/feeds/feed-json";
import { get } from "../api/api-support";
import * as fx from "../support/fixtures";
import { seedFeeds } from "./feed-support";

const SITE = "http://127.0.0.1:8787";
const capture = JSON.parse(fx.hfDaily2026) as { paper: { id: string; title: string } }[];
const HOSTILE = `Attention <script>alert("x")</script> & ]]> "quotes" 'apostrophes' \u0001\u0008 done`;
const FEEDS = ["/feeds/daily", "/feeds/trending", "/feeds/search"] as const;
const query = (feed: string) => (feed === "/feeds/search" ? "?q=language%20models" : "");

/** A JSON Feed fetched and checked against what version 1.1 requires of a feed and its items. */
async function fetchJsonFeed(path: string): Promise<JsonFeed> {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  expect(res.headers.get("Content-Type"), path).toBe("application/feed+json; charset=utf-8");
  const doc = (await res.json()) as Record<string, unknown>;
  // https://jsonfeed.org/version/1.1: version and title are required; every item has an id and content_html or content_text.
  expect(doc.version).toBe("https://jsonfeed.org/version/1.1");
  expect(typeof doc.title).toBe("string");
  expect(Array.isArray(doc.items)).toBe(true);
  for (const item of doc.items as Record<string, unknown>[]) {
    expect(typeof item.id, path).toBe("string");
    expect(typeof item.content_text === "string" || typeof item.content_html === "string", path).toBe(true);
    expect(Array.isArray(item.authors)).toBe(true);
  }
  return JsonFeed.parse(doc);
}

const rssParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  isArray: (name) => ["item"].includes(name),
});
async function rssGuids(path: string): Promise<string[]> {
  const { rss } = rssParser.parse(await (await get(path)).text());
  return (rss.channel.item ?? []).map((i: { guid: { "#text": string } }) => i.guid["#text"]);
}

beforeAll(async () => {
  await seedFeeds(HOSTILE);
});

describe("JSON Feed 1.1 beside RSS and Atom", () => {
  it("GET /feeds/daily.json, trending.json and search.json?q= are JSON Feed 1.1 with the required fields", async () => {
    for (const feed of FEEDS) {
      const doc = await fetchJsonFeed(`${feed}.json${query(feed)}`);
      expect(doc.version).toBe(JSON_FEED_VERSION);
      expect(doc.feed_url).toBe(`${SITE}${feed}.json${query(feed)}`);
      expect(doc.home_page_url.startsWith(SITE)).toBe(true);
      expect(doc.items.length, feed).toBeGreaterThan(0);
    }
  });

  it("each JSON feed carries the RSS feed's items: the same ids in the same order", async () => {
    for (const feed of FEEDS) {
      const json = await fetchJsonFeed(`${feed}.json${query(feed)}`);
      const rss = await rssGuids(`${feed}.rss${query(feed)}`);
      expect(rss.length, feed).toBeGreaterThan(0);
      expect(
        json.items.map((i) => i.id),
        feed,
      ).toEqual(rss);
    }
  });

  it("an item is the paper: its page, title, abstract as text, authors, categories as tags, RFC 3339 dates", async () => {
    const doc = await fetchJsonFeed("/feeds/daily.json");
    expect(doc.items.map((i) => i.id)).toEqual(
      expect.arrayContaining([
        ...capture.map((i) => `${SITE}/papers/${i.paper.id}`),
        `${SITE}/papers/astro-ph/0601001`,
      ]),
    );
    const item = doc.items.find((i) => i.id === `${SITE}/papers/2606.00467`)!;
    expect(item.url).toBe(item.id);
    expect(item.title).toBe(capture.find((i) => i.paper.id === "2606.00467")!.paper.title);
    expect(item.authors).toEqual([
      { name: "Etienne Casanova" },
      { name: "Rafal Kocielnik" },
      { name: "R. Michael Alvarez" },
    ]);
    expect(item.content_text).toMatch(/^Large Language Models \(LLMs\) are increasingly used/);
    expect(item.date_published).toBe("2026-06-12T00:00:00.000Z");
    expect(doc.items.find((i) => i.id === `${SITE}/papers/astro-ph/0601001`)!.tags).toEqual(["cs.LG"]);
  });

  it("hostile titles, authors and abstracts survive as text, never as HTML", async () => {
    const doc = await fetchJsonFeed("/feeds/daily.json");
    const item = doc.items.find((i) => i.id === `${SITE}/papers/2606.90001`)!;
    expect(item.title).toContain(`<script>alert("x")</script> & ]]> "quotes" 'apostrophes'`);
    expect(item.content_text).toContain(`<script>alert("x")</script> & ]]>`);
    expect(item).not.toHaveProperty("content_html");
    expect(item.authors.map((a) => a.name)).toEqual(["Zoë <Ünicode> & Co", "B. O'Brien"]);
  });

  it("a search repeats q as text in the title and as a query in the URLs", async () => {
    const q = '<b>"x" & y</b>';
    const doc = await fetchJsonFeed(`/feeds/search.json?q=${encodeURIComponent(q)}`);
    expect(doc.title).toBe(`Paperboy · Search: ${q}`);
    expect(doc.feed_url).toBe(`${SITE}/feeds/search.json?q=${encodeURIComponent(q)}`);
    // Its words are searched as words, in the one ranking the API answers too.
    expect(doc.items.length).toBeGreaterThan(0);
    const api = (await (await get(`/api/papers/search?q=${encodeURIComponent(q)}`)).json()) as {
      paper: { id: string };
    }[];
    expect(doc.items.map((i) => i.url.split("/").at(-1))).toEqual(
      api.map((i) => i.paper.id).slice(0, doc.items.length),
    );
  });

  it("a bad search query gets the same error as the RSS feed's", async () => {
    for (const q of ["", `?q=${"a".repeat(251)}`]) {
      const rss = await get(`/feeds/search.rss${q}`);
      const json = await get(`/feeds/search.json${q}`);
      expect(json.status).toBe(400);
      expect(json.status).toBe(rss.status);
      expect(json.headers.get("Content-Type")).toBe(rss.headers.get("Content-Type"));
      expect(await json.text()).toBe(await rss.text());
    }
  });

  it("cached, tagged and validated like the RSS feed", async () => {
    for (const feed of FEEDS) {
      const json = await get(`${feed}.json${query(feed)}`);
      const rss = await get(`${feed}.rss${query(feed)}`);
      expect(json.headers.get("Cache-Control"), feed).toBe(rss.headers.get("Cache-Control"));
      expect(json.headers.get("Cache-Tag"), feed).toBe(rss.headers.get("Cache-Tag"));
      expect(json.headers.get("Access-Control-Allow-Origin")).toBe("*");
      const etag = json.headers.get("ETag")!;
      expect(etag).toMatch(/^W\//);
      expect((await get(`${feed}.json${query(feed)}`, { "If-None-Match": etag })).status).toBe(304);
    }
    expect((await get("/feeds/daily.json")).headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
  });

  it("the page head announces it and the OpenAPI document describes it", async () => {
    const home = await (await get("/")).text();
    expect(home).toContain(
      '<link rel="alternate" type="application/feed+json" title="Paperboy daily papers (JSON Feed)" href="/feeds/daily.json"/>',
    );
    const doc = (await (await get("/api/openapi.json")).json()) as {
      paths: Record<string, { get: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    for (const path of ["/feeds/daily.json", "/feeds/trending.json", "/feeds/search.json"]) {
      expect(Object.keys(doc.paths[path]!.get.responses["200"]!.content!), path).toEqual(["application/feed+json"]);
    }
  });
});
