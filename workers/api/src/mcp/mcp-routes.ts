import { StreamableHTTPTransport } from "@hono/mcp";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { createDb } from "#shared/db/client";
import { vectorArmFrom, vectorIndexFrom } from "#shared/vectors/from-env";
import { type AppEnv, readConfig } from "../env";
import { ApiError } from "../errors";
import { limitClient } from "../http/client-limit";
import { buildMcpServer } from "./mcp-tools";

/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP, stateless (no session id, no sign-in):
 * each POST gets its own server and transport and a JSON answer. There is no server-to-client
 * stream, so GET and DELETE are 405, as the transport's specification allows.
 */
export const mcpRoutes = new Hono<AppEnv>();

// Browser-based clients: any origin, no credentials; the headers the MCP transport uses.
mcpRoutes.use(
  "*",
  cors({
    origin: "*",
    allowMethods: ["POST", "GET", "DELETE", "OPTIONS"],
    allowHeaders: ["Content-Type", "Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID"],
    exposeHeaders: ["Mcp-Session-Id", "Mcp-Protocol-Version", "Retry-After"],
    maxAge: 86_400,
    credentials: false,
  }),
);

const PARSE_ERROR = Symbol("parse error");

mcpRoutes.post("/", async (c) => {
  // The same budget per client as /api: an agent's tool calls are API calls.
  await limitClient(c);
  c.header("Cache-Control", "no-store");
  // The revisions the server speaks (2025-06-18 on) have no JSON-RPC batching; an array would
  // otherwise run any number of calls for one request of the client's budget.
  const body: unknown = await c.req.json().catch(() => PARSE_ERROR);
  if (body === PARSE_ERROR) {
    const error = { code: -32700, message: "Parse error: the body is not JSON" };
    return c.json({ jsonrpc: "2.0", error, id: null }, 400);
  }
  if (Array.isArray(body)) {
    const message = "Invalid Request: JSON-RPC batches are not supported; send one message per request";
    return c.json({ jsonrpc: "2.0", error: { code: -32600, message }, id: null }, 400);
  }
  const transport = new StreamableHTTPTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  const db = createDb(c.env.DB);
  const server = buildMcpServer(db, readConfig(c.env).SITE_URL, {
    index: vectorIndexFrom(c.env, db),
    arm: vectorArmFrom(c.env, db),
  });
  await server.connect(transport);
  const res = await transport.handleRequest(c, body);
  return res ?? c.body(null, 202);
});

mcpRoutes.on(["GET", "DELETE"], "/", (c) => {
  c.header("Allow", "POST, OPTIONS");
  throw new ApiError(405, "method_not_allowed", "this MCP server is stateless: send JSON-RPC requests with POST");
});
