import { formatDay, formatPeriod, type Period, shiftPeriod } from "#shared/domain/periods";
import { TRENDING_FORMULA, TRENDING_GRAVITY, TRENDING_WINDOW_DAYS } from "#shared/domain/trending";
import { type AuthorPapers, authorPath } from "#shared/papers/authors";
import type { DayListing, ListedPaper, SearchHit, SortOrder } from "#shared/papers/queries";
import { plural } from "#shared/papers/text";
import { dayCard } from "../cards/card-data";
import type { ThreadComment } from "../comments/comment-store";
import { CommentThread } from "../comments/comment-thread";
import { SubscribeForm } from "../subscribe/subscribe-form";
import { AuthorLinks, Cards, Pager, PaperCard, SortLinks, Submitter, Thumbnail, VoteButton } from "../ui/components";
import { Layout } from "../ui/layout";
import { PaperHead, ShareHead } from "./paper-meta";

/** `siteUrl`: SITE_URL, on which every page names its canonical address. */
export function DayPage({
  listing,
  sort,
  home,
  siteUrl,
}: {
  listing: DayListing;
  sort: SortOrder;
  home?: boolean;
  siteUrl: string;
}) {
  const { day, requested } = listing;
  const title = day ? `Daily Papers · ${formatDay(day)}` : "Daily Papers";
  const description = "The day's notable machine learning papers, upvoted by the research community.";
  const canonical = `${siteUrl}${day ? `/papers/date/${day}` : "/"}`;
  return (
    <Layout
      title={title}
      nav="daily"
      description={description}
      canonical={canonical}
      head={
        <ShareHead
          type="website"
          title={`${title} · Paperboy`}
          description={description}
          canonical={canonical}
          card={dayCard(home ? null : day, listing.items)}
          siteUrl={siteUrl}
        />
      }
      votes
    >
      <h1>
        {day ? (
          <>
            Daily Papers · <time datetime={day}>{formatDay(day)}</time>
          </>
        ) : (
          "Daily Papers"
        )}
      </h1>
      <p class="lede">
        by AK and the research community · {plural(listing.items.length, "paper")} ·{" "}
        <a href="/papers/submit">Submit a paper</a>
      </p>
      <SubscribeForm compact />
      {day && day !== requested && !home ? (
        <p class="notice" role="status">
          No papers on <time datetime={requested}>{formatDay(requested)}</time>: showing the nearest earlier day with
          papers, {formatDay(day)}.
        </p>
      ) : null}
      <div class="bar">
        <Pager
          label="Days"
          prev={listing.prev ? { href: `/papers/date/${listing.prev}`, text: formatDay(listing.prev) } : null}
          next={listing.next ? { href: `/papers/date/${listing.next}`, text: formatDay(listing.next) } : null}
        />
        {day ? <SortLinks base={home ? "/" : `/papers/date/${requested}`} current={sort} /> : null}
      </div>
      {listing.items.length ? (
        <Cards items={listing.items} />
      ) : (
        <p class="notice">
          {home ? (
            "No papers yet"
          ) : (
            <>
              No papers on <time datetime={requested}>{formatDay(requested)}</time> or any day before it
            </>
          )}
          {listing.next ? (
            <>
              ; the first day with papers is <a href={`/papers/date/${listing.next}`}>{formatDay(listing.next)}</a>
            </>
          ) : null}
          .
        </p>
      )}
    </Layout>
  );
}

export function PeriodPage({
  period,
  items,
  sort,
  page,
  more,
  siteUrl,
}: {
  period: Period;
  items: ListedPaper[];
  sort: SortOrder;
  page: number;
  more: boolean;
  siteUrl: string;
}) {
  const path = `/papers/${period.kind}/`;
  const prev = shiftPeriod(period, -1);
  const next = shiftPeriod(period, 1);
  const label = period.kind === "week" ? "Weeks" : "Months";
  const base = `${path}${period.key}`;
  const pageHref = (p: number) => `${base}?${sort === "upvotes" ? "" : `sort=${sort}&`}page=${p}`;
  return (
    <Layout
      title={`Papers of ${formatPeriod(period)}`}
      nav={period.kind === "week" ? "weekly" : "monthly"}
      canonical={`${siteUrl}${base}`}
      votes
    >
      <h1>{formatPeriod(period)}</h1>
      <p class="lede">
        Papers featured from {formatDay(period.from)} to {formatDay(period.to)}
        {page > 1 ? `, page ${page}` : ""}
      </p>
      <SubscribeForm compact />
      <div class="bar">
        <Pager
          label={label}
          prev={prev ? { href: `${path}${prev.key}`, text: formatPeriod(prev) } : null}
          next={next ? { href: `${path}${next.key}`, text: formatPeriod(next) } : null}
        />
        <SortLinks base={base} current={sort} />
      </div>
      {items.length ? <Cards items={items} showDay /> : <p class="notice">No papers were featured in this period.</p>}
      {page > 1 || more ? (
        <Pager
          label="Pages"
          prev={
            page > 1
              ? {
                  href: page === 2 ? base + (sort === "upvotes" ? "" : `?sort=${sort}`) : pageHref(page - 1),
                  text: "Previous page",
                }
              : null
          }
          next={more ? { href: pageHref(page + 1), text: "Next page" } : null}
        />
      ) : null}
    </Layout>
  );
}

export function TrendingPage({ items, siteUrl }: { items: ListedPaper[]; siteUrl: string }) {
  return (
    <Layout title="Trending papers" nav="trending" canonical={`${siteUrl}/papers/trending`} votes>
      <h1>Trending papers</h1>
      <p class="lede">
        Upvotes decayed by the time since a paper was featured: <code>{TRENDING_FORMULA}</code>.{" "}
        <a href="/about#trending">How trending works</a>
      </p>
      <SubscribeForm compact />
      {items.length ? <Cards items={items} showDay /> : <p class="notice">Nothing is trending yet.</p>}
    </Layout>
  );
}

const fmtTime = (iso: string) => formatDay(iso.slice(0, 10));

/** `siteUrl`: SITE_URL, for the absolute canonical address that link previews and citations use. */
export function PaperPage({
  item,
  related,
  thread,
  siteUrl,
}: {
  item: ListedPaper;
  related: ListedPaper[];
  thread: ThreadComment[];
  siteUrl: string;
}) {
  const { paper, entry } = item;
  const abs = `https://arxiv.org/abs/${paper.id}`;
  const pdf = `https://arxiv.org/pdf/${paper.id}`;
  const canonical = `${siteUrl}/papers/${paper.id}`;
  const description = paper.abstract.slice(0, 200);
  return (
    <Layout
      title={paper.title}
      description={description}
      canonical={canonical}
      head={<PaperHead item={item} canonical={canonical} description={description} siteUrl={siteUrl} />}
      votes
    >
      <article class="paper" id={`paper-${paper.id}`}>
        <h1>{paper.title}</h1>
        <VoteButton id={paper.id} title={paper.title} upvotes={item.upvotes} />
        {paper.withdrawnAt ? <p class="notice">This paper was withdrawn on {fmtTime(paper.withdrawnAt)}.</p> : null}
        <p class="meta">
          <AuthorLinks authors={paper.authors} />
        </p>
        <div class="links">
          <a href={abs}>arXiv abstract</a>
          <a href={pdf}>PDF</a>
          {paper.codeUrl ? (
            <a href={paper.codeUrl} rel="nofollow noopener">
              Code{paper.githubStars != null ? ` · ${paper.githubStars} stars` : ""}
            </a>
          ) : null}
          {paper.projectUrl ? (
            <a href={paper.projectUrl} rel="nofollow noopener">
              Project page
            </a>
          ) : null}
          <a href={`/papers/${paper.id}.md`} type="text/markdown">
            Markdown
          </a>
          <a href={`/papers/${paper.id}.bib`} type="application/x-bibtex">
            Cite (BibTeX)
          </a>
        </div>
        <dl class="facts">
          <dt>arXiv</dt>
          <dd>
            {paper.id}
            {paper.version > 0 ? `v${paper.version}` : ""}
          </dd>
          <dt>Published</dt>
          <dd>
            <time datetime={paper.published}>{fmtTime(paper.published)}</time>
          </dd>
          {paper.updated.slice(0, 10) !== paper.published.slice(0, 10) ? (
            <>
              <dt>Updated</dt>
              <dd>
                <time datetime={paper.updated}>{fmtTime(paper.updated)}</time>
              </dd>
            </>
          ) : null}
          {entry ? (
            <>
              <dt>Featured</dt>
              <dd>
                <a href={`/papers/date/${entry.day}`}>{formatDay(entry.day)}</a>
                {item.numComments ? (
                  <>
                    {" "}
                    · <a href="#comments">{plural(item.numComments, "comment")}</a>
                  </>
                ) : (
                  ""
                )}
                {entry.submitterFullname || entry.submitterName ? (
                  <>
                    {" · Submitted by "}
                    <Submitter entry={entry} />
                  </>
                ) : null}
              </dd>
            </>
          ) : null}
          {paper.categories.length ? (
            <>
              <dt>Categories</dt>
              <dd>
                {(paper.primaryCategory
                  ? [paper.primaryCategory, ...paper.categories.filter((c) => c !== paper.primaryCategory)]
                  : paper.categories
                ).join(", ")}
              </dd>
            </>
          ) : null}
          {paper.comment ? (
            <>
              <dt>Comment</dt>
              <dd>{paper.comment}</dd>
            </>
          ) : null}
          {paper.journalRef ? (
            <>
              <dt>Journal</dt>
              <dd>{paper.journalRef}</dd>
            </>
          ) : null}
          {paper.doi ? (
            <>
              <dt>DOI</dt>
              <dd>
                <a href={`https://doi.org/${paper.doi}`}>{paper.doi}</a>
              </dd>
            </>
          ) : null}
        </dl>
        <h2>Abstract</h2>
        <p class="abstract">{paper.abstract}</p>
        <Thumbnail item={item} lazy={false} />
        {paper.aiSummary ? (
          <>
            <h2>AI summary</h2>
            <p>{paper.aiSummary}</p>
          </>
        ) : null}
        {paper.aiKeywords?.length ? (
          <>
            <h2>Keywords</h2>
            <ul class="chips">
              {paper.aiKeywords.map((k) => (
                <li>{k}</li>
              ))}
            </ul>
          </>
        ) : null}
      </article>
      <CommentThread paperId={paper.id} thread={thread} upstream={entry?.numComments ?? 0} />
      {related.length ? (
        <section aria-labelledby="related">
          <h2 id="related">Related papers</h2>
          <Cards items={related} level={3} showDay />
        </section>
      ) : null}
    </Layout>
  );
}

/** `unsearchable`: why the query has nothing to search for, or null when it was searched. */
export function SearchPage(props: {
  q: string;
  hits: SearchHit[];
  page: number;
  more: boolean;
  unsearchable: "no-words" | "only-exclusions" | null;
}) {
  const { q, hits, page, more, unsearchable } = props;
  const href = (p: number) => `/search?q=${encodeURIComponent(q)}${p > 1 ? `&page=${p}` : ""}`;
  return (
    <Layout title={q ? `Search: ${q.slice(0, 80)}` : "Search"} nav="search" query={q} votes>
      <h1>{q ? "Search results" : "Search papers"}</h1>
      {!q ? (
        <p class="lede">Search titles, authors and abstracts of every paper in the catalog. Best matches come first.</p>
      ) : unsearchable === "only-exclusions" ? (
        <p class="notice" role="status">
          That query only excludes words (-word). Add a word to find: a title word, an author or a topic.
        </p>
      ) : unsearchable ? (
        <p class="notice" role="status">
          There are no words to search for in that query. Try a title word, an author or a topic.
        </p>
      ) : hits.length ? (
        <p class="lede" role="status">
          Best matches for “{q.length > 120 ? `${q.slice(0, 120)}…` : q}”{page > 1 ? `, page ${page}` : ""}
        </p>
      ) : (
        <p class="notice" role="status">
          No paper matches “{q.length > 120 ? `${q.slice(0, 120)}…` : q}”{page > 1 ? " on this page" : ""}. Try fewer or
          other words.
        </p>
      )}
      {hits.length ? (
        <ol class="cards">
          {hits.map((h, index) => (
            <PaperCard item={h} showDay titleHighlight={h.titleHighlight} snippet={h.snippet} index={index} />
          ))}
        </ol>
      ) : null}
      {page > 1 || more ? (
        <Pager
          label="Pages"
          prev={page > 1 ? { href: href(page - 1), text: "Previous page" } : null}
          next={more ? { href: href(page + 1), text: "Next page" } : null}
        />
      ) : null}
    </Layout>
  );
}

/** `siteUrl`: SITE_URL, for the MCP and open data examples that a reader copies. */
export function AuthorPage(props: { found: AuthorPapers; page: number; more: boolean; canonical: string }) {
  const { found, page, more } = props;
  const base = authorPath(found.name);
  return (
    <Layout title={`Papers by ${found.name}`} canonical={props.canonical} votes>
      <h1>{found.name}</h1>
      <p class="lede">
        {`${plural(found.total, "paper")} in the catalog with an author named ${found.name}, newest first${page > 1 ? `, page ${page}` : ""}.`}
      </p>
      <p>
        <small>
          A name is not an identity: everyone who writes their name this way shares this page.
          {found.truncated ? " This name is so common that only its newest papers are listed." : ""}
        </small>
      </p>
      <form method="post" action="/follows">
        <input type="hidden" name="kind" value="author" />
        <input type="hidden" name="value" value={found.name} />
        <button type="submit">Follow this author</button>{" "}
        <small>Their new papers then come first in your For you.</small>
      </form>
      <Cards items={found.items} showDay />
      {page > 1 || more ? (
        <Pager
          label="Pages"
          prev={page > 1 ? { href: page === 2 ? base : `${base}?page=${page - 1}`, text: "Newer papers" } : null}
          next={more ? { href: `${base}?page=${page + 1}`, text: "Older papers" } : null}
        />
      ) : null}
    </Layout>
  );
}

export function AboutPage({ siteUrl }: { siteUrl: string }) {
  return (
    <Layout title="About" nav="about" canonical={`${siteUrl}/about`}>
      <article class="paper">
        <h1>About Paperboy</h1>
        <p>
          Paperboy shows the machine learning papers worth reading each day, chosen by AK and the research community, on
          one fast page that needs no JavaScript. It re-creates Hugging Face's Daily Papers and adds full-text search
          over every announced arXiv paper.
        </p>
        <h2>Sources</h2>
        <ul>
          <li>
            The daily selection, its upvotes and submitters: the Hugging Face daily papers feed. The upvotes shown add
            the votes cast here by people signed in to Paperboy.
          </li>
          <li>
            Papers submitted here: anyone signed in with a handle can put a recent arXiv paper on the day's page (
            <a href="/papers/submit">Submit a paper</a>), under Hugging Face's rules: published on arXiv in the last
            days, featured once, a few a day per person. The card names who submitted it.
          </li>
          <li>Paper metadata: arXiv's API and announcement listings (CC0). PDFs stay on arXiv; we link to them.</li>
        </ul>
        <h2 id="trending">How trending works</h2>
        <p>Trending ranks papers by their upvotes, decayed by the time since the day they were featured:</p>
        <pre>{TRENDING_FORMULA}</pre>
        <p>
          Days are counted from 00:00 UTC of the featured day to now. The +1 lets a fresh paper without votes rank above
          an old one without votes; the +2 keeps today's papers from dividing by almost nothing; the exponent{" "}
          {TRENDING_GRAVITY} means a paper featured a week ago needs seven to ten times the votes of today's to rank
          beside it. Papers featured in the {TRENDING_WINDOW_DAYS} days up to the latest featured day take part. Upvotes
          are the upvotes cast here plus the upstream count last seen.
        </p>
        <h2>Pages</h2>
        <ul>
          <li>
            <code>/papers/date/YYYY-MM-DD</code>, <code>/papers/week/YYYY-Www</code>, <code>/papers/month/YYYY-MM</code>
            : one period; a day without papers shows the nearest earlier day.
          </li>
          <li>
            <code>/papers/{"{arXiv id}"}</code>: a paper; add <code>.md</code> (or send{" "}
            <code>Accept: text/markdown</code>) for Markdown, <code>.bib</code> for BibTeX.
          </li>
          <li>
            <code>/search?q=</code>: full-text search over titles, authors and abstracts.
          </li>
          <li>
            <code>/authors/{"{name}"}</code>: every paper with an author of that name (a name is not an identity).
          </li>
          <li>
            <a href="/for-you">/for-you</a>: signed in, the papers of the last two weeks ranked for you by what you
            upvoted and what you follow (authors, categories, topics), each saying why; only you see it.
          </li>
        </ul>
        <h2>API and feeds</h2>
        <p>
          A JSON API compatible with Hugging Face's (<a href="/api">/api</a>: <code>/api/daily_papers</code>,{" "}
          <code>/api/papers/{"{id}"}</code>, <code>/api/papers/search</code>, <code>/api/authors/{"{name}"}</code>) and
          feeds in <a href="/feeds/daily.rss">RSS</a>, <a href="/feeds/daily.atom">Atom</a> and{" "}
          <a href="/feeds/daily.json">JSON Feed</a>.
        </p>
        <h2 id="mcp">For AI assistants (MCP)</h2>
        <p>
          <code>{`${siteUrl}/mcp`}</code> is a Model Context Protocol server (Streamable HTTP, no sign-in) with five
          tools: <code>daily_papers</code>, <code>trending_papers</code>, <code>search_papers</code>,{" "}
          <code>author_papers</code> and <code>get_paper</code>. Add it to Claude Code with
        </p>
        <pre tabindex={0}>{`claude mcp add --transport http paperboy ${siteUrl}/mcp`}</pre>
        <p>or to a client that reads a JSON configuration (Cursor, VS Code, and others) with</p>
        <pre tabindex={0}>
          {JSON.stringify({ mcpServers: { paperboy: { type: "http", url: `${siteUrl}/mcp` } } }, null, 2)}
        </pre>
        <h2 id="open-data">Open data</h2>
        <p>
          Every featured paper, one <a href="https://jsonlines.org/">JSON Lines</a> file per month:{" "}
          <code>/data/YYYY-MM.jsonl</code>, one paper a line in day then arXiv id order, with its votes.{" "}
          <a href="/data/index.json">/data/index.json</a> lists the months with their sizes and the licence: arXiv's
          metadata is CC0 1.0; the daily selection and the upstream votes are as published by Hugging Face (check their
          terms); Paperboy's own votes and the files' arrangement are CC0 1.0.
        </p>
        {/* Focusable: a long SITE_URL may make them scroll sideways, and a keyboard must reach that. */}
        <pre tabindex={0}>{`import pandas as pd
url = "${siteUrl}/data/2026-06.jsonl"
papers = pd.read_json(url, lines=True)`}</pre>
        <pre tabindex={0}>{`-- DuckDB
SELECT id, title, upvotes
FROM read_json_auto('${siteUrl}/data/2026-06.jsonl')
ORDER BY upvotes DESC LIMIT 10;`}</pre>
      </article>
    </Layout>
  );
}
