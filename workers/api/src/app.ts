import { Hono } from "hono";
import { accountRoutes } from "./accounts/accounts-routes";
import { adminRoutes } from "./admin/admin-routes";
import { apiRoutes } from "./api/api-routes";
import { apiDocsRoutes } from "./api/docs-page";
import { cardRoutes } from "./cards/card-routes";
import { thumbnailRoutes } from "./cards/thumbnail-routes";
import { commentRoutes } from "./comments/comment-routes";
import { dataRoutes } from "./data/data-routes";
import { devRoutes } from "./dev/dev-routes";
import { discoveryRoutes } from "./discovery/discovery-routes";
import type { AppEnv } from "./env";
import { handleError, notFound } from "./errors";
import { feedRoutes } from "./feeds/feed-routes";
import { documentRoutes } from "./http/openapi";
import { secureHeaders } from "./http/secure-headers";
import { mcpRoutes } from "./mcp/mcp-routes";
import { readerRoutes } from "./readers/reader-routes";
import { siteRoutes } from "./site/site-routes";
import { submitRoutes } from "./submissions/submit-routes";
import { subscribeRoutes } from "./subscribe/subscribe-routes";
import { webhookRoutes } from "./subscribe/webhook-routes";
import { meRoutes, voteFormRoutes } from "./votes/vote-routes";

/** The table of contents: one sub-app per feature. */
export function createApp() {
  documentRoutes({ "/api": apiRoutes, "/feeds": feedRoutes, "/data": dataRoutes });
  const app = new Hono<AppEnv>();
  app.use("*", secureHeaders);
  app.get("/healthz", (c) => c.text("ok"));
  app.route("/admin", adminRoutes);
  // Before /api and the site: the signed-in person's own pages and JSON (For you, follows, marks),
  // private, never behind the public API's CORS or any cache.
  app.route("/", readerRoutes);
  app.route("/api/me", meRoutes);
  app.route("/api", apiRoutes);
  app.route("/feeds", feedRoutes);
  app.route("/mcp", mcpRoutes);
  app.route("/data", dataRoutes);
  app.route("/docs", apiDocsRoutes);
  app.route("/webhooks", webhookRoutes);
  app.route("/dev", devRoutes);
  app.route("/", discoveryRoutes);
  app.route("/", accountRoutes);
  app.route("/", voteFormRoutes);
  app.route("/", commentRoutes);
  app.route("/", subscribeRoutes);
  // Before the site: /papers/submit is not a paper, and never goes through the public cache.
  app.route("/", submitRoutes);
  app.route("/", cardRoutes);
  app.route("/", thumbnailRoutes);
  app.route("/", siteRoutes);
  app.notFound((c) => handleError(notFound("there is no page at this address"), c));
  app.onError(handleError);
  return app;
}
