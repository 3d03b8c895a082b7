import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { IngestRequest } from "../../../../shared/papers/ingest-request";
import { ApiError, describeZodError } from "../errors";
import type { AppEnv } from "../env";

export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use("*", async (c, next) => {
  const token = c.env.ADMIN_TOKEN;
  if (!token) throw new ApiError(401, "unauthorized", "admin access is not configured");
  return bearerAuth({ token })(c, next);
});

adminRoutes.post("/ingest", async (c) => {
  const body = await c.req.json().catch(() => {
    throw new ApiError(400, "invalid_json", "the body must be JSON");
  });
  const parsed = IngestRequest.safeParse(body);
  if (!parsed.success) throw new ApiError(400, "invalid_request", describeZodError(parsed.error));
  const run = await c.env.INGEST.runIngest(parsed.data);
  return c.json(run, run.status === "ok" ? 200 : 502);
});
