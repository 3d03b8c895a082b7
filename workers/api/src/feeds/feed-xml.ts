/** RSS 2.0 and Atom 1.0 writers: pure functions from a feed description to a document. */

export interface FeedEntry {
  id: string;
  title: string;
  link: string;
  authors: string[];
  summary: string;
  /** ISO time the entry appeared (the Daily Papers day, or arXiv's first publication). */
  published: string;
  /** ISO time the paper last changed. */
  updated: string;
  categories: string[];
  /** The paper's comments: visible local ones plus upstream's count. */
  numComments: number;
}

export interface FeedDoc {
  title: string;
  description: string;
  /** The feed's own URL. */
  self: string;
  /** The HTML page the feed mirrors. */
  alternate: string;
  updated: string;
  entries: FeedEntry[];
}

// Characters XML 1.0 forbids even when escaped: C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF.
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Entity-escapes text for element content and attribute values alike. */
export function xmlEscape(s: string): string {
  return s
    .replace(FORBIDDEN, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const el = (name: string, text: string, attrs = "") => `<${name}${attrs}>${xmlEscape(text)}</${name}>`;
const attr = (name: string, value: string) => ` ${name}="${xmlEscape(value)}"`;

/** RFC 822 dates, as RSS 2.0 requires: "Fri, 12 Jun 2026 00:00:00 GMT". */
const rfc822 = (iso: string) => new Date(iso).toUTCString();

export function renderRss(feed: FeedDoc): string {
  const items = feed.entries.map((e) =>
    [
      "<item>",
      el("title", e.title),
      el("link", e.link),
      el("guid", e.link, attr("isPermaLink", "true")),
      el("pubDate", rfc822(e.published)),
      ...e.authors.map((a) => el("dc:creator", a)),
      ...e.categories.map((c) => el("category", c)),
      el("description", e.summary),
      el("comments", `${e.link}#comments`),
      el("slash:comments", String(e.numComments)),
      "</item>",
    ].join(""),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">',
    "<channel>",
    el("title", feed.title),
    el("link", feed.alternate),
    el("description", feed.description),
    el("language", "en"),
    el("lastBuildDate", rfc822(feed.updated)),
    el("generator", "Paperboy"),
    `<atom:link${attr("href", feed.self)}${attr("rel", "self")}${attr("type", "application/rss+xml")}/>`,
    ...items,
    "</channel>",
    "</rss>",
    "",
  ].join("\n");
}

export function renderAtom(feed: FeedDoc): string {
  const entries = feed.entries.map((e) =>
    [
      "<entry>",
      el("id", e.link),
      el("title", e.title, attr("type", "text")),
      `<link${attr("rel", "alternate")}${attr("type", "text/html")}${attr("href", e.link)}/>`,
      // RFC 4685: the discussion, with its count.
      `<link${attr("rel", "replies")}${attr("type", "text/html")}${attr("href", `${e.link}#comments`)}${attr("thr:count", String(e.numComments))}/>`,
      el("published", new Date(e.published).toISOString()),
      el("updated", new Date(e.updated > e.published ? e.updated : e.published).toISOString()),
      ...e.authors.map((a) => `<author>${el("name", a)}</author>`),
      ...e.categories.map((c) => `<category${attr("term", c)}/>`),
      el("summary", e.summary, attr("type", "text")),
      "</entry>",
    ].join(""),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0" xml:lang="en">',
    el("id", feed.self),
    el("title", feed.title, attr("type", "text")),
    el("subtitle", feed.description, attr("type", "text")),
    `<link${attr("rel", "self")}${attr("type", "application/atom+xml")}${attr("href", feed.self)}/>`,
    `<link${attr("rel", "alternate")}${attr("type", "text/html")}${attr("href", feed.alternate)}/>`,
    el("updated", new Date(feed.updated).toISOString()),
    // Atom requires an author for every entry; the feed's stands in for entries without one.
    `<author>${el("name", "Paperboy")}</author>`,
    el("generator", "Paperboy"),
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}
