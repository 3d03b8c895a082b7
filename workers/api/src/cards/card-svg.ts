/**
 * The share cards (1200 x 630, what a link to Paperboy unfurls as in Slack, Mastodon, Bluesky or
 * X) as SVG, for the renderer (render-card.ts). Pure: text in, SVG out. Text is laid out here with
 * the bundled font's own widths (font-metrics.ts), since SVG text does not wrap: a title wraps at
 * words onto at most four lines and the last is cut with an ellipsis; a character the font cannot
 * draw (an emoji, CJK) is shown as a white square, so that nothing overflows and nothing errors.
 * Dark text on white, the site's palette: every colour pair passes WCAG AA for its size.
 */
import { formatDay } from "#shared/domain/periods";
import { plural } from "#shared/papers/text";
import { xmlEscape } from "../feeds/feed-xml";
import type { FontMetrics } from "./font-metrics";

export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;
/** The font family the renderer is given (render-card.ts bundles its regular and bold faces). */
export const CARD_FONT = "DejaVu Sans";
/** Bump when the drawing changes: it is part of every card's address (cardVersion). */
export const CARD_TEMPLATE = 2;

const MARGIN = 72;
const TEXT_WIDTH = CARD_WIDTH - 2 * MARGIN;
const COLOURS = { bg: "#ffffff", fg: "#1a1d23", muted: "#4b5260", accent: "#0b57d0", line: "#e3e6ea" };
/** What stands for a character the font lacks. */
const MISSING = "\u25a1";

export interface CardFonts {
  regular: FontMetrics;
  bold: FontMetrics;
}

export interface PaperCardData {
  id: string;
  title: string;
  /** The first authors, as the site's cards shorten them (shortAuthors). */
  authors: string;
  primaryCategory: string | null;
  /** The featured day, or null for a paper only announced. */
  day: string | null;
  /** Upvotes shown, when featured. */
  upvotes: number | null;
}

export interface DayCardData {
  /** The day (YYYY-MM-DD), or null for the home page's card. */
  day: string | null;
  /** The day's top titles, best first (three are shown). */
  titles: string[];
}

/** The text as the card can draw it: one line of it, controls and bidi overrides dropped, missing characters squared. */
export function drawable(text: string, font: FontMetrics): string {
  let out = "";
  for (const ch of text.normalize("NFC").replace(/\s+/gu, " ").trim()) {
    const cp = ch.codePointAt(0)!;
    // controls, and the bidi embeddings, overrides and isolates that could show text reversed
    if (/[\p{Cc}\p{Cs}\p{Co}\p{Cn}\u202a-\u202e\u2066-\u2069]/u.test(ch)) continue;
    // format characters (bidi marks, joiners) draw nothing and take no width
    if (/\p{Cf}/u.test(ch) || /\p{Mn}/u.test(ch) || font.advance(cp) !== null) out += ch;
    else out += MISSING;
  }
  return out;
}

const widthOf = (text: string, font: FontMetrics, size: number) => {
  let w = 0;
  for (const ch of text) w += font.advance(ch.codePointAt(0)!) ?? font.advance(MISSING.codePointAt(0)!) ?? 1;
  return w * size;
};

/**
 * Greedy word wrap of drawable text at `maxWidth` pixels, at most `maxLines` lines; a word wider
 * than a line is broken between characters, and text past the last line ends it with "…".
 */
export function wrap(text: string, font: FontMetrics, size: number, maxWidth: number, maxLines: number): string[] {
  const fits = (s: string) => widthOf(s, font, size) <= maxWidth;
  const lines: string[] = [];
  let line = "";
  const words = text.split(" ").filter(Boolean);
  let i = 0;
  while (i < words.length && lines.length < maxLines) {
    const word = words[i]!;
    const tried = line ? `${line} ${word}` : word;
    if (fits(tried)) {
      line = tried;
      i++;
    } else if (line) {
      lines.push(line);
      line = "";
    } else {
      // a word longer than a line: as many of its characters as fit, the rest goes on
      const chars = [...word];
      let n = 1;
      while (n < chars.length && fits(chars.slice(0, n + 1).join(""))) n++;
      lines.push(chars.slice(0, n).join(""));
      words[i] = chars.slice(n).join("");
    }
  }
  if (line && lines.length < maxLines) lines.push(line);
  else if (line) i = -1; // a line was left over: the text did not fit
  if (i !== -1 && i >= words.length) return lines;
  // cut: the last line ends with an ellipsis that fits
  let last = lines[lines.length - 1] ?? "";
  while (last && !fits(`${last}…`)) last = [...last].slice(0, -1).join("").trimEnd();
  lines[lines.length - 1] = `${last}…`;
  return lines;
}

interface TextLine {
  x: number;
  y: number;
  size: number;
  text: string;
  bold?: boolean;
  colour?: string;
  anchor?: "start" | "end";
}

const textElement = ({ x, y, size, text, bold, colour = COLOURS.fg, anchor = "start" }: TextLine) =>
  `<text x="${x}" y="${y}" font-size="${size}"${bold ? ' font-weight="bold"' : ""} fill="${colour}"${anchor === "end" ? ' text-anchor="end"' : ""}>${xmlEscape(text)}</text>`;

function frame(lines: TextLine[], footer: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}" viewBox="0 0 ${CARD_WIDTH} ${CARD_HEIGHT}" font-family="${CARD_FONT}">`,
    `<rect width="${CARD_WIDTH}" height="${CARD_HEIGHT}" fill="${COLOURS.bg}"/>`,
    `<rect width="${CARD_WIDTH}" height="14" fill="${COLOURS.accent}"/>`,
    `<rect x="${MARGIN}" y="${CARD_HEIGHT - 110}" width="${TEXT_WIDTH}" height="2" fill="${COLOURS.line}"/>`,
    ...lines.map(textElement),
    textElement({ x: MARGIN, y: CARD_HEIGHT - 56, size: 34, text: "Paperboy", bold: true, colour: COLOURS.accent }),
    textElement({
      x: CARD_WIDTH - MARGIN,
      y: CARD_HEIGHT - 56,
      size: 28,
      text: footer,
      colour: COLOURS.muted,
      anchor: "end",
    }),
    "</svg>",
  ].join("\n");
}

/** The lines of a title: 60 px while it takes at most two lines, else 50 px on up to four. */
function titleLines(title: string, fonts: CardFonts, top: number): { lines: TextLine[]; bottom: number } {
  const text = drawable(title, fonts.bold);
  let size = 60;
  let wrapped = wrap(text, fonts.bold, size, TEXT_WIDTH, 4);
  if (wrapped.length > 2) {
    size = 50;
    wrapped = wrap(text, fonts.bold, size, TEXT_WIDTH, 4);
  }
  const step = Math.round(size * 1.22);
  const lines = wrapped.map((t, i) => ({ x: MARGIN, y: top + size + i * step, size, text: t, bold: true }));
  return { lines, bottom: top + size + (wrapped.length - 1) * step };
}

/** A paper's card: its id and category, title, first authors, and its featured day and upvotes. */
export function paperCardSvg(paper: PaperCardData, fonts: CardFonts): string {
  const head = drawable(
    `arXiv:${paper.id}${paper.primaryCategory ? ` · ${paper.primaryCategory}` : ""}`,
    fonts.regular,
  );
  const { lines, bottom } = titleLines(paper.title, fonts, 100);
  const [authors = ""] = wrap(drawable(paper.authors, fonts.regular), fonts.regular, 30, TEXT_WIDTH, 1);
  const footer =
    paper.day === null
      ? "Daily ML papers"
      : `Featured ${formatDay(paper.day)}${paper.upvotes === null ? "" : ` · ${plural(paper.upvotes, "upvote")}`}`;
  return frame(
    [
      { x: MARGIN, y: 84, size: 28, text: head, colour: COLOURS.muted },
      ...lines,
      { x: MARGIN, y: Math.min(bottom + 64, CARD_HEIGHT - 150), size: 30, text: authors, colour: COLOURS.muted },
    ],
    footer,
  );
}

/** A day's card (the date and its top three titles), or the home page's with the latest day's. */
export function dayCardSvg(card: DayCardData, fonts: CardFonts): string {
  const heading = card.day === null ? "Today's notable ML papers" : `Daily papers · ${formatDay(card.day)}`;
  const titles = card.titles.slice(0, 3).map((t, i) => {
    const [line = ""] = wrap(drawable(t, fonts.regular), fonts.regular, 36, TEXT_WIDTH - 56, 1);
    return [
      { x: MARGIN, y: 250 + i * 92, size: 36, text: `${i + 1}`, bold: true, colour: COLOURS.accent },
      { x: MARGIN + 56, y: 250 + i * 92, size: 36, text: line },
    ];
  });
  return frame(
    [
      { x: MARGIN, y: 140, size: 56, text: drawable(heading, fonts.bold), bold: true },
      ...(titles.length
        ? titles.flat()
        : [{ x: MARGIN, y: 250, size: 36, text: "No papers yet", colour: COLOURS.muted }]),
    ],
    card.day === null ? "Upvoted by the community" : "Daily ML papers",
  );
}
