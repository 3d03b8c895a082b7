/**
 * /media/thumbnails/{id}: a featured paper's upstream thumbnail through our own address, so that
 * the page's CSP stays 'self' and no reader's browser talks to another host. The bytes are cached at
 * the edge for a day; on any failure (no thumbnail, another host, a redirect, a wrong type, too
 * large, too slow) the answer is a redirect to the paper's own share card.
 */
import { Hono } from "hono";
import { createDb } from "#shared/db/client";
import { paperById } from "#shared/papers/queries";
import { dayTag, paperTag, setCache } from "../cache/cache-policy";
import { mediaCache } from "../cache/edge-cache";
import { type AppEnv, readConfig } from "../env";
import { notFound } from "../errors";
import { paperIdFrom } from "../http/paper-id";
import { thumbnailPath } from "../ui/components";
import { cardPath, paperCard } from "./card-data";
import {
  type Fetched,
  fetchThumbnail,
  isPrivateHost,
  type ThumbnailSettings,
  thumbnailSource,
} from "./fetch-thumbnail";

export const thumbnailRoutes = new Hono<AppEnv>();

thumbnailRoutes.get("/media/thumbnails/:id{.+}", mediaCache, async (c) => {
  const id = c.req.param("id");
  const parsed = paperIdFrom(id);
  if (parsed.id !== id) return c.redirect(thumbnailPath(parsed.id), 301);
  const item = await paperById(createDb(c.env.DB), id);
  if (!item) throw notFound(`paper ${id} is not in the catalog (yet)`);
  const tags = [paperTag(id), ...(item.entry ? [dayTag(item.entry.day)] : [])];

  const config = readConfig(c.env);
  const settings: ThumbnailSettings = {
    host: config.THUMBNAIL_HOST,
    origin: config.THUMBNAIL_ORIGIN ?? `https://${config.THUMBNAIL_HOST}`,
    timeoutMs: config.THUMBNAIL_TIMEOUT_MS,
  };
  const source = thumbnailSource(item.entry?.thumbnail, settings);
  let got: Fetched = { ok: false, reason: "no upstream thumbnail on the configured host" };
  if (source && isPrivateHost(source.hostname) && !config.DEV_MODE)
    got = { ok: false, reason: `${source.hostname} is a private address` };
  else if (source) got = await fetchThumbnail(source, settings);

  if (!got.ok) {
    if (source) console.warn(`thumbnail of ${id} from ${source}: ${got.reason}; the card stands in`);
    setCache(c, "fallback", tags);
    return c.redirect(cardPath(paperCard(item)), 302);
  }
  setCache(c, "media", tags);
  return c.body(got.bytes, 200, { "Content-Type": got.type });
});
