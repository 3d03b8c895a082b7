/**
 * What each share card shows, and the address that names it: the address carries a hash of what
 * the card shows (and of its template), so a card is cached at the edge for good and a change of
 * title or upvotes gives a new address. Pages put these addresses in og:image; card-routes.ts
 * answers them.
 */
import type { ListedPaper } from "#shared/papers/queries";
import { shortAuthors } from "#shared/papers/text";
import { contentHash } from "../ui/content-hash";
import { CARD_TEMPLATE, type DayCardData, type PaperCardData } from "./card-svg";

export const paperCard = (item: ListedPaper): PaperCardData => ({
  id: item.paper.id,
  title: item.paper.title,
  authors: shortAuthors(item.paper.authors, 3),
  primaryCategory: item.paper.primaryCategory,
  day: item.entry?.day ?? null,
  upvotes: item.entry ? item.upvotes : null,
});

/** A day's card (day null: the home page's): its three most upvoted papers, as the day's upvotes order ranks them. */
export function dayCard(day: string | null, items: ListedPaper[]): DayCardData {
  const top = [...items].sort((a, b) => b.upvotes - a.upvotes || (a.paper.id < b.paper.id ? -1 : 1)).slice(0, 3);
  return { day, titles: top.map((i) => i.paper.title) };
}

/** The hash an address carries: eight hex digits of what the card shows. */
export const cardVersion = (data: PaperCardData | DayCardData) => contentHash(JSON.stringify([CARD_TEMPLATE, data]));

const file = (version: string | null) => (version ? `card-${version}.png` : "card.png");

/** The card's path: versioned (what pages link) or, with version null, the card as it is now. */
export const cardPath = (data: PaperCardData | DayCardData, version: string | null = cardVersion(data)) =>
  "id" in data
    ? `/papers/${data.id}/${file(version)}`
    : data.day
      ? `/papers/date/${data.day}/${file(version)}`
      : `/papers/${file(version)}`;

/** The alt text of a card: what it says, in words. */
export function cardAlt(data: PaperCardData | DayCardData): string {
  if ("id" in data)
    return `${data.title}: arXiv ${data.id}${data.primaryCategory ? `, ${data.primaryCategory}` : ""}, on Paperboy`;
  const on = data.day ? `Daily papers of ${data.day} on Paperboy` : "Paperboy: today's notable ML papers";
  return data.titles.length ? `${on}: ${data.titles.join("; ")}` : on;
}
