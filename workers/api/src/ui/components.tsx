import type { Child } from "hono/jsx";
import type { DailyEntryRow } from "#shared/db/schema";
import { formatDay } from "#shared/domain/periods";
import { authorPath } from "#shared/papers/authors";
import type { ListedPaper } from "#shared/papers/queries";
import { MARK_END, MARK_START } from "#shared/papers/queries";
import { excerpt, plural } from "#shared/papers/text";

export const paperPath = (id: string) => `/papers/${id}`;
/** A featured paper's upstream thumbnail, through our own address (cards/thumbnail-routes.ts). */
export const thumbnailPath = (id: string) => `/media/thumbnails/${id}`;

/** Cards of a listing whose thumbnail loads at once: the first screen's, on a laptop. */
export const EAGER_THUMBNAILS = 4;

/**
 * A featured paper's thumbnail, when upstream's feed gave it one, sized before it loads (no layout
 * shift). Past the first cards it is written inside <noscript>: the page script (votes-script.ts)
 * puts it in place as its card nears the screen, so that the first screen loads a handful of
 * pictures (a browser's own lazy loading fetches any within 1,250 to 2,500 pixels of it, a dozen
 * cards); without JavaScript the browser lazy-loads it. A paper without one shows no picture: our
 * own card would only repeat the title beside it.
 */
export function Thumbnail({ item, lazy }: { item: ListedPaper; lazy: boolean }) {
  if (!item.entry?.thumbnail) return null;
  const img = (
    <img
      src={thumbnailPath(item.paper.id)}
      width="1200"
      height="630"
      alt={`Preview of arXiv ${item.paper.id}`}
      loading={lazy ? "lazy" : undefined}
    />
  );
  return lazy ? <noscript>{img}</noscript> : img;
}

/**
 * Who submitted a featured paper: the display name (or handle) linked to the profile when a
 * Paperboy account submitted it, the upstream feed's name as text otherwise.
 */
export function Submitter({ entry }: { entry: DailyEntryRow }) {
  const name = entry.submitterFullname || entry.submitterName;
  if (!name) return null;
  return entry.submitterAccountId && entry.submitterName ? (
    <a href={`/u/${encodeURIComponent(entry.submitterName)}`}>{name}</a>
  ) : (
    name
  );
}

/**
 * Text with MARK_START/MARK_END around matches (from FTS5 highlight/snippet), rendered as <mark>:
 * the text itself goes through JSX and so is escaped.
 */
/**
 * A paper's authors, each a link to their author page; with `max`, the first max - 1 and how many
 * others (as shortAuthors writes it).
 */
export function AuthorLinks({ authors, max }: { authors: string[]; max?: number }) {
  if (!authors.length) return <>Unknown authors</>;
  const shown = max && authors.length > max ? authors.slice(0, max - 1) : authors;
  const rest = authors.length - shown.length;
  return (
    <>
      {shown.map((name, i) => (
        <>
          {i ? ", " : ""}
          <a href={authorPath(name)}>{name}</a>
        </>
      ))}
      {rest ? ` and ${rest} others` : ""}
    </>
  );
}

export function Marked({ text }: { text: string }) {
  const parts = text.split(new RegExp(`(${MARK_START}[^${MARK_END}]*${MARK_END})`, "u"));
  return (
    <>
      {parts.map((part) =>
        part.startsWith(MARK_START) ? (
          <mark>{part.slice(1, -1)}</mark>
        ) : (
          part.replaceAll(MARK_START, "").replaceAll(MARK_END, "")
        ),
      )}
    </>
  );
}

/**
 * The upvote widget: without JavaScript a form that toggles the vote (303 back to the card); with
 * /static/votes.*.js, a toggle button whose aria-pressed shows the signed-in person's vote. The
 * bytes are the same for everyone, so the page stays one cached copy.
 */
export function VoteButton({ id, title, upvotes }: { id: string; title: string; upvotes: number }) {
  return (
    <form class="votes" method="post" action={`/papers/${id}/upvote`}>
      <button type="submit" data-paper={id}>
        <span aria-hidden="true">▲</span>
        <span class="visually-hidden">{`Upvote ${title}`}</span>
      </button>
      <b class="count" aria-live="polite">
        {upvotes}
      </b>
      <small>{upvotes === 1 ? "vote" : "votes"}</small>
    </form>
  );
}

export interface CardProps {
  item: ListedPaper;
  /** Heading level in the page outline. */
  level?: 2 | 3;
  showDay?: boolean;
  titleHighlight?: string;
  snippet?: string;
  /** Its place in the listing, from 0: the first EAGER_THUMBNAILS load their picture at once. */
  index?: number;
  /** More below the card's text (For you's reasons and its "not for me" button). */
  extra?: Child;
}

export function PaperCard({ item, level = 2, showDay, titleHighlight, snippet, index = 0, extra }: CardProps) {
  const { paper, entry } = item;
  const Heading = level === 2 ? "h2" : "h3";
  const cats = paper.primaryCategory
    ? [paper.primaryCategory, ...paper.categories.filter((c) => c !== paper.primaryCategory)]
    : paper.categories;
  return (
    <li class={entry?.thumbnail ? "card pic" : "card"} id={`paper-${paper.id}`}>
      <VoteButton id={paper.id} title={paper.title} upvotes={item.upvotes} />
      <div class="body">
        <Heading>
          <a href={paperPath(paper.id)}>{titleHighlight ? <Marked text={titleHighlight} /> : paper.title}</a>
        </Heading>
        <p class="meta">
          <AuthorLinks authors={paper.authors} max={5} />
        </p>
        <p class="meta">
          {showDay && entry ? (
            <>
              Featured <a href={`/papers/date/${entry.day}`}>{formatDay(entry.day)}</a>
              {" · "}
            </>
          ) : null}
          {entry && (entry.submitterFullname || entry.submitterName) ? (
            <>
              Submitted by <Submitter entry={entry} />
              {" · "}
            </>
          ) : null}
          {item.numComments > 0 ? (
            <>
              <a href={`${paperPath(paper.id)}#comments`}>{plural(item.numComments, "comment")}</a>
              {" · "}
            </>
          ) : null}
          arXiv {paper.id}
          {paper.codeUrl ? (
            <>
              {" · "}
              <a href={paper.codeUrl} rel="nofollow noopener">
                Code{paper.githubStars != null ? ` (${paper.githubStars} stars)` : ""}
              </a>
            </>
          ) : null}
        </p>
        <p class="excerpt">{snippet ? <Marked text={snippet} /> : excerpt(paper.abstract)}</p>
        {cats.length ? (
          <ul class="chips" aria-label="Categories">
            {cats.slice(0, 4).map((c) => (
              <li>{c}</li>
            ))}
          </ul>
        ) : null}
        {extra}
      </div>
      <Thumbnail item={item} lazy={index >= EAGER_THUMBNAILS} />
    </li>
  );
}

export function Cards({ items, level, showDay }: { items: ListedPaper[]; level?: 2 | 3; showDay?: boolean }) {
  return (
    <ol class="cards">
      {items.map((item, index) => (
        <PaperCard item={item} level={level} showDay={showDay} index={index} />
      ))}
    </ol>
  );
}

export function Pager({
  prev,
  next,
  label,
}: {
  prev?: { href: string; text: string } | null;
  next?: { href: string; text: string } | null;
  label: string;
}) {
  return (
    <nav class="pager" aria-label={label}>
      {prev ? (
        <a href={prev.href} rel="prev">
          ← {prev.text}
        </a>
      ) : null}
      {next ? (
        <a href={next.href} rel="next">
          {next.text} →
        </a>
      ) : null}
    </nav>
  );
}

const SORT_LABELS = { upvotes: "Most upvoted", trending: "Trending", newest: "Newest" } as const;

export function SortLinks({ base, current }: { base: string; current: keyof typeof SORT_LABELS }) {
  return (
    <nav class="sort" aria-label="Sort">
      <span>Sort:</span>
      {(Object.keys(SORT_LABELS) as (keyof typeof SORT_LABELS)[]).map((s) => (
        <a href={s === "upvotes" ? base : `${base}?sort=${s}`} aria-current={s === current ? "true" : undefined}>
          {SORT_LABELS[s]}
        </a>
      ))}
    </nav>
  );
}

/** A page's one-line answer to what was just done ("Saved.", "Not saved: …"), or nothing. */
export function Notice(props: { text: string | null | undefined; role?: "status" | "note" }) {
  return props.text ? (
    <p role={props.role ?? "status"}>
      <strong>{props.text}</strong>
    </p>
  ) : null;
}

/** An ISO timestamp as UTC wall time to the minute ("2026-06-12 08:30") or the second, for tables and lists. */
export const utcTime = (iso: string, to: "minute" | "second" = "minute") =>
  iso.slice(0, to === "minute" ? 16 : 19).replace("T", " ");
