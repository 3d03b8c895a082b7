/** How papers are shortened wherever they are listed: the site's cards and the digests alike. */

/** "A, B, C, D and 12 others" */
export function shortAuthors(authors: string[], max = 5): string {
  if (authors.length <= max) return authors.join(", ");
  const rest = authors.length - (max - 1);
  return `${authors.slice(0, max - 1).join(", ")} and ${rest} others`;
}

/** The opening of a text, whitespace collapsed, cut at a word boundary near `max` characters. */
export function excerpt(text: string, max = 280): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 40))}…`;
}
