import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AppEnv } from "./env";
import { errorPage } from "./ui/error-page";

/** Every machine-readable error code the worker answers with: ApiError's, the JSON error body's and the OpenAPI document's. */
export const ErrorCode = z.enum([
  "invalid_request",
  "invalid_date",
  "invalid_week",
  "invalid_month",
  "invalid_id",
  "invalid_sort",
  "invalid_page",
  "invalid_json",
  "invalid_form",
  "invalid_filters",
  "invalid_link",
  "invalid_payload",
  "invalid_signature",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "method_not_allowed",
  "rate_limited",
  "http_error",
  "internal_error",
  "vectors_off",
  "not_trained",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error every handler throws; `code` is machine-readable, `message` safe to show. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    /** Headers the error response carries (Retry-After on a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (code: ErrorCode, message: string) => new ApiError(400, code, message);
export const notFound = (message = "not found") => new ApiError(404, "not_found", message);
/** A 429 that says when to come back; never stored by a cache. */
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new ApiError(429, "rate_limited", message, {
    "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))),
    "Cache-Control": "no-store",
  });

/** Describes the first zod issue the way a client can act on it: "limit: must be at most 100". */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request";
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}

/** Parses `input` with `schema`, or throws the 400 that says what is wrong (`code`, e.g. invalid_form). */
export function validate<T extends z.ZodType>(
  schema: T,
  input: unknown,
  code: ErrorCode = "invalid_request",
): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw badRequest(code, describeZodError(parsed.error));
  return parsed.data;
}

/**
 * The validation hook of the OpenAPI routes (@hono/zod-openapi's defaultHook, or one route's hook):
 * a request that fails its route's schemas gets the same 400 as validate() throws.
 */
export const rejectInvalid =
  (code: ErrorCode = "invalid_request") =>
  (result: { success: true } | { success: false; error: z.ZodError }): undefined => {
    if (!result.success) throw badRequest(code, describeZodError(result.error));
    return undefined;
  };

const wantsJson = (c: Context) => {
  const path = new URL(c.req.url).pathname;
  // /admin serves scripts (JSON) and curators' browsers (pages, which ask for text/html).
  if (path.startsWith("/admin")) return !(c.req.header("Accept") ?? "").includes("text/html");
  return (
    path.startsWith("/api/") ||
    path === "/api" ||
    path === "/mcp" ||
    path.startsWith("/webhooks") ||
    path === "/data" ||
    path.startsWith("/data/")
  );
};

export function handleError(err: Error, c: Context<AppEnv>) {
  let status: ContentfulStatusCode = 500;
  let code: ErrorCode = "internal_error";
  let message = "something went wrong on our side";
  if (err instanceof ApiError) {
    ({ status, code, message } = err);
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
  } else if (err instanceof z.ZodError) {
    status = 400;
    code = "invalid_request";
    message = describeZodError(err);
  } else if (err instanceof HTTPException) {
    status = err.status as ContentfulStatusCode;
    code = status === 401 ? "unauthorized" : "http_error";
    message = err.message || "request refused";
  } else {
    console.error("unhandled error", err);
  }
  if (wantsJson(c)) return c.json({ error: message, code }, status);
  return c.html(errorPage(status, message), status);
}
