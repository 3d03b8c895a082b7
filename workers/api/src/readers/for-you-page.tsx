import { authorPath } from "#shared/papers/authors";
import type { ListedPaper } from "#shared/papers/queries";
import type { Reason } from "#shared/readers/for-you";
import { Cards, PaperCard, paperPath, utcTime } from "../ui/components";
import { Layout } from "../ui/layout";
import { MAX_TOPIC } from "./follow-store";

/** What a person must give before For you has anything to go on: three upvotes or follows. */
export const PICKS_WANTED = 3;

/** A reason as a sentence, with its links. */
export function Why({ reason }: { reason: Reason }) {
  if (reason.kind === "like")
    return (
      <>
        Like <a href={paperPath(reason.paperId)}>{reason.title}</a>, which you upvoted
      </>
    );
  if (reason.kind === "author")
    return (
      <>
        By <a href={authorPath(reason.name)}>{reason.name}</a>, an author you follow
      </>
    );
  if (reason.kind === "topic") return <>{`Matches your topic “${reason.label}”`}</>;
  return <>{`In ${reason.name}, a category you follow`}</>;
}

/** The forms that follow a topic and a category (an author is followed from their page). */
export function FollowForms() {
  return (
    <div class="follow-forms">
      <form method="post" action="/follows">
        <input type="hidden" name="kind" value="topic" />
        <p>
          <label for="follow-topic">Follow a topic</label>{" "}
          <input
            id="follow-topic"
            name="value"
            required
            minlength={2}
            maxlength={MAX_TOPIC}
            placeholder="speculative decoding"
          />{" "}
          <button type="submit">Follow</button>
        </p>
      </form>
      <form method="post" action="/follows">
        <input type="hidden" name="kind" value="category" />
        <p>
          <label for="follow-category">Follow an arXiv category</label>{" "}
          <input id="follow-category" name="value" required maxlength={20} placeholder="cs.CL" />{" "}
          <button type="submit">Follow</button>
        </p>
      </form>
    </div>
  );
}

export interface ForYouItem {
  item: ListedPaper;
  reasons: Reason[];
}

export function ForYouPage(props: {
  items: ForYouItem[];
  signals: number;
  builtAt: string;
  /** Papers to start from when the person has given nothing yet. */
  starters: ListedPaper[];
}) {
  const { items, signals } = props;
  return (
    <Layout title="For you" nav="foryou" votes>
      <h1>For you</h1>
      <p class="lede">
        The papers of the last two weeks, ranked for you: like the papers you upvoted, by the authors you follow, on
        your topics. Only you see this page.
      </p>
      {signals < PICKS_WANTED ? (
        <section aria-labelledby="start">
          <h2 id="start">Pick three papers or topics first</h2>
          <p>
            {`Upvote papers you like, follow a topic or a category below, or follow an author from their page: For you learns from them${signals ? ` (${signals} so far)` : ""}.`}
          </p>
          <FollowForms />
        </section>
      ) : null}
      {items.length ? (
        <ol class="cards">
          {items.map(({ item, reasons }, index) => (
            <PaperCard
              item={item}
              showDay
              index={index}
              extra={
                <div class="why">
                  <ul aria-label="Why it is here">
                    {reasons.map((r) => (
                      <li>
                        <Why reason={r} />
                      </li>
                    ))}
                  </ul>
                  <form method="post" action={`${paperPath(item.paper.id)}/not-for-me`}>
                    <button type="submit" class="quiet" aria-label={`Not for me: ${item.paper.title}`}>
                      Not for me
                    </button>
                  </form>
                </div>
              }
            />
          ))}
        </ol>
      ) : signals ? (
        <p class="notice">Nothing in the last two weeks matches what you gave yet. Upvote or follow more.</p>
      ) : null}
      {props.starters.length ? (
        <section aria-labelledby="starters">
          <h2 id="starters">Trending papers to start from</h2>
          <Cards items={props.starters} level={3} showDay />
        </section>
      ) : null}
      <p>
        <small>
          {`Ranked ${utcTime(props.builtAt)} UTC, again after your next upvote, follow or mark, or when new papers arrive. `}
          Your follows and your private feed: <a href="/account#for-you">your account</a>.
        </small>
      </p>
    </Layout>
  );
}
