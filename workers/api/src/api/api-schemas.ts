import { z } from "@hono/zod-openapi";
import { AuthorName as AuthorNameRule } from "#shared/papers/authors";
import { ARXIV_ID } from "#shared/papers/records";
import { onlyExclusions, parseQuery } from "#shared/papers/search-query";
import { commonErrorsOf } from "../http/openapi";
import { HfDailyPaper } from "./hf-schema";

/** Query and path schemas of the JSON API: the routes' validators, and so the source of /api/openapi.json. */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const WEEK = /^\d{4}-W\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;

/** Query values arrive as strings; an integer parameter must be written as one, and is documented as the integer it is. */
const intParam = (min: number, max: number, fallback: number, param: { description: string; example?: string }) =>
  z
    .string()
    .regex(/^\d{1,6}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .transform((n) => n ?? fallback)
    .openapi({ type: "integer", minimum: min, maximum: max, default: fallback, param });

/**
 * A route's query schema. Hono's validator reads a repeated parameter as an array; the API reads
 * the first value, as c.req.query() does.
 */
export const queryOf = <T extends z.ZodObject>(schema: T) =>
  z
    .record(z.string(), z.union([z.string(), z.array(z.string())]))
    .transform(
      (query): Record<string, unknown> =>
        Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
    )
    .pipe(schema);

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 50;
/** Deep pages are refused rather than scanned: p * limit stays under 10,000 rows. */
export const MAX_OFFSET = 10_000;

export const DailyPapersQuery = z
  .object({
    date: z
      .string()
      .regex(DATE, "must be a date like 2026-06-12")
      .optional()
      .meta({ description: "one UTC day, YYYY-MM-DD", example: "2026-06-12" }),
    week: z
      .string()
      .regex(WEEK, "must be an ISO week like 2026-W24")
      .optional()
      .meta({ description: "one ISO 8601 week, YYYY-Www (Monday to Sunday)", example: "2026-W24" }),
    month: z
      .string()
      .regex(MONTH, "must be a month like 2026-06")
      .optional()
      .meta({ description: "one calendar month, YYYY-MM", example: "2026-06" }),
    submitter: z.string().min(1).max(100, "must be at most 100 characters").optional().meta({
      description:
        "only papers submitted by this user name: a Hugging Face user's for the upstream feed's entries, a Paperboy handle for papers submitted here",
    }),
    sort: z.enum(["publishedAt", "trending"], { error: "must be publishedAt or trending" }).optional().meta({
      description:
        "absent: most upvoted first (as on the site); publishedAt: newest arXiv publication first; trending: upvotes decayed by age",
    }),
    p: intParam(0, 1000, 0, { description: "0-based page number", example: "0" }),
    limit: intParam(1, MAX_LIMIT, DEFAULT_LIMIT, {
      description: `items per page, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
    }),
  })
  .refine((q) => [q.date, q.week, q.month].filter(Boolean).length <= 1, {
    message: "give at most one of date, week and month",
    path: ["date"],
  })
  .refine((q) => q.p * q.limit < MAX_OFFSET, { message: `p * limit must stay under ${MAX_OFFSET}`, path: ["p"] });
export type DailyPapersQuery = z.output<typeof DailyPapersQuery>;

export const MAX_QUERY = 250;
export const ONLY_EXCLUSIONS = "must name a word to find, not only words to exclude (-word)";

export const SearchQuery = z.object({
  q: z
    .string({ error: "q is required" })
    .transform((s) => s.trim())
    .pipe(z.string().min(1, "must not be empty").max(MAX_QUERY, `must be at most ${MAX_QUERY} characters`))
    .refine((q) => !onlyExclusions(parseQuery(q)), ONLY_EXCLUSIONS)
    .meta({
      description:
        'words to find in title, authors and abstract, best match first; "quoted words" are a phrase, -word excludes a word, an arXiv id or address finds that paper',
      example: "diffusion",
    }),
  limit: intParam(1, MAX_LIMIT, DEFAULT_LIMIT, {
    description: `at most this many results, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
  }),
});
export type SearchQuery = z.output<typeof SearchQuery>;

export const PaperId = z
  .string()
  .regex(ARXIV_ID, "must be an arXiv id such as 2606.00467 or astro-ph/0601001 (no version)")
  .meta({ description: "arXiv id without version; old-style ids keep their slash", example: "2606.00467" });

export const AuthorName = AuthorNameRule.meta({
  description: "an author's full name, URL-encoded",
  example: "Yann LeCun",
});

export const AuthorQuery = z.object({ p: intParam(0, 1000, 0, { description: "0-based page number", example: "0" }) });

export const AuthorPapers = z
  .object({
    name: z.string().meta({ description: "the name as the newest of its papers spells it" }),
    total: z.number().int().meta({ description: "papers with this name in all" }),
    p: z.number().int(),
    pageSize: z.number().int(),
    papers: z.array(
      HfDailyPaper.safeExtend({
        featured: z.boolean().meta({ description: "featured on some day (else only announced)" }),
      }),
    ),
  })
  .meta({ id: "AuthorPapers" });

/** The 400 and 429 answers every route of the API, the feeds and the open data declares. */
export const commonErrors = commonErrorsOf(
  `invalid input: a bad date, week or month, limit outside 1..${MAX_LIMIT}, an unknown sort, q over ${MAX_QUERY} characters, a malformed id`,
);
