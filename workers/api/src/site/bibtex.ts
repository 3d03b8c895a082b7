import type { PaperRow } from "#shared/db/schema";

/** A paper as BibTeX, in the form of arXiv's own export (@misc with eprint, archivePrefix, primaryClass). */

const SPECIAL: Record<string, string> = {
  "\\": "\\textbackslash{}",
  "{": "\\{",
  "}": "\\}",
  "%": "\\%",
  "&": "\\&",
  $: "\\$",
  "#": "\\#",
  _: "\\_",
  "~": "\\textasciitilde{}",
  "^": "\\textasciicircum{}",
};

// C0 and C1 controls: BibTeX has no way to write them. Whitespace runs (newlines included) become one space.
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Text as a BibTeX field value that reads back as the same text: every character special to
 * BibTeX or LaTeX escaped in one pass, so that braces stay balanced whatever the input.
 */
export function escapeBibtex(text: string): string {
  return text
    .replace(CONTROLS, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\\{}%&$#_~^]/g, (ch) => SPECIAL[ch]!);
}

/**
 * One author of `author={A and B}`. A name BibTeX would misread (one holding the word "and", which
 * splits authors, or a comma, which swaps first and last names) is braced whole: a literal name.
 */
export function bibtexAuthor(name: string): string {
  const escaped = escapeBibtex(name);
  return /\band\b/i.test(escaped) || escaped.includes(",") ? `{${escaped}}` : escaped;
}

/** Lower-case ASCII letters and digits only: "Zoë" -> "zoe", "O'Brien" -> "obrien". */
const asciiWord = (s: string) =>
  s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

const SKIPPED_TITLE_WORDS = new Set([
  "a",
  "an",
  "the",
  "on",
  "of",
  "in",
  "for",
  "to",
  "and",
  "with",
  "towards",
  "toward",
]);

/**
 * The citation key as arXiv's export writes it: the first author's surname, the year, the first
 * word of the title (articles and prepositions skipped), in lower-case ASCII: "casanova2026decision".
 */
export function bibtexKey(paper: Pick<PaperRow, "authors" | "title" | "published" | "id">): string {
  const first = paper.authors[0] ?? "";
  const surname = asciiWord(first.includes(",") ? first.split(",")[0]! : (first.trim().split(/\s+/).at(-1) ?? ""));
  const words = paper.title
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .map(asciiWord)
    .filter(Boolean);
  const word = words.find((w) => !SKIPPED_TITLE_WORDS.has(w)) ?? words[0] ?? "";
  const key = `${surname}${paper.published.slice(0, 4)}${word}`;
  return surname || word ? key : `arxiv${asciiWord(paper.id)}`;
}

export function renderBibtex(
  paper: Pick<PaperRow, "id" | "title" | "authors" | "published" | "primaryCategory" | "categories" | "doi">,
): string {
  const primary = paper.primaryCategory ?? paper.categories[0];
  const fields: [string, string][] = [
    ["title", escapeBibtex(paper.title)],
    ["author", paper.authors.map(bibtexAuthor).join(" and ")],
    ["year", paper.published.slice(0, 4)],
    ["eprint", paper.id],
    ["archivePrefix", "arXiv"],
    ...(primary ? [["primaryClass", escapeBibtex(primary)] as [string, string]] : []),
    ...(paper.doi ? [["doi", escapeBibtex(paper.doi)] as [string, string]] : []),
    ["url", `https://arxiv.org/abs/${paper.id}`],
  ];
  return `@misc{${bibtexKey(paper)},\n${fields.map(([name, value]) => `      ${name}={${value}},`).join("\n")}\n}\n`;
}
