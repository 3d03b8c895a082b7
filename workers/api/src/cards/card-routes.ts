/**
 * The share cards as PNG: a paper's (/papers/{id}/card.png), a day's
 * (/papers/date/{day}/card.png) and the home page's (/papers/card.png). Pages link the versioned
 * address (card-{hash}.png, card-data.ts), which is cached for good; an old hash redirects to the
 * card as it is now, and the unversioned address answers the card as it is now, kept as briefly as
 * the counts it shows. Mounted before the site's routes, whose /papers/{id} would take these paths.
 */
import { type Context, Hono } from "hono";
import { createDb } from "#shared/db/client";
import { parseDay } from "#shared/domain/periods";
import { dayListing, latestDayListing, paperById } from "#shared/papers/queries";
import { dayTag, LIVE_TAG, paperTag, setCache, tagsForDays } from "../cache/cache-policy";
import { edgeCache } from "../cache/edge-cache";
import type { AppEnv } from "../env";
import { badRequest, notFound } from "../errors";
import { paperIdFrom } from "../http/paper-id";
import { cardPath, cardVersion, dayCard, paperCard } from "./card-data";
import { type DayCardData, dayCardSvg, type PaperCardData, paperCardSvg } from "./card-svg";
import { cardFonts, renderPng } from "./render-card";

// edgeCache on each route, not `use("/papers/*")`: mounted at the root, that would run it a second
// time in front of every page of the site's routes.
export const cardRoutes = new Hono<AppEnv>();

const FILE = "card(?:-[0-9a-f]{8})?\\.png";
const askedVersion = (file: string) => /^card-([0-9a-f]{8})\.png$/.exec(file)?.[1] ?? null;

async function answerCard(c: Context<AppEnv>, file: string, data: PaperCardData | DayCardData, tags: string[]) {
  const asked = askedVersion(file);
  if (asked !== null && asked !== cardVersion(data)) {
    setCache(c, "counts", tags);
    return c.redirect(cardPath(data), 302);
  }
  const fonts = cardFonts();
  const png = await renderPng("id" in data ? paperCardSvg(data, fonts) : dayCardSvg(data, fonts));
  setCache(c, asked ? "asset" : "counts", tags);
  return c.body(png, 200, { "Content-Type": "image/png" });
}

cardRoutes.get(`/papers/:file{${FILE}}`, edgeCache, async (c) => {
  const listing = await latestDayListing(createDb(c.env.DB), { sort: "upvotes", limit: 3 });
  return answerCard(c, c.req.param("file"), dayCard(null, listing.items), [LIVE_TAG]);
});

cardRoutes.get(`/papers/date/:day/:file{${FILE}}`, edgeCache, async (c) => {
  const day = parseDay(c.req.param("day"));
  if (!day) throw badRequest("invalid_date", "the date must be a real day written YYYY-MM-DD, like 2026-06-12");
  const listing = await dayListing(createDb(c.env.DB), day, { sort: "upvotes", limit: 3 });
  if (listing.day !== day) throw notFound(`there are no papers on ${day}`);
  return answerCard(c, c.req.param("file"), dayCard(day, listing.items), tagsForDays([day]));
});

// The id may contain a slash (astro-ph/0601001): the card's file is the path's last part.
cardRoutes.get(`/papers/:path{.+/${FILE}}`, edgeCache, async (c) => {
  const path = c.req.param("path");
  const cut = path.lastIndexOf("/");
  const [id, file] = [path.slice(0, cut), path.slice(cut + 1)];
  const parsed = paperIdFrom(id);
  if (parsed.id !== id) return c.redirect(`/papers/${parsed.id}/${file}`, 301);
  const item = await paperById(createDb(c.env.DB), id);
  if (!item) throw notFound(`paper ${id} is not in the catalog (yet)`);
  return answerCard(c, file, paperCard(item), [paperTag(id), ...(item.entry ? [dayTag(item.entry.day)] : [])]);
});
