import type { Child } from "hono/jsx";
import { Layout } from "../site/layout";

/** The site's frame (its header, stylesheet and footer) around one subscription page. */
export function Page(props: { title: string; children: Child }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      {props.children}
    </Layout>
  );
}

export function PreferencesForm(props: {
  token: string;
  email: string;
  status: string;
  frequency: string;
  categories: string[];
  keywords: string[];
  notice?: string;
}) {
  const active = props.status !== "unsubscribed";
  return (
    <Page title="Your subscription">
      {props.notice ? (
        <p role="status">
          <strong>{props.notice}</strong>
        </p>
      ) : null}
      <p>
        Address: <strong>{props.email}</strong> · status: <strong data-testid="status">{props.status}</strong>
      </p>
      {active ? (
        <form method="post" action="/preferences">
          <input type="hidden" name="token" value={props.token} />
          <fieldset>
            <legend>How often</legend>
            <label>
              <input type="radio" name="frequency" value="daily" checked={props.frequency === "daily"} /> Daily
            </label>{" "}
            <label>
              <input type="radio" name="frequency" value="weekly" checked={props.frequency === "weekly"} /> Weekly (Mondays)
            </label>
          </fieldset>
          <p>
            <label>
              arXiv categories (comma-separated) <input type="text" name="categories" value={props.categories.join(", ")} maxlength={400} />
            </label>
          </p>
          <p>
            <label>
              Keywords (comma-separated) <input type="text" name="keywords" value={props.keywords.join(", ")} maxlength={1000} />
            </label>
          </p>
          <button type="submit" name="action" value="save">
            Save preferences
          </button>{" "}
          <button type="submit" name="action" value="unsubscribe">
            Unsubscribe
          </button>
        </form>
      ) : (
        <form method="post" action="/preferences">
          <input type="hidden" name="token" value={props.token} />
          <p>You get no mail from us.</p>
          <button type="submit" name="action" value="resume">
            Subscribe again
          </button>
        </form>
      )}
      <form method="post" action="/preferences">
        <input type="hidden" name="token" value={props.token} />
        <p>
          Erase your address and preferences for good. We keep only a one-way hash of the address so that we never mail it again, unless you
          subscribe anew.
        </p>
        <button type="submit" name="action" value="erase">
          Erase my data
        </button>
      </form>
    </Page>
  );
}
