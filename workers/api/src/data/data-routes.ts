import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createDb } from "#shared/db/client";
import { parseMonth, periodKey } from "#shared/domain/periods";
import { commonErrors } from "../api/api-schemas";
import { LIVE_TAG, setCache } from "../cache/cache-policy";
import { etag, ifNoneMatchMatches, weakEtag } from "../cache/etag";
import { type AppEnv, readConfig } from "../env";
import { badRequest, notFound, rejectInvalid } from "../errors";
import { rateLimit } from "../http/client-limit";
import { cachedHeaders, errorResponse, notModified } from "../http/openapi";
import { readOnlyCors } from "../http/read-only-cors";
import { type MonthSummary, monthSummaries, monthSummary, streamLines } from "./data-queries";

/** The catalog of featured papers as monthly JSON Lines files: /data/index.json and /data/YYYY-MM.jsonl. */
export const dataRoutes = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid() });
dataRoutes.use("*", readOnlyCors, rateLimit);
// The index is small and buffered like the feeds; a month's file is streamed and sets its own ETag.
dataRoutes.use("/index.json", etag);

/**
 * application/x-ndjson rather than application/jsonl: neither is registered with IANA, and
 * x-ndjson is the one tools already send and recognise (Elasticsearch, Deno, many HTTP clients);
 * the files keep the .jsonl extension that pandas, DuckDB and Hugging Face datasets expect.
 */
export const JSONL_MEDIA_TYPE = "application/x-ndjson";

export const LICENSE = {
  arxivMetadata:
    "Paper metadata (id, title, authors, abstract, categories, dates, links) comes from arXiv and is CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/).",
  dailySelection:
    "Which papers were featured on which day, the upstream votes (upstreamUpvotes), comment counts and submitters are as published by Hugging Face's daily papers feed; check their terms before reuse.",
  paperboy:
    "Paperboy's own votes (localUpvotes) and the arrangement of these files are CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/).",
} as const;

const FIELDS = {
  day: "the UTC day the paper was featured, YYYY-MM-DD",
  id: "arXiv id without version",
  title: "title",
  authors: "author names, in order",
  abstract: "abstract",
  categories: "arXiv categories",
  primaryCategory: "primary arXiv category, or null",
  published: "arXiv's first publication time (ISO 8601, UTC)",
  upvotes: "upvotes shown on Paperboy: localUpvotes + upstreamUpvotes",
  localUpvotes: "upvotes cast on Paperboy",
  upstreamUpvotes: "the upstream count last seen",
  numComments: "upstream comment count",
  submitter: "{name, fullname} of who submitted it, or null",
  codeUrl: "code repository, or null",
  projectUrl: "project page, or null",
  githubStars: "stars of the code repository, or null",
  arxivUrl: "the arXiv abstract page",
  pdfUrl: "the arXiv PDF",
} as const;

const MonthFile = z.object({
  month: z.string().meta({ example: "2026-06" }),
  url: z.string(),
  bytes: z.number().int().meta({ description: "the file's exact size" }),
  lines: z.number().int().meta({ description: "papers in the file, one a line" }),
  etag: z.string().meta({ description: "the file's ETag, as its response sends it" }),
});

const DataIndex = z
  .object({
    title: z.string(),
    description: z.string(),
    format: z.string(),
    fields: z.record(z.string(), z.string()),
    license: z.object({ arxivMetadata: z.string(), dailySelection: z.string(), paperboy: z.string() }),
    months: z.array(MonthFile),
  })
  .meta({ id: "DataIndex" });

/** A month file's ETag, from its summary (data-queries.ts MonthSummary says why not from its bytes). */
const etagOf = (s: MonthSummary) =>
  weakEtag(new TextEncoder().encode(`${s.month}|${s.lines}|${s.bytes}|${s.fingerprint}`).buffer as ArrayBuffer);

const indexRoute = createRoute({
  method: "get",
  path: "/index.json",
  operationId: "dataIndex",
  summary: "The open data files: one JSON Lines file per month of featured papers, with sizes, ETags and the licence",
  tags: ["data"],
  responses: {
    200: { description: "the index", headers: cachedHeaders, content: { "application/json": { schema: DataIndex } } },
    304: notModified,
    ...commonErrors,
  },
});

dataRoutes.openapi(indexRoute, async (c) => {
  const site = readConfig(c.env).SITE_URL;
  const months = await monthSummaries(createDb(c.env.DB));
  setCache(c, "counts", [LIVE_TAG]);
  return c.json(
    {
      title: "Paperboy open data",
      description:
        "Every paper featured on Paperboy's Daily Papers, one file per month. Load one with pandas.read_json(url, lines=True) or DuckDB's read_json_auto(url).",
      format: `JSON Lines (${JSONL_MEDIA_TYPE}, UTF-8): one JSON object per line, one line per featured paper, in day then arXiv id order`,
      fields: FIELDS,
      license: LICENSE,
      months: await Promise.all(
        months.map(async (m) => ({
          month: m.month,
          url: `${site}/data/${m.month}.jsonl`,
          bytes: m.bytes,
          lines: m.lines,
          etag: await etagOf(m),
        })),
      ),
    },
    200,
  );
});

const MONTH_ERROR = "the file's name must be a month written YYYY-MM.jsonl, like 2026-06.jsonl";

const monthRoute = createRoute({
  method: "get",
  path: "/{file}",
  operationId: "dataMonth",
  summary: "One month of featured papers as JSON Lines (YYYY-MM.jsonl), streamed",
  description: `One JSON object per line: ${Object.keys(FIELDS).join(", ")}. Listed with sizes in /data/index.json.`,
  tags: ["data"],
  request: {
    params: z.object({ file: z.string().meta({ param: { description: "YYYY-MM.jsonl" }, example: "2026-06.jsonl" }) }),
  },
  responses: {
    200: {
      description: "the month's papers",
      headers: cachedHeaders,
      content: { [JSONL_MEDIA_TYPE]: { schema: z.string() } },
    },
    304: notModified,
    404: errorResponse("no paper was featured in that month, or there is no such file"),
    ...commonErrors,
  },
});

dataRoutes.openapi(monthRoute, async (c) => {
  const { file } = c.req.valid("param");
  if (!file.endsWith(".jsonl")) throw notFound("there is no such file; the files are listed in /data/index.json");
  const period = parseMonth(file.slice(0, -".jsonl".length));
  if (!period) throw badRequest("invalid_month", MONTH_ERROR);
  const db = createDb(c.env.DB);
  const summary = await monthSummary(db, period);
  if (!summary.lines)
    throw notFound(`no paper was featured in ${period.key}; the files are listed in /data/index.json`);
  const tag = await etagOf(summary);
  setCache(c, "counts", [periodKey(period)]);
  c.header("ETag", tag);
  if (ifNoneMatchMatches(c.req.header("If-None-Match") ?? null, tag)) return c.body(null, 304);
  // No Content-Length: a vote between the summary and the last page may change a line's length.
  return c.body(streamLines(db, period), 200, {
    "Content-Type": `${JSONL_MEDIA_TYPE}; charset=utf-8`,
    "Content-Disposition": `inline; filename="paperboy-${period.key}.jsonl"`,
  });
});

dataRoutes.get("/", (c) => c.redirect("/data/index.json", 302));
