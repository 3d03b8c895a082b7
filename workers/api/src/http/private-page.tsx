import type { Context, MiddlewareHandler } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../env";

/** Pages about one person: never stored by a browser's or the edge's cache. */
export const PRIVATE = "private, no-store";

export const privateHtml = <E extends AppEnv>(
  c: Context<E>,
  node: Child,
  status: 200 | 400 | 401 | 404 | 409 | 429 = 200,
) => {
  c.header("Cache-Control", PRIVATE);
  // biome-ignore lint/complexity/noUselessFragments: c.html takes a JSX element, not any Child
  return c.html(<>{node}</>, status);
};

/** After the handler, so that its error pages (a 401, a refused cross-site post) say it too. */
export const privateAlways: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.header("Cache-Control", PRIVATE);
};
