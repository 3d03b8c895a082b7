import { Hono } from "hono";
import { z } from "zod";
import { createDb } from "../../../../shared/db/client";
import { paperById } from "../../../../shared/papers/queries";
import { freshnessOfDay, LIVE_TAG, setCache, setPaperCache, setPeriodCache, tagsForDays } from "../cache/cache-policy";
import type { AppEnv } from "../env";
import { ApiError, notFound, validate } from "../errors";
import { apiMiddleware } from "./api-http";
import { listDaily, periodOf, searchForApi } from "./api-queries";
import { DailyPapersQuery, PaperId, SearchQuery } from "./api-schemas";
import { toHfDailyPaper, toHfPaper } from "./hf-shape";
import { buildOpenApi } from "./openapi";

export const apiRoutes = new Hono<AppEnv>();

apiRoutes.use("*", ...apiMiddleware);
apiRoutes.use("*", async (c, next) => {
  if (!["GET", "HEAD", "OPTIONS"].includes(c.req.method)) {
    c.header("Allow", "GET, HEAD, OPTIONS");
    throw new ApiError(405, "method_not_allowed", "this API is read-only: use GET or HEAD");
  }
  await next();
});

apiRoutes.get("/", (c) => {
  const site = c.env.SITE_URL;
  // One address, two answers by Accept: caches in front must key on it.
  c.header("Vary", "Accept");
  if (c.req.header("Accept")?.includes("text/html")) return c.redirect("/docs/api", 302);
  setCache(c, "live");
  return c.json({
    name: "Paperboy API",
    description: "Hugging Face-compatible daily papers API",
    openapi: `${site}/api/openapi.json`,
    docs: `${site}/docs/api`,
  });
});

apiRoutes.get("/openapi.json", (c) => {
  setCache(c, "live");
  return c.json(buildOpenApi(c.env.SITE_URL));
});

apiRoutes.get("/daily_papers", async (c) => {
  const query = validate(DailyPapersQuery, c.req.query());
  const rows = await listDaily(createDb(c.env.DB), query);
  const items = rows.map(toHfDailyPaper);
  // The pages' rules: a period that is over is "finished", anything that can still change is "live".
  const period = periodOf(query);
  if (!period) setCache(c, "live", [LIVE_TAG]);
  else if (period.kind === "day") setCache(c, freshnessOfDay(period.from), tagsForDays([period.from]));
  else setPeriodCache(c, period);
  if (items.length === query.limit) {
    // Absolute: huggingface_hub's paginate() requests the next link as given.
    const next = new URL(c.req.url);
    next.searchParams.set("p", String(query.p + 1));
    next.searchParams.set("limit", String(query.limit));
    c.header("Link", `<${next.toString()}>; rel="next"`);
  }
  return c.json(items);
});

// Declared before /papers/:id so that "search" is never read as an id.
apiRoutes.get("/papers/search", async (c) => {
  const query = validate(SearchQuery, c.req.query());
  const rows = await searchForApi(createDb(c.env.DB), query.q, query.limit);
  setCache(c, "search");
  return c.json(rows.map(toHfDailyPaper));
});

// Old-style ids carry a slash (astro-ph/0601001): the id is the whole rest of the path.
apiRoutes.get("/papers/:id{.+}", async (c) => {
  const { id } = validate(z.object({ id: PaperId }), { id: c.req.param("id") }, "invalid_id");
  const row = await paperById(createDb(c.env.DB), id);
  if (!row) throw notFound(`no paper ${id} here`);
  setPaperCache(c, id, row.entry?.day);
  return c.json(toHfPaper(row));
});

apiRoutes.all("*", () => {
  throw notFound("there is no API endpoint at this address; see /api/openapi.json");
});
