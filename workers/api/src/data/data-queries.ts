/**
 * The open data files: one JSON Lines file per month of featured papers. Each line is written by
 * D1 itself (json_object), so that a month's byte size is one aggregate query and the file is
 * streamed a page of rows at a time: no request ever holds a whole month.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "#shared/db/client";
import { dailyEntries, lineRevisions, papers } from "#shared/db/schema";
import { numCommentsSql, upvotesSql } from "#shared/papers/queries";

/** Rows per D1 query of a streamed file: the most a request holds at once. */
export const DATA_PAGE_SIZE = 200;

/**
 * One line of a month's file, as JSON text: the fields of docs (about page, /data/index.json) in
 * this order. `json()` keeps a nested JSON value an array or object rather than a string.
 */
const lineSql: SQL<string> = sql<string>`json_object(
  'day', ${dailyEntries.day},
  'id', ${papers.id},
  'title', ${papers.title},
  'authors', json(${papers.authors}),
  'abstract', ${papers.abstract},
  'categories', json(${papers.categories}),
  'primaryCategory', ${papers.primaryCategory},
  'published', ${papers.published},
  'upvotes', ${upvotesSql},
  'localUpvotes', ${papers.localUpvotes},
  'upstreamUpvotes', ${dailyEntries.upstreamUpvotes},
  'numComments', ${numCommentsSql},
  'submitter', json(CASE WHEN ${dailyEntries.submitterName} IS NULL AND ${dailyEntries.submitterFullname} IS NULL THEN NULL
    ELSE json_object('name', ${dailyEntries.submitterName}, 'fullname', ${dailyEntries.submitterFullname}) END),
  'codeUrl', ${papers.codeUrl},
  'projectUrl', ${papers.projectUrl},
  'githubStars', ${papers.githubStars},
  'arxivUrl', 'https://arxiv.org/abs/' || ${papers.id},
  'pdfUrl', 'https://arxiv.org/pdf/' || ${papers.id}
)`;

export interface MonthSummary {
  month: string;
  lines: number;
  /** The file's exact length in bytes: every line's UTF-8 bytes and its newline. */
  bytes: number;
  /**
   * What the file's content depends on beyond its size, for its ETag: the greatest revision of its
   * lines (line_revisions, which triggers advance on every write to a paper, its entry or its
   * comments: migrations/0009_line_revisions.sql). SQLite has no hash function, and hashing the lines would mean
   * rendering the whole month for every request and every row of the index; a revision costs one
   * indexed lookup a line and misses nothing: every write takes a revision greater than any before,
   * so a month that shows the same count of lines and the same greatest revision R as before holds
   * lines none of which changed since R, out of the lines it held then (a line that joins, leaves
   * or changes takes a new revision): the same lines, the same bytes. Upvotes (their triggers write
   * papers.local_upvotes), comments, links, hiding and submitter names all go through those tables.
   */
  fingerprint: string;
}

const summaryColumns = {
  lines: sql<number>`count(*)`,
  bytes: sql<number>`coalesce(sum(length(CAST(${lineSql} AS BLOB)) + 1), 0)`,
  fingerprint: sql<string>`coalesce(max(${lineRevisions.rev}), 0)`,
};

const asSummary = (r: { month: string; lines: number; bytes: number; fingerprint: string }): MonthSummary => ({
  month: r.month,
  lines: Number(r.lines),
  bytes: Number(r.bytes),
  fingerprint: String(r.fingerprint),
});

/** Every month with featured papers, oldest first, with its file's size. One query. */
export async function monthSummaries(db: Db): Promise<MonthSummary[]> {
  const rows = await db.all<{ month: string; lines: number; bytes: number; fingerprint: string }>(sql`
    SELECT substr(${dailyEntries.day}, 1, 7) AS month, ${summaryColumns.lines} AS lines, ${summaryColumns.bytes} AS bytes, ${summaryColumns.fingerprint} AS fingerprint
    FROM ${dailyEntries} JOIN ${papers} ON ${papers.id} = ${dailyEntries.paperId}
    LEFT JOIN ${lineRevisions} ON ${lineRevisions.paperId} = ${dailyEntries.paperId}
    WHERE ${papers.hiddenAt} IS NULL
    GROUP BY month ORDER BY month`);
  return rows.map(asSummary);
}

/** One month's summary; `lines` is 0 when no paper was featured in it. */
export async function monthSummary(db: Db, range: { key: string; from: string; to: string }): Promise<MonthSummary> {
  const row = await db.get<{ lines: number; bytes: number; fingerprint: string }>(sql`
    SELECT ${summaryColumns.lines} AS lines, ${summaryColumns.bytes} AS bytes, ${summaryColumns.fingerprint} AS fingerprint
    FROM ${dailyEntries} JOIN ${papers} ON ${papers.id} = ${dailyEntries.paperId}
    LEFT JOIN ${lineRevisions} ON ${lineRevisions.paperId} = ${dailyEntries.paperId}
    WHERE ${dailyEntries.day} BETWEEN ${range.from} AND ${range.to} AND ${papers.hiddenAt} IS NULL`);
  return asSummary({ month: range.key, ...(row ?? { lines: 0, bytes: 0, fingerprint: "" }) });
}

export interface LinePage {
  lines: string[];
  /** The (day, paper id) of the last line, where the next page starts; null after the last page. */
  next: { day: string; id: string } | null;
}

/**
 * The lines of the days `from`..`to` after `after`, in (day, paper id) order: keyset pagination,
 * so each page costs the same however deep it is. The page's keys are chosen first and only they
 * are rendered.
 */
export async function linePage(
  db: Db,
  range: { from: string; to: string },
  after: { day: string; id: string } | null,
  size = DATA_PAGE_SIZE,
): Promise<LinePage> {
  const cursor = after ? sql`AND e.day >= ${after.day} AND (e.day, e.paper_id) > (${after.day}, ${after.id})` : sql``;
  const rows = await db.all<{ day: string; id: string; line: string }>(sql`
    SELECT ${dailyEntries.day} AS day, ${papers.id} AS id, ${lineSql} AS line
    FROM (SELECT e.paper_id AS paper_id FROM daily_entries AS e JOIN papers AS shown ON shown.id = e.paper_id
          WHERE e.day BETWEEN ${range.from} AND ${range.to} AND shown.hidden_at IS NULL ${cursor}
          ORDER BY e.day, e.paper_id LIMIT ${size}) AS page
    JOIN ${dailyEntries} ON ${dailyEntries.paperId} = page.paper_id
    JOIN ${papers} ON ${papers.id} = ${dailyEntries.paperId}
    ORDER BY ${dailyEntries.day}, ${dailyEntries.paperId}`);
  const last = rows.at(-1);
  return { lines: rows.map((r) => r.line), next: rows.length === size && last ? { day: last.day, id: last.id } : null };
}

/**
 * A month's file as a byte stream that asks D1 for the next page only when the reader wants more
 * (highWaterMark 0): at most one page of rows is held at a time, whatever the month's size.
 */
export function streamLines(
  db: Db,
  range: { from: string; to: string },
  size = DATA_PAGE_SIZE,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: { day: string; id: string } | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const page = await linePage(db, range, after, size);
        if (page.lines.length) controller.enqueue(encoder.encode(`${page.lines.join("\n")}\n`));
        if (page.next) after = page.next;
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
