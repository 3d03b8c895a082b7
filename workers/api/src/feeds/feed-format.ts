import type { Context } from "hono";
import type { PaperWithEntry } from "../api/hf-shape";
import type { AppEnv } from "../env";
import { renderJsonFeed } from "./feed-json";
import { type FeedDoc, type FeedEntry, renderAtom, renderRss } from "./feed-xml";

/** The three serialisations of a feed, and a listed paper as a feed's entry: the public feeds' and the private For-you feed's. */

export type Format = "rss" | "atom" | "json";
export const FORMATS = ["rss", "atom", "json"] as const satisfies readonly Format[];
export const MEDIA_TYPES: Record<Format, string> = {
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  json: "application/feed+json",
};
export const FORMAT_NAMES: Record<Format, string> = { rss: "RSS 2.0", atom: "Atom", json: "JSON Feed 1.1" };
const RENDERERS: Record<Format, (doc: FeedDoc) => string> = { rss: renderRss, atom: renderAtom, json: renderJsonFeed };

export function toEntry(site: string, { paper, entry, numComments }: PaperWithEntry): FeedEntry {
  const featured = entry ? `${entry.day}T00:00:00.000Z` : paper.published;
  return {
    id: paper.id,
    title: paper.title,
    link: `${site}/papers/${paper.id}`,
    authors: paper.authors,
    summary: paper.abstract,
    published: featured,
    updated: paper.updated > featured ? paper.updated : featured,
    categories: paper.categories,
    numComments,
  };
}

export function send<E extends AppEnv>(c: Context<E>, format: Format, doc: Omit<FeedDoc, "updated">) {
  const updated = doc.entries.reduce((max, e) => (e.updated > max ? e.updated : max), "1970-01-01T00:00:00.000Z");
  return c.body(RENDERERS[format]({ ...doc, updated }), 200, {
    "Content-Type": `${MEDIA_TYPES[format]}; charset=utf-8`,
  });
}
