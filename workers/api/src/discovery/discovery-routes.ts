import { Hono } from "hono";
import { createDb } from "#shared/db/client";
import { monthOf, parseMonth, periodKey, periodOfDay } from "#shared/domain/periods";
import { LIVE_TAG, setCache } from "../cache/cache-policy";
import { etag } from "../cache/etag";
import { type AppEnv, readConfig } from "../env";
import { badRequest, notFound } from "../errors";
import { xmlEscape } from "../feeds/feed-xml";
import { featuredDays, sitemapMonths, sitemapPapers } from "./sitemap-queries";

/** How crawlers find the site: robots.txt and the sitemaps (an index, the listing pages, one file per month of papers). */
export const discoveryRoutes = new Hono<AppEnv>();
discoveryRoutes.use("/sitemap.xml", etag);
discoveryRoutes.use("/sitemap/*", etag);

/** Paths no crawler has business in: private, per-person or local-only. */
export const DISALLOWED = ["/admin", "/account", "/signin", "/api/me", "/dev"];

discoveryRoutes.get("/robots.txt", (c) => {
  const site = readConfig(c.env).SITE_URL;
  setCache(c, "static");
  const lines = [
    "User-agent: *",
    "Allow: /",
    ...DISALLOWED.map((p) => `Disallow: ${p}`),
    "",
    `Sitemap: ${site}/sitemap.xml`,
    "",
  ];
  return c.text(lines.join("\n"));
});

type SitemapUrl = { loc: string; lastmod?: string };

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
const SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9";
const entry = (tag: "url" | "sitemap", u: SitemapUrl) =>
  `<${tag}><loc>${xmlEscape(u.loc)}</loc>${u.lastmod ? `<lastmod>${xmlEscape(u.lastmod)}</lastmod>` : ""}</${tag}>`;
const urlset = (urls: SitemapUrl[]) =>
  [XML_HEAD, `<urlset xmlns="${SITEMAP_NS}">`, ...urls.map((u) => entry("url", u)), "</urlset>", ""].join("\n");
const sitemapIndex = (maps: SitemapUrl[]) =>
  [
    XML_HEAD,
    `<sitemapindex xmlns="${SITEMAP_NS}">`,
    ...maps.map((u) => entry("sitemap", u)),
    "</sitemapindex>",
    "",
  ].join("\n");
const XML_TYPE = { "Content-Type": "application/xml; charset=utf-8" };

discoveryRoutes.get("/sitemap.xml", async (c) => {
  const site = readConfig(c.env).SITE_URL;
  const months = await sitemapMonths(createDb(c.env.DB));
  setCache(c, "static", [LIVE_TAG]);
  const latest = months.reduce((max, m) => (m.lastmod > max ? m.lastmod : max), "");
  return c.body(
    sitemapIndex([
      { loc: `${site}/sitemap/pages.xml`, lastmod: latest || undefined },
      ...months.map((m) => ({ loc: `${site}/sitemap/${m.month}.xml`, lastmod: m.lastmod })),
    ]),
    200,
    XML_TYPE,
  );
});

discoveryRoutes.get("/sitemap/:file", async (c) => {
  const site = readConfig(c.env).SITE_URL;
  const file = c.req.param("file");
  const db = createDb(c.env.DB);
  if (file === "pages.xml") {
    const days = await featuredDays(db);
    const periods = new Set<string>();
    for (const day of days) {
      periods.add(`/papers/month/${monthOf(day)}`);
      const week = periodOfDay("week", day);
      if (week) periods.add(`/papers/week/${week.key}`);
    }
    setCache(c, "static", [LIVE_TAG]);
    const fixed = ["/", "/papers/trending", "/about"];
    return c.body(urlset([...fixed, ...[...periods].sort()].map((p) => ({ loc: `${site}${p}` }))), 200, XML_TYPE);
  }
  if (!file.endsWith(".xml")) throw notFound("there is no such sitemap; /sitemap.xml lists them");
  const period = parseMonth(file.slice(0, -".xml".length));
  if (!period) throw badRequest("invalid_month", "a monthly sitemap is named YYYY-MM.xml, like 2026-06.xml");
  const rows = await sitemapPapers(db, period);
  if (!rows.length) throw notFound(`no paper was featured in ${period.key}`);
  const dayLastmod = new Map<string, string>();
  for (const r of rows) if (r.lastmod > (dayLastmod.get(r.day) ?? "")) dayLastmod.set(r.day, r.lastmod);
  setCache(c, "static", [periodKey(period)]);
  return c.body(
    urlset([
      ...[...dayLastmod].map(([day, lastmod]) => ({ loc: `${site}/papers/date/${day}`, lastmod })),
      ...rows.map((r) => ({ loc: `${site}/papers/${r.id}`, lastmod: r.lastmod })),
    ]),
    200,
    XML_TYPE,
  );
});
