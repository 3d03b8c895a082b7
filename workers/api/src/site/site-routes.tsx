import { type Context, Hono } from "hono";
import { z } from "zod";
import { createDb } from "#shared/db/client";
import {
  type Period,
  parseDay,
  parseMonth,
  parseWeek,
  periodOfDay,
  todayUtc,
  weeksInIsoYear,
} from "#shared/domain/periods";
import { AUTHOR_PAGE_SIZE, AuthorName, authorPath, papersByAuthor } from "#shared/papers/authors";
import {
  dayListing,
  latestDayListing,
  latestDayWithPapers,
  papersInOrderQuery,
  periodListing,
  relatedFromRows,
  relatedPapers,
  relatedPapersQuery,
  SORT_ORDERS,
  searchPapers,
  trendingPapers,
} from "#shared/papers/queries";
import { isSearchable, onlyExclusions, parseQuery } from "#shared/papers/search-query";
import { vectorArmFrom, vectorIndexFrom } from "#shared/vectors/from-env";
import { neighbourIds, paperAndSpace, relatedByMeaning } from "#shared/vectors/related";
import { LIVE_TAG, setCache, setPaperCache, setPeriodCache, setSearchCache, tagsForDays } from "../cache/cache-policy";
import { edgeCache, SITE_CACHED_PATHS } from "../cache/edge-cache";
import { commentThreadQuery, threadOf } from "../comments/comment-store";
import { type AppEnv, readConfig } from "../env";
import { badRequest, notFound, validate } from "../errors";
import { limitClient } from "../http/client-limit";
import { paperIdFrom } from "../http/paper-id";
import { CSS_HASH, SITE_CSS } from "../ui/styles";
import { VOTES_JS, VOTES_JS_PATH } from "../ui/votes-script";
import { renderBibtex } from "./bibtex";
import { renderPaperMarkdown } from "./markdown";
import { AboutPage, AuthorPage, DayPage, PaperPage, PeriodPage, SearchPage, TrendingPage } from "./pages";

export const siteRoutes = new Hono<AppEnv>();

const PERIOD_PAGE_SIZE = 50;
const SEARCH_PAGE_SIZE = 20;
const MAX_PAGE = 200;
const MAX_QUERY = 2000;

/** The site's query parameters; an empty one (`?sort=`) is an absent one. */
const blankIsAbsent = (value: unknown) => (value === "" ? undefined : value);
const PAGE_ERROR = `page must be a number from 1 to ${MAX_PAGE}`;
const SortParam = z.preprocess(
  blankIsAbsent,
  z.enum(SORT_ORDERS, { error: `sort must be one of ${SORT_ORDERS.join(", ")}` }).default("upvotes"),
);
const PageParam = z.preprocess(
  blankIsAbsent,
  z
    .string()
    .regex(/^\d{1,4}$/, PAGE_ERROR)
    .transform(Number)
    .pipe(z.number().min(1, PAGE_ERROR).max(MAX_PAGE, PAGE_ERROR))
    .default(1),
);
const SearchText = z
  .string()
  .default("")
  .transform((q) => q.slice(0, MAX_QUERY).trim());

const sortOf = (c: Context) => validate(SortParam, c.req.query("sort"), "invalid_sort");
const pageOf = (c: Context) => validate(PageParam, c.req.query("page"), "invalid_page");

for (const path of SITE_CACHED_PATHS) siteRoutes.use(path, edgeCache);

siteRoutes.get("/static/:file", (c) => {
  const file = c.req.param("file");
  if (`/static/${file}` === VOTES_JS_PATH) {
    setCache(c, "asset");
    return c.body(VOTES_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  }
  if (file !== `site.${CSS_HASH}.css` && file !== "site.css") throw notFound("there is no such file");
  setCache(c, file === "site.css" ? "static" : "asset");
  return c.body(SITE_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
});

siteRoutes.get("/", async (c) => {
  const sort = sortOf(c);
  const listing = await latestDayListing(createDb(c.env.DB), { sort });
  setCache(c, "counts", [LIVE_TAG, ...(listing.day ? tagsForDays([listing.day]) : [])]);
  return c.html(<DayPage listing={listing} sort={sort} home siteUrl={readConfig(c.env).SITE_URL} />);
});

siteRoutes.get("/papers/date/:day", async (c) => {
  const day = parseDay(c.req.param("day"));
  if (!day) throw badRequest("invalid_date", "the date must be a real day written YYYY-MM-DD, like 2026-06-12");
  const sort = sortOf(c);
  const listing = await dayListing(createDb(c.env.DB), day, { sort });
  setCache(c, "counts", tagsForDays(listing.day && listing.day !== day ? [day, listing.day] : [day]));
  return c.html(<DayPage listing={listing} sort={sort} siteUrl={readConfig(c.env).SITE_URL} />);
});

async function periodPage(c: Context<AppEnv>, period: Period) {
  const sort = sortOf(c);
  const page = pageOf(c);
  const { items, more } = await periodListing(createDb(c.env.DB), period, {
    sort,
    page: page - 1,
    limit: PERIOD_PAGE_SIZE,
  });
  setPeriodCache(c, period);
  return c.html(
    <PeriodPage
      period={period}
      items={items}
      sort={sort}
      page={page}
      more={more}
      siteUrl={readConfig(c.env).SITE_URL}
    />,
  );
}

async function latestPeriod(c: Context<AppEnv>, kind: "week" | "month") {
  const latest = (await latestDayWithPapers(createDb(c.env.DB))) ?? todayUtc();
  const period = periodOfDay(kind, latest);
  if (!period) return c.redirect(`/papers/date/${latest}`, 302); // 0000-01-01 is in -0001-W52
  return c.redirect(`/papers/${kind}/${period.key}`, 302);
}

siteRoutes.get("/papers/week", (c) => latestPeriod(c, "week"));
siteRoutes.get("/papers/month", (c) => latestPeriod(c, "month"));

siteRoutes.get("/papers/week/:week", (c) => {
  const value = c.req.param("week");
  const period = parseWeek(value);
  if (!period) {
    const m = /^(\d{4})-W(\d{2})$/.exec(value);
    throw badRequest(
      "invalid_week",
      m
        ? `${m[1]} has no week ${Number(m[2])}: its ISO weeks run from 01 to ${weeksInIsoYear(Number(m[1]))}`
        : "the week must be an ISO week written YYYY-Www, like 2026-W24",
    );
  }
  return periodPage(c, period);
});

siteRoutes.get("/papers/month/:month", (c) => {
  const period = parseMonth(c.req.param("month"));
  if (!period) throw badRequest("invalid_month", "the month must be written YYYY-MM, like 2026-06");
  return periodPage(c, period);
});

siteRoutes.get("/papers/trending", async (c) => {
  const items = await trendingPapers(createDb(c.env.DB));
  setCache(c, "counts", [LIVE_TAG]);
  return c.html(<TrendingPage items={items} siteUrl={readConfig(c.env).SITE_URL} />);
});

// The id may contain a slash (astro-ph/0601001), so it is the rest of the path.
siteRoutes.get("/papers/:id{.+}", async (c) => {
  let id = c.req.param("id");
  // A file extension names the representation; Accept only chooses Markdown at the HTML address.
  const extension = /\.(md|bib)$/.exec(id)?.[0] ?? "";
  id = id.slice(0, id.length - extension.length);
  const bibtex = extension === ".bib";
  const markdown = extension === ".md" || (!extension && (c.req.header("Accept") ?? "").includes("text/markdown"));
  const parsed = paperIdFrom(id);
  if (parsed.id !== id) return c.redirect(`/papers/${parsed.id}${extension}`, 301);
  const db = createDb(c.env.DB);
  const index = vectorIndexFrom(c.env, db);
  // the HTML page's related papers by meaning: what they are found from read with the paper
  const { item, space, neighbourhood } = await paperAndSpace(db, id, bibtex || markdown ? undefined : index);
  if (!item) throw notFound(`paper ${id} is not in the catalog (yet)`);
  setPaperCache(c, id, item.entry?.day);
  if (bibtex) return c.body(renderBibtex(item.paper), 200, { "Content-Type": "application/x-bibtex; charset=utf-8" });
  c.header("Vary", "Accept");
  // Negotiated Markdown at the HTML address is never stored by a shared cache (see negotiatesMarkdown).
  if (markdown && !c.req.path.endsWith(".md")) c.header("Cache-Control", "private, no-store");
  if (markdown) {
    const related = (await relatedByMeaning(db, index, id)) ?? (await relatedPapers(db, item.paper));
    const body = renderPaperMarkdown(item.paper, {
      siteUrl: readConfig(c.env).SITE_URL,
      entry: item.entry ? { day: item.entry.day, upvotes: item.upvotes } : null,
      numComments: item.numComments,
      related: related.map((r) => r.paper),
    });
    return c.body(body, 200, { "Content-Type": "text/markdown; charset=utf-8" });
  }
  // Related papers by meaning (the paper's vector's neighbours: from what the first round trip read
  // with the paper where the index is in D1, else asked of the index between the page's two round
  // trips) where a space answers; else by words. Either comes with the discussion in one round
  // trip: the page's second and last.
  const near = space ? await neighbourIds(index, space, id, 5, neighbourhood) : null;
  const relatedQuery = near ? papersInOrderQuery(db, near) : relatedPapersQuery(db, item.paper);
  const threadQuery = commentThreadQuery(db, id);
  const [threadRows, relatedRows] = relatedQuery
    ? await db.batch([threadQuery, relatedQuery])
    : [await threadQuery, []];
  const related = relatedFromRows(relatedRows).slice(0, 5);
  const thread = threadOf(threadRows);
  return c.html(<PaperPage item={item} related={related} thread={thread} siteUrl={readConfig(c.env).SITE_URL} />);
});

siteRoutes.get("/search", async (c) => {
  const q = validate(SearchText, c.req.query("q"));
  const page = pageOf(c);
  const parsed = parseQuery(q);
  const searchable = isSearchable(parsed);
  // Behind edgeCache: a search answered from a cache never gets here and costs nothing; one that
  // reaches D1's full-text index counts like an /api search.
  if (searchable) await limitClient(c);
  const db = createDb(c.env.DB);
  const { hits, more, ranking } = searchable
    ? await searchPapers(db, q, { page: page - 1, limit: SEARCH_PAGE_SIZE, vectorArm: vectorArmFrom(c.env, db) })
    : { hits: [], more: false, ranking: "words" as const };
  setSearchCache(c, ranking);
  // A pasted arXiv id or address goes to the paper's page, as people expect of a known paper.
  if (parsed.arxivId && hits[0]?.paper.id === parsed.arxivId) return c.redirect(`/papers/${parsed.arxivId}`, 302);
  const why = onlyExclusions(parsed) ? "only-exclusions" : searchable ? null : "no-words";
  return c.html(<SearchPage q={q} hits={hits} page={page} more={more} unsearchable={why} />);
});

siteRoutes.get("/authors/:name", async (c) => {
  const name = validate(AuthorName, c.req.param("name"));
  const page = pageOf(c);
  const found = await papersByAuthor(createDb(c.env.DB), name, page - 1);
  setCache(c, "counts");
  if (!found.total) throw notFound(`no paper in the catalog has an author named ${name}`);
  const siteUrl = readConfig(c.env).SITE_URL;
  return c.html(
    <AuthorPage
      found={found}
      page={page}
      more={page * AUTHOR_PAGE_SIZE < found.total}
      canonical={`${siteUrl}${authorPath(found.name)}`}
    />,
  );
});

siteRoutes.get("/about", (c) => {
  setCache(c, "static");
  return c.html(<AboutPage siteUrl={readConfig(c.env).SITE_URL} />);
});
