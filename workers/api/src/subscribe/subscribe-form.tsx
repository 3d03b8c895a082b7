/** The words the subscriber agrees to; stored with each consent record. Change them and new consents record the new text. */
export const CONSENT_TEXT =
  "Email me the top ML papers from Paperboy, daily or weekly, after I confirm my address. Every mail has a one-click unsubscribe link.";

/** The consent given on the account page, where the sign-in link has already proved the address. */
export const ACCOUNT_CONSENT_TEXT =
  "Email me the top ML papers from Paperboy, daily or weekly, at the address I signed in with. Every mail has a one-click unsubscribe link.";

/**
 * The subscription form for listing pages and /subscribe. Plain HTML, no script: it posts to
 * /subscribe, which checks the Origin (CSRF) and answers the same for every address.
 */
export function SubscribeForm(props: { compact?: boolean }) {
  return (
    <form
      method="post"
      action="/subscribe"
      class={props.compact ? "subscribe-form compact" : "subscribe-form"}
      aria-label="Subscribe to the digest"
    >
      <p>
        <strong>Get trending papers in your email inbox!</strong>
      </p>
      <label>
        Email <input type="email" name="email" required autocomplete="email" maxlength={254} />
      </label>{" "}
      <label>
        <input type="radio" name="frequency" value="daily" checked /> Daily
      </label>{" "}
      <label>
        <input type="radio" name="frequency" value="weekly" /> Weekly
      </label>
      {props.compact ? null : (
        <>
          <p>
            <label>
              arXiv categories (optional, comma-separated, e.g. cs.LG, cs.CL){" "}
              <input type="text" name="categories" maxlength={400} />
            </label>
          </p>
          <p>
            <label>
              Keywords (optional, comma-separated) <input type="text" name="keywords" maxlength={1000} />
            </label>
          </p>
        </>
      )}
      <p>
        <small>{CONSENT_TEXT}</small>
      </p>
      <button type="submit">Subscribe</button>
    </form>
  );
}
