import { acceptPaper, emptyBatch, type ParsedBatch, parseArxivId } from "#shared/papers/records";
import { attr, isWithdrawn, linksFromComment, list, MalformedUpstream, parseXml, text, type XmlNode } from "./xml";

export interface AtomPage extends ParsedBatch {
  totalResults: number;
}

/**
 * Parses an arXiv API (Atom) response, in today's format and the 2016 one. An error entry
 * (HTTP 400, "incorrect id format") becomes a MalformedUpstream error; bad entries are skipped.
 */
export function parseArxivAtom(xml: string): AtomPage {
  const feed = parseXml(xml).feed as XmlNode | undefined;
  if (!feed) throw new MalformedUpstream("not an Atom feed");
  const entries = list(feed.entry) as XmlNode[];
  const errorEntry = entries.find((e) => text(e.id)?.includes("/api/errors"));
  if (errorEntry) throw new MalformedUpstream(`arXiv API error: ${text(errorEntry.summary) ?? "unknown"}`);

  const batch: AtomPage = { ...emptyBatch(), totalResults: Number(text(feed.totalResults) ?? entries.length) };
  for (const entry of entries) {
    batch.read++;
    const rawId = text(entry.id) ?? "";
    const parsedId = parseArxivId(rawId);
    const comment = text(entry.comment);
    const categories = list(entry.category)
      .map((c) => attr(c, "term"))
      .filter((c): c is string => !!c);
    const record = acceptPaper(
      batch,
      {
        id: parsedId?.id ?? rawId,
        version: parsedId?.version ?? 1,
        title: text(entry.title),
        abstract: text(entry.summary) ?? "",
        authors: list(entry.author).map((a) => text((a as XmlNode).name)),
        categories,
        primaryCategory: attr(entry.primary_category, "term") ?? categories[0],
        published: text(entry.published),
        updated: text(entry.updated) ?? text(entry.published),
        comment,
        journalRef: text(entry.journal_ref),
        doi: text(entry.doi),
        ...linksFromComment(comment),
        withdrawn: isWithdrawn(comment),
      },
      rawId || "entry",
    );
    if (record) batch.papers.push(record);
  }
  return batch;
}
