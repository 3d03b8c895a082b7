import { z } from "@hono/zod-openapi";
import type { FeedDoc } from "./feed-xml";

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1): the fields our feeds write, for the OpenAPI document and the tests. */
export const JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1";

export const JsonFeedItem = z.object({
  id: z.string(),
  url: z.string(),
  title: z.string(),
  content_text: z.string(),
  date_published: z.string(),
  date_modified: z.string(),
  authors: z.array(z.object({ name: z.string() })),
  tags: z.array(z.string()),
});

export const JsonFeed = z
  .object({
    version: z.literal(JSON_FEED_VERSION),
    title: z.string(),
    home_page_url: z.string(),
    feed_url: z.string(),
    description: z.string(),
    language: z.string(),
    items: z.array(JsonFeedItem),
  })
  .openapi("JsonFeed");

export type JsonFeed = z.infer<typeof JsonFeed>;

/**
 * The same feed description as renderRss and renderAtom, as JSON Feed 1.1. JSON.stringify escapes
 * whatever a title holds, so text stays text (content_text, never HTML); ids are the paper pages'
 * URLs, as RSS's guid and Atom's id are.
 */
export function renderJsonFeed(feed: FeedDoc): string {
  const doc: JsonFeed = {
    version: JSON_FEED_VERSION,
    title: feed.title,
    home_page_url: feed.alternate,
    feed_url: feed.self,
    description: feed.description,
    language: "en",
    items: feed.entries.map((e) => ({
      id: e.link,
      url: e.link,
      title: e.title,
      content_text: e.summary,
      date_published: new Date(e.published).toISOString(),
      date_modified: new Date(e.updated > e.published ? e.updated : e.published).toISOString(),
      authors: e.authors.map((name) => ({ name })),
      tags: e.categories,
    })),
  };
  return JSON.stringify(doc);
}
