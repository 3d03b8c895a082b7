import { parseFeed } from "@rowanmanning/feed-parser";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { renderAtom, renderRss, xmlEscape } from "../../workers/api/src/feeds/feed-xml";
import { get } from "../api/api-support";
import * as fx from "../support/fixtures";
import { seedFeeds } from "./feed-support";

const SITE = "http://127.0.0.1:8787";
const capture = JSON.parse(fx.hfDaily2026) as { paper: { id: string; title: string } }[];
const HOSTILE = `Attention <script>alert("x")</script> & ]]> "quotes" 'apostrophes' \u0001\u0008 and \uD800 done`;

async function fetchFeed(path: string, type: RegExp) {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  expect(res.headers.get("Content-Type")).toMatch(type);
  const xml = await res.text();
  expect(XMLValidator.validate(xml), path).toBe(true);
  return { xml, feed: parseFeed(xml) };
}

beforeAll(async () => {
  await seedFeeds(HOSTILE, [{ id: "2601.00009", day: "2026-01-05", title: "An old day, outside the daily feed" }]);
});

describe("daily feeds", () => {
  it("RSS 2.0 carries the latest days' papers, each linking its paper page with authors and abstract", async () => {
    const { feed } = await fetchFeed("/feeds/daily.rss", /^application\/rss\+xml/);
    expect(feed.meta.type).toBe("rss");
    expect(feed.meta.version).toBe("2.0");
    expect(feed.self).toBe(`${SITE}/feeds/daily.rss`);
    const ids = feed.items.map((i) => i.url!.replace(`${SITE}/papers/`, ""));
    expect(ids).toEqual(expect.arrayContaining([...capture.map((i) => i.paper.id), "2606.90001", "astro-ph/0601001"]));
    expect(ids).not.toContain("2601.00009");
    const first = feed.items.find((i) => i.url === `${SITE}/papers/2606.00467`)!;
    expect(first.title).toBe(capture.find((i) => i.paper.id === "2606.00467")!.paper.title);
    expect(first.authors.map((a) => a.name)).toEqual(["Etienne Casanova", "Rafal Kocielnik", "R. Michael Alvarez"]);
    expect(first.description).toMatch(/^Large Language Models \(LLMs\) are increasingly used/);
    expect(first.published?.toISOString()).toBe("2026-06-12T00:00:00.000Z");
  });

  it("Atom carries the same papers with per-entry authors and summaries", async () => {
    const { feed, xml } = await fetchFeed("/feeds/daily.atom", /^application\/atom\+xml/);
    expect(feed.meta.type).toBe("atom");
    expect(feed.items).toHaveLength(capture.length + 2);
    const item = feed.items.find((i) => i.url === `${SITE}/papers/astro-ph/0601001`)!;
    expect(item.title).toBe("Old-style id paper");
    expect(item.authors.map((a) => a.name)).toEqual(["Ada Lovelace", "Alan Turing"]);
    expect(xml).toContain(
      '<link rel="self" type="application/atom+xml" href="http://127.0.0.1:8787/feeds/daily.atom"/>',
    );
  });

  it("carry each paper's comment count and discussion: RSS comments and slash:comments, Atom's RFC 4685 replies link", async () => {
    const rss = (await fetchFeed("/feeds/daily.rss", /rss/)).xml;
    const item = new RegExp(`<item><title>[^<]*</title><link>${SITE}/papers/2606\\.00467</link>[\\s\\S]*?</item>`).exec(
      rss,
    )![0];
    expect(item).toContain(`<comments>${SITE}/papers/2606.00467#comments</comments><slash:comments>2</slash:comments>`);
    const atom = (await fetchFeed("/feeds/daily.atom", /atom/)).xml;
    expect(atom).toContain(
      `<link rel="replies" type="text/html" href="${SITE}/papers/2606.00467#comments" thr:count="2"/>`,
    );
    const feed = parseFeed(atom);
    expect(feed.items.find((i) => i.url === `${SITE}/papers/2606.00467`)).toBeTruthy();
  });

  it("escapes hostile titles, authors and abstracts, and drops characters XML forbids", async () => {
    for (const [path, type] of [
      ["/feeds/daily.rss", /rss/],
      ["/feeds/daily.atom", /atom/],
    ] as const) {
      const { xml, feed } = await fetchFeed(path, type);
      expect(xml).not.toContain("<script>");
      expect(xml).not.toMatch(/[\u0001\u0008]/);
      const item = feed.items.find((i) => i.url === `${SITE}/papers/2606.90001`)!;
      expect(item.title).toContain(`<script>alert("x")</script> & ]]> "quotes" 'apostrophes'`);
      expect(item.authors.map((a) => a.name)).toEqual(["Zoë <Ünicode> & Co", "B. O'Brien"]);
    }
  });
});

describe("trending and search feeds", () => {
  it("trending, in both formats", async () => {
    const rss = await fetchFeed("/feeds/trending.rss", /rss/);
    const atom = await fetchFeed("/feeds/trending.atom", /atom/);
    expect(rss.feed.items.length).toBeGreaterThan(10);
    expect(atom.feed.items.map((i) => i.url)).toEqual(rss.feed.items.map((i) => i.url));
  });

  it("search with q, best match first, in both formats", async () => {
    const rss = await fetchFeed("/feeds/search.rss?q=decision%20stickiness", /rss/);
    expect(rss.feed.items[0]!.url).toBe(`${SITE}/papers/2606.00467`);
    expect(rss.feed.title).toBe("Paperboy · Search: decision stickiness");
    const atom = await fetchFeed("/feeds/search.atom?q=decision%20stickiness", /atom/);
    expect(atom.feed.items[0]!.url).toBe(`${SITE}/papers/2606.00467`);
  });

  it("an empty result is still a valid feed", async () => {
    const { feed } = await fetchFeed("/feeds/search.rss?q=zzyzxqwv", /rss/);
    expect(feed.items).toEqual([]);
  });

  it("escapes q where the feed repeats it", async () => {
    const { xml } = await fetchFeed(`/feeds/search.atom?q=${encodeURIComponent('<b>"x" & y</b>')}`, /atom/);
    expect(xml).toContain("&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;");
  });

  it("400 without q, or with q over 250 characters", async () => {
    expect((await get("/feeds/search.rss")).status).toBe(400);
    expect((await get(`/feeds/search.atom?q=${"a".repeat(251)}`)).status).toBe(400);
  });

  it("404 for an unknown feed", async () => {
    expect((await get("/feeds/weekly.rss")).status).toBe(404);
  });
});

describe("the writers", () => {
  const doc = {
    title: "T & <t>",
    description: "d",
    self: "http://x.test/feed?a=1&b=2",
    alternate: "http://x.test/",
    updated: "2026-06-12T00:00:00.000Z",
    entries: [],
  };
  it("write well-formed, parseable documents when empty", () => {
    for (const xml of [renderRss(doc), renderAtom(doc)]) {
      expect(XMLValidator.validate(xml)).toBe(true);
      expect(parseFeed(xml).title).toBe("T & <t>");
    }
  });
  it("escapes the five XML characters", () => {
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  });
});

describe("what the specifications require", () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    isArray: (name) => ["item", "entry", "author", "dc:creator", "category", "link"].includes(name),
  });
  const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  const RFC822 =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

  it("RSS 2.0: a channel with title, link and description; items with title, link, guid and RFC 822 dates", async () => {
    const { xml } = await fetchFeed("/feeds/daily.rss", /rss/);
    const { rss } = parser.parse(xml);
    expect(rss["@version"]).toBe("2.0");
    const channel = rss.channel;
    for (const field of ["title", "description"]) expect(typeof channel[field]).toBe("string");
    expect(channel.link.map((l: unknown) => (typeof l === "string" ? l : null)).filter(Boolean)).toEqual([`${SITE}/`]);
    expect(channel.lastBuildDate).toMatch(RFC822);
    expect(channel.item.length).toBeGreaterThan(0);
    for (const item of channel.item) {
      expect(item.title).toBeTruthy();
      expect(item.link[0]).toMatch(new RegExp(`^${SITE}/papers/`));
      expect(item.guid["@isPermaLink"]).toBe("true");
      expect(item.pubDate).toMatch(RFC822);
      expect(item["dc:creator"].length).toBeGreaterThan(0);
      expect(typeof item.description).toBe("string");
    }
  });

  it("Atom (RFC 4287): feed id, title, updated and self link; entries with id, title, updated, alternate link, author, summary", async () => {
    const { xml } = await fetchFeed("/feeds/trending.atom", /atom/);
    const { feed } = parser.parse(xml);
    expect(feed["@xmlns"]).toBe("http://www.w3.org/2005/Atom");
    expect(feed.id).toBe(`${SITE}/feeds/trending.atom`);
    expect(feed.updated).toMatch(RFC3339);
    expect(feed.link.map((l: Record<string, string>) => l["@rel"])).toEqual(["self", "alternate"]);
    expect(feed.entry.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const entry of feed.entry) {
      ids.add(entry.id);
      expect(entry.title["#text"]).toBeTruthy();
      expect(entry.updated).toMatch(RFC3339);
      expect(entry.published).toMatch(RFC3339);
      expect(entry.link[0]["@rel"]).toBe("alternate");
      expect(entry.link[0]["@href"]).toBe(entry.id);
      expect(entry.author.length).toBeGreaterThan(0);
      expect(entry.summary["@type"]).toBe("text");
    }
    expect(ids.size).toBe(feed.entry.length);
  });
});
