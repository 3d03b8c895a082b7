import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { type ListedPaper, papersInOrder } from "./queries";
import { ftsString, tokensOf } from "./search-query";

/**
 * An author's name as the catalog matches it: Unicode NFKC, lower-cased, spaces collapsed. A name
 * is not an identity: two people who write their name alike share one key, and one page.
 */
export const authorKey = (name: string) => name.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();

/** The address of an author's page. */
export const authorPath = (name: string) => `/authors/${encodeURIComponent(name.trim())}`;

/** The longest name an author page or a follow takes. */
export const MAX_AUTHOR_NAME = 100;

/** An author's name as the page, the API, the MCP tool and a follow take it. */
export const AuthorName = z
  .string()
  .trim()
  .min(1, "an author's name must not be empty")
  .max(MAX_AUTHOR_NAME, `an author's name is at most ${MAX_AUTHOR_NAME} characters`)
  .refine((s) => !/\p{Cc}/u.test(s), "an author's name holds no control characters");
export const AUTHOR_PAGE_SIZE = 30;
/**
 * The most papers an author page reads to find one name's: the index's phrase matches of the name
 * in the authors field, newest first (a superset: the tokenizer also folds diacritics and joins
 * neighbouring names), checked here for the exact key. 2,000 is ten times the papers of the most
 * prolific names on the real catalog; a name matched more often lists its newest 2,000 matches.
 */
export const AUTHOR_CANDIDATES = 2000;

export interface AuthorPapers {
  /** The name as the newest of its papers spells it (or as asked, when none has it). */
  name: string;
  total: number;
  /** True when the name matched more than AUTHOR_CANDIDATES papers and only the newest were read. */
  truncated: boolean;
  items: ListedPaper[];
}

/**
 * The visible papers with an author of `name`'s key, newest first, one page of `pageSize` from
 * `page` (0-based). Two statements: the matching ids, then the page's rows.
 */
export async function papersByAuthor(
  db: Db,
  name: string,
  page = 0,
  pageSize = AUTHOR_PAGE_SIZE,
): Promise<AuthorPapers> {
  const key = authorKey(name);
  const tokens = tokensOf(key);
  if (!tokens.length) return { name: name.trim(), total: 0, truncated: false, items: [] };
  const rows = await db.all<{ id: string; authors: string }>(sql`
    SELECT id, authors FROM papers
    WHERE num IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ${`authors : ${ftsString(tokens)}`})
      AND hidden_at IS NULL
    ORDER BY published DESC, id LIMIT ${AUTHOR_CANDIDATES + 1}`);
  const truncated = rows.length > AUTHOR_CANDIDATES;
  let spelled: string | undefined;
  const ids: string[] = [];
  for (const row of rows.slice(0, AUTHOR_CANDIDATES)) {
    const match = (JSON.parse(row.authors) as string[]).find((a) => authorKey(a) === key);
    if (match === undefined) continue;
    spelled ??= match.trim();
    ids.push(row.id);
  }
  const items = await papersInOrder(db, ids.slice(page * pageSize, (page + 1) * pageSize));
  return { name: spelled ?? name.trim(), total: ids.length, truncated, items };
}
