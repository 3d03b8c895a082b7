import {
  AnnouncementRecord,
  accept,
  acceptPaper,
  emptyBatch,
  type ParsedBatch,
  parseArxivId,
} from "#shared/papers/records";
import { isWithdrawn, list, MalformedUpstream, parseXml, text, type XmlNode } from "./xml";

const ANNOUNCE_TYPES: Record<string, AnnouncementRecord["type"]> = {
  new: "new",
  cross: "cross",
  replace: "replace",
  "replace-cross": "replace",
};

/** The announcement day in arXiv's calendar (US Eastern), from the RFC 822 pubDate. */
function announcementDay(pubDate: string | undefined): string | undefined {
  if (!pubDate) return undefined;
  const m = /(\d{1,2}) (\w{3}) (\d{4})/.exec(pubDate);
  if (!m) return undefined;
  const month = "JanFebMarAprMayJunJulAugSepOctNovDec".indexOf(m[2]!) / 3 + 1;
  if (month < 1) return undefined;
  return `${m[3]}-${String(month).padStart(2, "0")}-${m[1]!.padStart(2, "0")}`;
}

/** An unparsable date stays as it came, so that the record's validation names it and skips the item. */
function rfc822ToIso(date: string | undefined): string | undefined {
  if (!date) return undefined;
  const time = new Date(date);
  return Number.isNaN(time.getTime()) ? date : time.toISOString();
}

/**
 * Parses an arXiv listing feed (rss.arxiv.org/rss/<cats>, RSS 2.0): each item becomes a paper and
 * an announcement of type new, cross or replace. `listed` are the categories asked for: an
 * announcement is filed under the first of them that the paper carries.
 */
export function parseArxivRss(xml: string, listed: readonly string[]): ParsedBatch {
  const channel = (parseXml(xml).rss as XmlNode | undefined)?.channel as XmlNode | undefined;
  if (!channel) throw new MalformedUpstream("not an RSS 2.0 feed");
  const batch = emptyBatch();
  const channelDay = announcementDay(text(channel.pubDate));
  for (const item of list(channel.item) as XmlNode[]) {
    batch.read++;
    const guid = text(item.guid) ?? text(item.link) ?? "";
    const parsedId = parseArxivId(guid);
    const description = text(item.description) ?? "";
    const abstract = description.replace(/^[\s\S]*?Abstract:\s*/, "");
    const categories = list(item.category)
      .map(text)
      .filter((c): c is string => !!c);
    const pubDate = text(item.pubDate);
    const published = rfc822ToIso(pubDate);
    const announceType = ANNOUNCE_TYPES[text(item.announce_type) ?? "new"];
    const paper = acceptPaper(
      batch,
      {
        id: parsedId?.id ?? guid,
        version: parsedId?.version ?? 1,
        title: text(item.title),
        abstract,
        authors: (text(item.creator) ?? "").split(/,\s*|\s+and\s+/).filter(Boolean),
        categories,
        primaryCategory: categories[0],
        published,
        updated: published,
        withdrawn: isWithdrawn(abstract.slice(0, 200)),
      },
      guid || "item",
    );
    if (!paper) continue;
    const announcement = accept(
      batch,
      AnnouncementRecord,
      {
        day: announcementDay(pubDate) ?? channelDay,
        paperId: paper.id,
        category: listed.find((c) => categories.includes(c)) ?? categories[0],
        type: announceType,
      },
      guid,
    );
    if (!announcement) continue;
    batch.papers.push(paper);
    batch.announcements.push(announcement);
  }
  return batch;
}
