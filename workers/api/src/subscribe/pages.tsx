import { Notice } from "../ui/components";
import { TitledPage } from "../ui/layout";

type Choices = { frequency: string; categories: string[]; keywords: string[] };

/** How often and which papers: the fields of every form that sets a subscription's choices. */
export function PreferenceFields(props: Choices) {
  return (
    <>
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
          arXiv categories (comma-separated){" "}
          <input type="text" name="categories" value={props.categories.join(", ")} maxlength={400} />
        </label>
      </p>
      <p>
        <label>
          Keywords (comma-separated){" "}
          <input type="text" name="keywords" value={props.keywords.join(", ")} maxlength={1000} />
        </label>
      </p>
    </>
  );
}

const Hidden = (props: { fields: Record<string, string> }) => (
  <>
    {Object.entries(props.fields).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
  </>
);

/**
 * Save or unsubscribe for an active subscription, subscribe again for a cancelled one: posted to
 * `action` with `hidden` (the signed token of a mailed link; nothing on the account page, whose
 * session says who).
 */
export function SubscriptionControls(
  props: Choices & { action: string; hidden: Record<string, string>; status: string; consentText?: string },
) {
  return props.status !== "unsubscribed" ? (
    <form method="post" action={props.action}>
      <Hidden fields={props.hidden} />
      <PreferenceFields frequency={props.frequency} categories={props.categories} keywords={props.keywords} />
      <button type="submit" name="action" value="save">
        Save preferences
      </button>{" "}
      <button type="submit" name="action" value="unsubscribe">
        Unsubscribe
      </button>
    </form>
  ) : (
    <form method="post" action={props.action}>
      <Hidden fields={props.hidden} />
      <p>You get no mail from us.</p>
      {props.consentText ? (
        <p>
          <small>{props.consentText}</small>
        </p>
      ) : null}
      <button type="submit" name="action" value="resume">
        Subscribe again
      </button>
    </form>
  );
}

export function PreferencesForm(props: Choices & { token: string; email: string; status: string; notice?: string }) {
  return (
    <TitledPage title="Your subscription">
      <Notice text={props.notice} />
      <p>
        Address: <strong>{props.email}</strong> · status: <strong data-testid="status">{props.status}</strong>
      </p>
      <SubscriptionControls {...props} action="/preferences" hidden={{ token: props.token }} />
      <form method="post" action="/preferences">
        <input type="hidden" name="token" value={props.token} />
        <p>
          Erase your address and preferences for good. We keep only a one-way hash of the address so that we never mail
          it again, unless you subscribe anew.
        </p>
        <button type="submit" name="action" value="erase">
          Erase my data
        </button>
      </form>
    </TitledPage>
  );
}
