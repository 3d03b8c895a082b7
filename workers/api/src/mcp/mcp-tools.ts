import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Db } from "#shared/db/client";
import { formatDay } from "#shared/domain/periods";
import { AUTHOR_PAGE_SIZE, AuthorName, papersByAuthor } from "#shared/papers/authors";
import {
  type ListedPaper,
  paperById,
  relatedPapers,
  type SortOrder,
  searchPapers,
  trendingPapers,
} from "#shared/papers/queries";
import { parseArxivId } from "#shared/papers/records";
import { onlyExclusions, parseQuery } from "#shared/papers/search-query";
import { excerpt, shortAuthors } from "#shared/papers/text";
import type { VectorArm } from "#shared/vectors/query-arm";
import { relatedByMeaning } from "#shared/vectors/related";
import type { VectorIndex } from "#shared/vectors/vectors";
import { listDaily, periodOf } from "../api/api-queries";
import { MAX_QUERY, ONLY_EXCLUSIONS } from "../api/api-schemas";
import { ARXIV_ID_HINT } from "../http/paper-id";
import { mdEscape, renderPaperMarkdown } from "../site/markdown";

/**
 * Paperboy's tools for AI assistants (Model Context Protocol), on the same queries as the JSON
 * API. Every result is both structured content (checked against the tool's output schema) and
 * readable Markdown. A bad argument or an unknown paper is a tool error with a clear message: the
 * SDK turns what a tool throws into `isError: true`.
 */

export const MCP_MAX_LIMIT = 50;
const DEFAULT_LIMIT = 10;

const Limit = z
  .number()
  .int()
  .min(1)
  .max(MCP_MAX_LIMIT)
  .default(DEFAULT_LIMIT)
  .describe(`how many papers, 1 to ${MCP_MAX_LIMIT} (default ${DEFAULT_LIMIT})`);

const PaperSummary = z.object({
  id: z.string().describe("arXiv id"),
  title: z.string(),
  authors: z.array(z.string()),
  summary: z.string().describe("the AI summary where known, else the abstract's beginning"),
  upvotes: z.number().int().describe("local + upstream"),
  localUpvotes: z.number().int(),
  upstreamUpvotes: z.number().int(),
  featuredOn: z.string().nullable().describe("the day it was featured, YYYY-MM-DD"),
  url: z.string().describe("its Paperboy page"),
  arxivUrl: z.string(),
  pdfUrl: z.string(),
  codeUrl: z.string().nullable(),
});
type PaperSummary = z.infer<typeof PaperSummary>;
const PaperList = { papers: z.array(PaperSummary) };

function summaryOf(item: ListedPaper, siteUrl: string): PaperSummary {
  const { paper, entry } = item;
  return {
    id: paper.id,
    title: paper.title,
    authors: paper.authors,
    summary: paper.aiSummary ?? excerpt(paper.abstract),
    upvotes: item.upvotes,
    localUpvotes: item.localUpvotes,
    upstreamUpvotes: item.upvotes - item.localUpvotes,
    featuredOn: entry?.day ?? null,
    url: `${siteUrl}/papers/${paper.id}`,
    arxivUrl: `https://arxiv.org/abs/${paper.id}`,
    pdfUrl: `https://arxiv.org/pdf/${paper.id}`,
    codeUrl: paper.codeUrl,
  };
}

function listMarkdown(heading: string, papers: PaperSummary[]): string {
  if (!papers.length) return `# ${mdEscape(heading)}\n\nNo papers.\n`;
  const lines = papers.map(
    (p, i) =>
      `${i + 1}. **${mdEscape(p.title)}** (arXiv ${p.id}) · ${p.upvotes} upvote${p.upvotes === 1 ? "" : "s"}${p.featuredOn ? ` · featured ${p.featuredOn}` : ""}\n` +
      `   ${mdEscape(shortAuthors(p.authors))}\n   ${mdEscape(p.summary)}\n   <${p.url}>`,
  );
  return `# ${mdEscape(heading)}\n\n${lines.join("\n\n")}\n`;
}

const listResult = (heading: string, items: ListedPaper[], siteUrl: string) => {
  const papers = items.map((item) => summaryOf(item, siteUrl));
  return { content: [{ type: "text" as const, text: listMarkdown(heading, papers) }], structuredContent: { papers } };
};

/** The site's sort names, onto the API's (Hugging Face's) names that listDaily reads. */
const API_SORT = { upvotes: undefined, trending: "trending", newest: "publishedAt" } as const satisfies Record<
  SortOrder,
  string | undefined
>;
const SORT_HEADINGS: Record<SortOrder, string> = { upvotes: "most upvoted", trending: "trending", newest: "newest" };

/** One server per request (the transport is stateless), reading `db` and linking to `siteUrl`. */
/** `index` answers related papers by meaning, `arm` is search's vector arm: null without vectors. */
export function buildMcpServer(
  db: Db,
  siteUrl: string,
  vectors: { index: VectorIndex | null; arm: VectorArm | null } = { index: null, arm: null },
): McpServer {
  const { index, arm } = vectors;
  const server = new McpServer({ name: "paperboy", title: "Paperboy: daily ML papers", version: "1.0.0" });

  server.registerTool(
    "daily_papers",
    {
      title: "Daily papers",
      description:
        "The machine learning papers featured on a day, an ISO week or a month (give at most one of date, week, month; none means the latest featured day), most upvoted first unless sort says otherwise.",
      inputSchema: {
        date: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, "date must look like 2026-06-12")
          .optional()
          .describe("a UTC day, YYYY-MM-DD"),
        week: z
          .string()
          .regex(/^\d{4}-W\d{2}$/, "week must look like 2026-W24")
          .optional()
          .describe("an ISO week, YYYY-Www"),
        month: z
          .string()
          .regex(/^\d{4}-\d{2}$/, "month must look like 2026-06")
          .optional()
          .describe("a month, YYYY-MM"),
        sort: z
          .enum(["upvotes", "trending", "newest"])
          .default("upvotes")
          .describe("upvotes (default), trending or newest"),
        limit: Limit,
      },
      outputSchema: PaperList,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ date, week, month, sort, limit }) => {
      if ([date, week, month].filter(Boolean).length > 1) throw new Error("give at most one of date, week or month");
      const query = { date, week, month, sort: API_SORT[sort], p: 0, limit, submitter: undefined };
      const period = periodOf(query); // throws a clear message for 2026-02-30 or 2021-W53
      const items = await listDaily(db, query);
      const shown = items[0]?.entry?.day;
      const heading = period
        ? `Papers of ${period.kind === "day" ? formatDay(period.from) : period.key} (${SORT_HEADINGS[sort]})`
        : `Papers of ${shown ? formatDay(shown) : "the latest day"} (${SORT_HEADINGS[sort]})`;
      return listResult(heading, items, siteUrl);
    },
  );

  server.registerTool(
    "trending_papers",
    {
      title: "Trending papers",
      description:
        "Featured papers ranked by upvotes decayed by age: score = (upvotes + 1) / (days since featured + 2)^1.5.",
      inputSchema: { limit: Limit },
      outputSchema: PaperList,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ limit }) => listResult("Trending papers", await trendingPapers(db, { limit }), siteUrl),
  );

  server.registerTool(
    "search_papers",
    {
      title: "Search papers",
      description:
        "Full-text search over titles, authors and abstracts of every paper Paperboy knows, best match first.",
      inputSchema: {
        query: z
          .string()
          .trim()
          .min(1, "query must not be empty")
          .max(MAX_QUERY, `query must be at most ${MAX_QUERY} characters`)
          .refine((q) => !onlyExclusions(parseQuery(q)), `query ${ONLY_EXCLUSIONS}`)
          .describe(
            'words to find; "quoted words" are a phrase, -word excludes a word, an arXiv id or address finds that paper',
          ),
        limit: Limit,
      },
      outputSchema: PaperList,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, limit }) =>
      listResult(`Search: ${query}`, (await searchPapers(db, query, { limit, vectorArm: arm })).hits, siteUrl),
  );

  server.registerTool(
    "author_papers",
    {
      title: "An author's papers",
      description:
        "Every paper in the catalog with an author of this name (matched after Unicode normalisation and case folding), newest first, paged. A name is not an identity: two people with one name share the list.",
      inputSchema: {
        name: AuthorName.describe("an author's full name as papers write it, e.g. Yann LeCun"),
        page: z.number().int().min(0).max(1000).default(0).describe(`0-based page of ${AUTHOR_PAGE_SIZE} papers`),
      },
      outputSchema: { ...PaperList, name: z.string(), total: z.number().int() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ name, page }) => {
      const found = await papersByAuthor(db, name, page);
      const result = listResult(`Papers by ${found.name} (${found.total} in all)`, found.items, siteUrl);
      return { ...result, structuredContent: { ...result.structuredContent, name: found.name, total: found.total } };
    },
  );

  server.registerTool(
    "get_paper",
    {
      title: "Get a paper",
      description:
        "One paper as Markdown: abstract, authors, links, AI summary and keywords where known, and related papers. Takes an arXiv id in any form (2606.00467, 2606.00467v2, arXiv:2606.00467, an arxiv.org abs or pdf address, hep-th/9901001).",
      inputSchema: { id: z.string().max(300).describe("an arXiv id or address") },
      outputSchema: {
        paper: PaperSummary.extend({ abstract: z.string(), aiKeywords: z.array(z.string()) }),
        related: z.array(PaperSummary),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ id: raw }) => {
      const parsed = parseArxivId(raw);
      if (!parsed) throw new Error(`"${raw.slice(0, 100)}" is not an arXiv id: ${ARXIV_ID_HINT}`);
      const item = await paperById(db, parsed.id);
      if (!item) throw new Error(`paper ${parsed.id} is not in Paperboy's catalog (yet)`);
      const related = (
        (index && (await relatedByMeaning(db, index, item.paper.id))) ??
        (await relatedPapers(db, item.paper))
      ).map((r) => summaryOf(r, siteUrl));
      const entry = item.entry ? { day: item.entry.day, upvotes: item.upvotes } : null;
      let text = renderPaperMarkdown(item.paper, { siteUrl, entry, numComments: item.numComments });
      if (related.length) text += `\n${listMarkdown("Related papers", related).replace(/^# /, "## ")}`;
      const paper = {
        ...summaryOf(item, siteUrl),
        abstract: item.paper.abstract,
        aiKeywords: item.paper.aiKeywords ?? [],
      };
      return { content: [{ type: "text" as const, text }], structuredContent: { paper, related } };
    },
  );

  return server;
}
