import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createDb } from "#shared/db/client";
import { AUTHOR_PAGE_SIZE, papersByAuthor } from "#shared/papers/authors";
import { paperById, searchPapers as searchCatalog } from "#shared/papers/queries";
import { vectorArmFrom } from "#shared/vectors/from-env";
import { LIVE_TAG, setCache, setPaperCache, setPeriodCache, setSearchCache, tagsForDays } from "../cache/cache-policy";
import { apiCache } from "../cache/edge-cache";
import { etag } from "../cache/etag";
import { type AppEnv, readConfig } from "../env";
import { ApiError, notFound, rejectInvalid } from "../errors";
import { rateLimit } from "../http/client-limit";
import { apiDocument, cachedHeaders, errorResponse, notModified } from "../http/openapi";
import { readOnlyCors } from "../http/read-only-cors";
import { listDaily, periodOf } from "./api-queries";
import {
  AuthorName,
  AuthorPapers,
  AuthorQuery,
  commonErrors,
  DailyPapersQuery,
  PaperId,
  queryOf,
  SearchQuery,
} from "./api-schemas";
import { HfDailyPapers, HfPaper } from "./hf-schema";
import { toHfDailyPaper, toHfPaper } from "./hf-shape";

/** The JSON API. Each route is declared with createRoute beside its handler; /api/openapi.json is generated from them. */
export const apiRoutes = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid() });

apiRoutes.use("*", readOnlyCors, rateLimit, etag);
apiRoutes.use("*", async (c, next) => {
  if (!["GET", "HEAD", "OPTIONS"].includes(c.req.method)) {
    c.header("Allow", "GET, HEAD, OPTIONS");
    throw new ApiError(405, "method_not_allowed", "this API is read-only: use GET or HEAD");
  }
  await next();
});
apiRoutes.use("/daily_papers", apiCache);
apiRoutes.use("/papers/*", apiCache);
apiRoutes.use("/authors/*", apiCache);

apiRoutes.get("/", (c) => {
  const site = readConfig(c.env).SITE_URL;
  // One address, two answers by Accept: caches in front must key on it.
  c.header("Vary", "Accept");
  if (c.req.header("Accept")?.includes("text/html")) return c.redirect("/docs/api", 302);
  setCache(c, "static");
  return c.json({
    name: "Paperboy API",
    description: "Hugging Face-compatible daily papers API",
    openapi: `${site}/api/openapi.json`,
    docs: `${site}/docs/api`,
  });
});

const listDailyPapers = createRoute({
  method: "get",
  path: "/daily_papers",
  operationId: "listDailyPapers",
  summary: "Papers featured on a day, an ISO week or a month",
  description:
    "A bare JSON array. Without date, week or month: the latest featured papers across all days. " +
    'Paged with p (0-based) and limit; a full page carries a Link header with rel="next", a page past the end is [].',
  request: { query: queryOf(DailyPapersQuery) },
  responses: {
    200: {
      description: "the page of featured papers",
      headers: {
        ...cachedHeaders,
        Link: { schema: { type: "string" }, description: '<url>; rel="next" when the page is full' },
      },
      content: { "application/json": { schema: HfDailyPapers } },
    },
    304: notModified,
    ...commonErrors,
  },
});

apiRoutes.openapi(listDailyPapers, async (c) => {
  const query = c.req.valid("query");
  const rows = await listDaily(createDb(c.env.DB), query);
  const items = rows.map(toHfDailyPaper);
  // The pages' rules: counts change with every vote, on any day.
  const period = periodOf(query);
  if (!period) setCache(c, "counts", [LIVE_TAG]);
  else if (period.kind === "day") setCache(c, "counts", tagsForDays([period.from]));
  else setPeriodCache(c, period);
  if (items.length === query.limit) {
    // Absolute: huggingface_hub's paginate() requests the next link as given. On SITE_URL, never
    // the request's host: the response is cached under SITE_URL's key and served to every host.
    const asked = new URL(c.req.url);
    const next = new URL(`${readConfig(c.env).SITE_URL}${asked.pathname}${asked.search}`);
    next.searchParams.set("p", String(query.p + 1));
    next.searchParams.set("limit", String(query.limit));
    c.header("Link", `<${next.toString()}>; rel="next"`);
  }
  return c.json(items, 200);
});

const searchPapers = createRoute({
  method: "get",
  path: "/papers/search",
  operationId: "searchPapers",
  summary: "Full-text search over title, authors and abstract, best match first",
  description: "Searches the whole catalog, featured or not. Items have the daily-papers shape.",
  request: { query: queryOf(SearchQuery) },
  responses: {
    200: {
      description: "matching papers",
      headers: cachedHeaders,
      content: { "application/json": { schema: HfDailyPapers } },
    },
    304: notModified,
    ...commonErrors,
  },
});

// Declared before /papers/{id} so that "search" is never read as an id.
apiRoutes.openapi(searchPapers, async (c) => {
  const query = c.req.valid("query");
  const db = createDb(c.env.DB);
  const { hits, ranking } = await searchCatalog(db, query.q, {
    limit: query.limit,
    vectorArm: vectorArmFrom(c.env, db),
  });
  setSearchCache(c, ranking);
  return c.json(hits.map(toHfDailyPaper), 200);
});

const getPaper = createRoute({
  method: "get",
  // Old-style ids carry a slash (astro-ph/0601001): the id is the whole rest of the path.
  path: "/papers/{id{.+}}",
  operationId: "getPaper",
  summary: "One paper by arXiv id",
  description: "Old-style ids keep their slash: /api/papers/astro-ph/0601001.",
  request: { params: z.object({ id: PaperId }) },
  responses: {
    200: { description: "the paper", headers: cachedHeaders, content: { "application/json": { schema: HfPaper } } },
    304: notModified,
    404: errorResponse("no paper with this id"),
    ...commonErrors,
  },
});

apiRoutes.openapi(
  getPaper,
  async (c) => {
    const { id } = c.req.valid("param");
    const row = await paperById(createDb(c.env.DB), id);
    if (!row) throw notFound(`no paper ${id} here`);
    setPaperCache(c, id, row.entry?.day);
    return c.json(toHfPaper(row), 200);
  },
  rejectInvalid("invalid_id"),
);

const authorPapers = createRoute({
  method: "get",
  path: "/authors/{name}",
  operationId: "authorPapers",
  summary: "Every paper with an author of this name, newest first",
  description:
    "The name is matched after Unicode normalisation (NFKC) and case folding, and must be written whole " +
    `(URL-encoded). Paged with p (0-based), ${AUTHOR_PAGE_SIZE} papers a page. A name is not an identity: two people ` +
    "with one name share the list. An unknown name answers total 0.",
  request: { params: z.object({ name: AuthorName }), query: queryOf(AuthorQuery) },
  responses: {
    200: {
      description: "the author's papers",
      headers: cachedHeaders,
      content: { "application/json": { schema: AuthorPapers } },
    },
    304: notModified,
    ...commonErrors,
  },
});

apiRoutes.openapi(authorPapers, async (c) => {
  const { name } = c.req.valid("param");
  const { p } = c.req.valid("query");
  const found = await papersByAuthor(createDb(c.env.DB), name, p);
  setCache(c, "counts");
  return c.json(
    {
      name: found.name,
      total: found.total,
      p,
      pageSize: AUTHOR_PAGE_SIZE,
      papers: found.items.map((item) => ({ ...toHfDailyPaper(item), featured: item.entry !== null })),
    },
    200,
  );
});

const openApiDocument = createRoute({
  method: "get",
  path: "/openapi.json",
  operationId: "openapi",
  summary: "This document",
  responses: { 200: { description: "OpenAPI 3.1" } },
});

apiRoutes.openapi(openApiDocument, (c) => {
  setCache(c, "static");
  return c.json(apiDocument(readConfig(c.env).SITE_URL), 200);
});

apiRoutes.all("*", () => {
  throw notFound("there is no API endpoint at this address; see /api/openapi.json");
});
