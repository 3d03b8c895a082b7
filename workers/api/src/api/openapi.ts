import { z } from "zod";
import { HfAuthor, HfDailyPaper, HfDailyPapers, HfPaper, HfUser } from "../../../../shared/papers/hf-schema";
import { ApiErrorBody, DailyPapersQuery, DEFAULT_LIMIT, MAX_LIMIT, PaperId, SearchQuery } from "./api-schemas";
import { RATE_LIMIT_PERIOD_S } from "../security/client-limit";

type JsonSchema = Record<string, unknown>;

const COMPONENTS = [HfUser, HfAuthor, HfPaper, HfDailyPaper, HfDailyPapers, ApiErrorBody];
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** The response schemas, from the same zod schemas the contract tests use. */
function components(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const schema of COMPONENTS) {
    const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
    if (id) registry.add(schema, { id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    reused: "inline",
    unrepresentable: "any",
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
    out[id] = rest;
  }
  return out;
}

/** Integer query parameters are validated as strings of digits; document them as the integers they are. */
const INTEGER_PARAMS: Record<string, JsonSchema> = {
  p: { type: "integer", minimum: 0, default: 0 },
  limit: { type: "integer", minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
};

function queryParameters(schema: z.ZodType, required: string[] = []) {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties: Record<string, JsonSchema>;
  };
  return Object.entries(json.properties).map(([name, prop]) => {
    const { description, example, ...rest } = prop;
    return {
      name,
      in: "query",
      required: required.includes(name),
      description,
      ...(example !== undefined ? { example } : {}),
      schema: INTEGER_PARAMS[name] ?? rest,
    };
  });
}

const error = (description: string) => ({ description, content: { "application/json": { schema: ref("Error") } } });
const common = {
  "400": error("invalid input: a bad date, week or month, limit outside 1..100, an unknown sort, q over 250 characters, a malformed id"),
  "429": {
    ...error(`too many requests from this client; retry after the Retry-After header (${RATE_LIMIT_PERIOD_S} s)`),
    headers: { "Retry-After": { schema: { type: "integer" }, description: "seconds to wait" } },
  },
};
const cached = {
  ETag: { schema: { type: "string" }, description: "weak validator; send it back in If-None-Match for a 304" },
  "Cache-Control": { schema: { type: "string" } },
};

const built = new Map<string, ReturnType<typeof describeApi>>();

/** The OpenAPI document; converting the zod schemas is pure, so once per isolate and site URL. */
export function buildOpenApi(siteUrl: string) {
  let doc = built.get(siteUrl);
  if (!doc) built.set(siteUrl, (doc = describeApi(siteUrl)));
  return doc;
}

function describeApi(siteUrl: string) {
  const { $schema: _s, ...idParam } = z.toJSONSchema(PaperId) as JsonSchema;
  return {
    openapi: "3.1.0",
    info: {
      title: "Paperboy API",
      version: "1.0.0",
      description:
        "Daily ML papers as JSON, compatible with Hugging Face's public papers API: clients written for " +
        "huggingface.co (such as huggingface_hub's HfApi) work with only the base URL changed. " +
        "Read-only, no authentication, CORS open for GET and HEAD. Timestamps are UTC in the form " +
        "2026-06-12T00:00:00.000Z; optional fields are absent, never null.",
    },
    servers: [{ url: siteUrl }],
    paths: {
      "/api/daily_papers": {
        get: {
          operationId: "listDailyPapers",
          summary: "Papers featured on a day, an ISO week or a month",
          description:
            "A bare JSON array. Without date, week or month: the latest featured papers across all days. " +
            "Paged with p (0-based) and limit; a full page carries a Link header with rel=\"next\", a page past the end is [].",
          parameters: queryParameters(DailyPapersQuery),
          responses: {
            "200": {
              description: "the page of featured papers",
              headers: { ...cached, Link: { schema: { type: "string" }, description: '<url>; rel="next" when the page is full' } },
              content: { "application/json": { schema: ref("DailyPapers") } },
            },
            "304": { description: "not modified (If-None-Match matched)" },
            ...common,
          },
        },
      },
      "/api/papers/search": {
        get: {
          operationId: "searchPapers",
          summary: "Full-text search over title, authors and abstract, best match first",
          description: "Searches the whole catalog, featured or not. Items have the daily-papers shape.",
          parameters: queryParameters(SearchQuery, ["q"]),
          responses: {
            "200": { description: "matching papers", headers: cached, content: { "application/json": { schema: ref("DailyPapers") } } },
            "304": { description: "not modified" },
            ...common,
          },
        },
      },
      "/api/papers/{id}": {
        get: {
          operationId: "getPaper",
          summary: "One paper by arXiv id",
          description: "Old-style ids keep their slash: /api/papers/astro-ph/0601001.",
          parameters: [{ name: "id", in: "path", required: true, schema: idParam, example: "2606.00467" }],
          responses: {
            "200": { description: "the paper", headers: cached, content: { "application/json": { schema: ref("Paper") } } },
            "304": { description: "not modified" },
            "404": error("no paper with this id"),
            ...common,
          },
        },
      },
      "/api/openapi.json": {
        get: { operationId: "openapi", summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } },
      },
      "/feeds/daily.rss": { get: feed("RSS 2.0 of the latest days' papers", "application/rss+xml") },
      "/feeds/daily.atom": { get: feed("Atom of the latest days' papers", "application/atom+xml") },
      "/feeds/trending.rss": { get: feed("RSS 2.0 of trending papers", "application/rss+xml") },
      "/feeds/trending.atom": { get: feed("Atom of trending papers", "application/atom+xml") },
      "/feeds/search.rss": { get: feed("RSS 2.0 of a search (q required)", "application/rss+xml", true) },
      "/feeds/search.atom": { get: feed("Atom of a search (q required)", "application/atom+xml", true) },
    },
    components: { schemas: components() },
  };
}

function feed(summary: string, type: string, withQuery = false) {
  return {
    summary,
    tags: ["feeds"],
    parameters: withQuery ? queryParameters(SearchQuery.pick({ q: true }), ["q"]) : [],
    responses: { "200": { description: "the feed", content: { [type]: { schema: { type: "string" } } } }, ...common },
  };
}
