/**
 * What a person typed into the search box, read as a search: a pasted arXiv id or address, quoted
 * phrases, excluded words (a leading `-`), and words. Pure: no database. Nothing typed here is ever
 * executed as FTS5 syntax: every word and phrase leaves as a double-quoted FTS5 string made only
 * of letters, digits and spaces (ftsString), so `NEAR(`, `title:`, `AND`, `*` and stray quotes are
 * plain text or dropped.
 */
import { parseArxivId } from "./records";

/** At most this many words (and as many excluded words) make a search; the rest are ignored. */
export const MAX_TERMS = 32;
/** At most this many phrases (quoted and adjacent-word ones together). */
export const MAX_PHRASES = 16;
export const MAX_TERM_LENGTH = 64;

export const STOPWORDS: ReadonlySet<string> = new Set(
  "a an and are as at be by for from how in into is it its of on or our the their this to via we what when where which with without".split(
    " ",
  ),
);

export interface ParsedQuery {
  /** The arXiv id the whole query names (a bare id, arxiv.org or huggingface.co/papers address), else null. */
  arxivId: string | null;
  /** Words to match, lower-cased, distinct; stopwords dropped unless the query has nothing else. */
  words: string[];
  /** Quoted phrases, as their lower-cased words (stopwords kept), of two words or more. */
  phrases: string[][];
  /** Unquoted words that stand next to each other (at most one stopword between): phrases that count extra. */
  pairs: string[][];
  /** Words after a leading `-`: no result contains them. */
  excluded: string[];
  /** A short unquoted query (2 to 6 words, stopwords kept) as one phrase: a topic or a name, whose exact phrase ranks first. */
  whole: string[] | null;
}

/** A word as the index's unicode61 tokenizer reads one: letters and digits. */
export const TOKEN = /[\p{L}\p{N}]+/gu;
/** Text beyond ASCII, which NFKC may change (ASCII it leaves as it is). */
const BEYOND_ASCII = /[^\0-\x7f]/;
/** A text as the index reads it: NFKC (run only where it can change something), lower case. */
export const indexCase = (text: string) => (BEYOND_ASCII.test(text) ? text.normalize("NFKC") : text).toLowerCase();
/** The words of a text, lower-cased and cut to MAX_TERM_LENGTH: what a query or a paper is made of here. */
export const tokensOf = (text: string) => (indexCase(text).match(TOKEN) ?? []).map((t) => t.slice(0, MAX_TERM_LENGTH));
/** A light suffix stripper, the same for the query and the papers: "models", "modeling" -> "model". */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(ss|us|is)$/u.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  if (w.length > 4 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

const HF_PAPER = /^(?:https?:\/\/)?(?:www\.)?huggingface\.co\/papers\/([^/?#\s]+)\/?(?:[?#]\S*)?$/i;

/** The arXiv id a pasted text names as a whole: 2606.00467, arXiv:2606.00467v2, an arxiv.org or hf.co/papers address. */
export function pastedArxivId(input: string): string | null {
  const text = input.trim();
  if (!text || /\s/.test(text)) return null;
  const hf = HF_PAPER.exec(text);
  return parseArxivId(hf ? hf[1]! : text)?.id ?? null;
}

/** Reads a query; see ParsedQuery. Unbalanced quotes: the last, unpaired one is plain text. */
export function parseQuery(input: string): ParsedQuery {
  const arxivId = pastedArxivId(input);
  const parts = input.split('"');
  // an even number of parts means an odd number of quotes: the unpaired last quote is text
  if (parts.length % 2 === 0)
    parts.splice(parts.length - 2, 2, `${parts[parts.length - 2]} ${parts[parts.length - 1]}`);
  const phrases: string[][] = [];
  const pairs: string[][] = [];
  const all: string[] = [];
  const excluded: string[] = [];
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      const tokens = tokensOf(part);
      if (tokens.length > 1) phrases.push(tokens);
      all.push(...tokens);
      return;
    }
    let run: string[] = [];
    const endRun = () => {
      pairs.push(...adjacentPairs(run));
      run = [];
    };
    for (const chunk of part.split(/\s+/)) {
      if (/^-[\p{L}\p{N}]/u.test(chunk)) {
        excluded.push(...tokensOf(chunk));
        endRun();
        continue;
      }
      const tokens = tokensOf(chunk);
      run.push(...tokens);
      all.push(...tokens);
    }
    endRun();
  });
  const distinct = [...new Set(all)];
  const content = distinct.filter((t) => !STOPWORDS.has(t));
  const phraseKeys = new Set<string>();
  const unique = (list: string[][]) => list.filter((p) => !phraseKeys.has(p.join(" ")) && phraseKeys.add(p.join(" ")));
  const quoted = unique(phrases).slice(0, MAX_PHRASES);
  return {
    arxivId,
    words: (content.length ? content : distinct).slice(0, MAX_TERMS),
    phrases: quoted,
    pairs: unique(pairs).slice(0, MAX_PHRASES - quoted.length),
    excluded: [...new Set(excluded)].slice(0, MAX_TERMS),
    whole: !quoted.length && all.length >= 2 && all.length <= 6 ? all : null,
  };
}

/** Each content word with the next one, when at most one stopword stands between them. */
function adjacentPairs(tokens: string[]): string[][] {
  const out: string[][] = [];
  tokens.forEach((t, i) => {
    if (STOPWORDS.has(t)) return;
    const next = tokens.findIndex((u, j) => j > i && !STOPWORDS.has(u));
    if (next !== -1 && next - i <= 2) out.push(tokens.slice(i, next + 1));
  });
  return out;
}

/** The query as an embedding model reads it (hybrid search's vector arm): as typed, without quotes or excluded words. */
export const meaningText = (input: string) =>
  input
    .replace(/"/g, " ")
    .split(/\s+/)
    .filter((chunk) => chunk && !/^-[\p{L}\p{N}]/u.test(chunk))
    .join(" ");

/** Whether the query has anything to find (an id, a word or a phrase), as opposed to nothing or only exclusions. */
export const isSearchable = (q: ParsedQuery) => q.arxivId !== null || q.words.length > 0 || q.phrases.length > 0;

/** Only excluded words: a query that cannot be answered, said so (400 under /api). */
export const onlyExclusions = (q: ParsedQuery) => !isSearchable(q) && q.excluded.length > 0;

/** A word or phrase as an FTS5 string: tokens are letters and digits only, so the quotes hold. */
export const ftsString = (tokens: string | string[]) =>
  `"${(typeof tokens === "string" ? [tokens] : tokens).join(" ")}"`;
