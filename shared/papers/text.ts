/** How papers' text is cleaned and shortened wherever it is shown: the site's cards and the digests alike. */

/** arXiv's hard line breaks and indentation carry no meaning: every run of whitespace is one space. */
/** "1 comment", "3 comments": a count and its noun, singular for one. */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const collapseWhitespace = (s: string) => s.replace(/\s+/g, " ").trim();

/** "A, B, C, D and 12 others" */
export function shortAuthors(authors: string[], max = 5): string {
  if (authors.length <= max) return authors.join(", ");
  const rest = authors.length - (max - 1);
  return `${authors.slice(0, max - 1).join(", ")} and ${rest} others`;
}

/** The opening of a text, whitespace collapsed, cut at a word boundary near `max` characters. */
export function excerpt(text: string, max = 280): string {
  const flat = collapseWhitespace(text);
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 40))}…`;
}
