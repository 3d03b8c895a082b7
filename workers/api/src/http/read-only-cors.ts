import { cors } from "hono/cors";

/** Read-only CORS: any origin may GET or HEAD, never with credentials. */
export const readOnlyCors = cors({
  origin: "*",
  allowMethods: ["GET", "HEAD", "OPTIONS"],
  allowHeaders: ["If-None-Match", "Accept"],
  exposeHeaders: ["Link", "ETag", "Retry-After", "Cache-Control"],
  maxAge: 86_400,
  credentials: false,
});
