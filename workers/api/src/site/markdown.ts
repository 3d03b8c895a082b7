import type { PaperFields } from "#shared/db/schema";
import { collapseWhitespace, plural } from "#shared/papers/text";

/**
 * A paper as Markdown, for agents and scripts (`/papers/{id}.md`, `Accept: text/markdown`).
 * Pure: the caller passes the paper row (and its daily entry, when featured) and the site's URL.
 */

export interface MarkdownEntry {
  day: string;
  upvotes: number;
}

/**
 * Backslash-escapes what Markdown would read as markup or raw HTML in running text; LaTeX in
 * titles and abstracts stays legible because `$`, `^` and `{}` are left alone.
 */
export function mdEscape(s: string): string {
  return collapseWhitespace(s).replace(/([\\`*_[\]<>|#!])/g, "\\$1");
}

/** Link targets: angle-bracketed, so that spaces and parentheses cannot end them early. */
const target = (url: string) => `<${url.replace(/[<>\s]/g, encodeURIComponent)}>`;
const link = (text: string, url: string) => `[${mdEscape(text)}](${target(url)})`;
const day = (iso: string) => iso.slice(0, 10);

export function renderPaperMarkdown(
  paper: PaperFields,
  opts: {
    siteUrl: string;
    entry?: MarkdownEntry | null;
    numComments?: number;
    /** Related papers, as the paper page lists them (by meaning where vectors are on, else by words). */
    related?: Pick<PaperFields, "id" | "title">[];
  },
): string {
  const comments = opts.numComments ?? 0;
  const abs = `https://arxiv.org/abs/${paper.id}`;
  const pdf = `https://arxiv.org/pdf/${paper.id}`;
  const facts: string[] = [
    `- **arXiv:** ${link(paper.id + (paper.version > 0 ? `v${paper.version}` : ""), abs)} · ${link("PDF", pdf)}`,
    `- **Authors:** ${paper.authors.map(mdEscape).join(", ") || "unknown"}`,
    `- **Published:** ${day(paper.published)}${paper.updated.slice(0, 10) !== paper.published.slice(0, 10) ? ` · **Updated:** ${day(paper.updated)}` : ""}`,
  ];
  if (paper.categories.length) {
    const cats = paper.primaryCategory
      ? [paper.primaryCategory, ...paper.categories.filter((c) => c !== paper.primaryCategory)]
      : paper.categories;
    facts.push(`- **Categories:** ${cats.map((c) => `\`${c.replace(/`/g, "")}\``).join(", ")}`);
  }
  if (opts.entry) {
    const e = opts.entry;
    facts.push(
      `- **Featured:** ${link(e.day, `${opts.siteUrl}/papers/date/${e.day}`)} · ${plural(e.upvotes, "upvote")}` +
        (comments ? ` · ${plural(comments, "comment")}` : ""),
    );
  } else if (comments) {
    facts.push(`- **Discussion:** ${link(plural(comments, "comment"), `${opts.siteUrl}/papers/${paper.id}#comments`)}`);
  }
  if (paper.codeUrl)
    facts.push(
      `- **Code:** ${link(paper.codeUrl, paper.codeUrl)}${paper.githubStars != null ? ` (${paper.githubStars} stars)` : ""}`,
    );
  if (paper.projectUrl) facts.push(`- **Project page:** ${link(paper.projectUrl, paper.projectUrl)}`);
  if (paper.doi) facts.push(`- **DOI:** ${link(paper.doi, `https://doi.org/${paper.doi}`)}`);
  if (paper.journalRef) facts.push(`- **Journal reference:** ${mdEscape(paper.journalRef)}`);
  if (paper.comment) facts.push(`- **Comment:** ${mdEscape(paper.comment)}`);
  if (paper.withdrawnAt) facts.push(`- **Withdrawn:** ${day(paper.withdrawnAt)}`);

  const parts = [
    `# ${mdEscape(paper.title)}`,
    facts.join("\n"),
    "## Abstract",
    mdEscape(paper.abstract) || "_No abstract._",
  ];
  if (paper.aiSummary) parts.push("## AI summary", mdEscape(paper.aiSummary));
  if (paper.aiKeywords?.length) parts.push(`**Keywords:** ${paper.aiKeywords.map(mdEscape).join(", ")}`);
  if (opts.related?.length)
    parts.push(
      "## Related papers",
      opts.related.map((r) => `- ${link(r.title, `${opts.siteUrl}/papers/${r.id}`)} (arXiv ${r.id})`).join("\n"),
    );
  parts.push(`---\n\nFrom ${link("Paperboy", `${opts.siteUrl}/papers/${paper.id}`)}. Metadata from arXiv (CC0).`);
  return `${parts.join("\n\n")}\n`;
}
