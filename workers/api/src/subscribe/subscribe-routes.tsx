import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { MailMessage } from "#shared/contracts";
import { createDb } from "#shared/db/client";
import { subscribers } from "#shared/db/schema";
import { EmailAddress, suppressionHash } from "#shared/mail/address";
import { Filters, Frequency } from "#shared/mail/messages";
import { confirmSubscription, eraseSubscriber, requestSubscription, unsubscribe } from "#shared/mail/subscribers";
import { signToken, type TokenPurpose, verifyToken } from "#shared/mail/tokens";
import { type AppEnv, type Env, readConfig } from "../env";
import { badRequest, notFound, validate } from "../errors";
import { clientAndAddressLimits, enforceLimits } from "../http/rate-limit";
import { sameOrigin } from "../http/same-origin";
import { TitledPage } from "../ui/layout";
import { PreferencesForm } from "./pages";
import { CONSENT_TEXT, SubscribeForm } from "./subscribe-form";
import { ChoiceFields, changeSubscription, filterInput, type SubscriptionChange } from "./subscription-change";

/** Subscribing, confirming, preferences, unsubscribing and erasure: the pages a subscriber sees. */
export const subscribeRoutes = new Hono<AppEnv>();

const SubscribeBody = z.object({ ...ChoiceFields, email: EmailAddress, frequency: Frequency.default("daily") });
const TokenBody = z.object({ token: z.string().min(1).max(1000) });
const PreferencesBody = TokenBody.extend({
  action: z.enum(["save", "unsubscribe", "resume", "erase"]),
  ...ChoiceFields,
});

const LIMITS = { perClient: 20, perAddress: 3, windowSeconds: 3600 };
const nowIso = () => new Date().toISOString();

const parseFilters = (form: { categories?: string; keywords?: string }) =>
  validate(Filters, filterInput(form), "invalid_filters");

/** The subscriber a signed link names, or a 400 page that says the link is invalid or expired. */
async function subscriberFromToken(env: Env, purpose: TokenPurpose, token: string | undefined) {
  const check = await verifyToken(readConfig(env).TOKEN_SECRET, purpose, token ?? "");
  if (!check.ok)
    throw badRequest("invalid_link", check.reason === "expired" ? "This link has expired." : "This link is not valid.");
  const sub = await createDb(env.DB).select().from(subscribers).where(eq(subscribers.id, check.subject)).get();
  return { sub, subscriberId: check.subject };
}

subscribeRoutes.get("/subscribe", (c) =>
  c.html(
    <TitledPage title="Subscribe">
      <SubscribeForm />
    </TitledPage>,
  ),
);

subscribeRoutes.post("/subscribe", sameOrigin, async (c) => {
  const form = validate(SubscribeBody, await c.req.parseBody(), "invalid_form");
  const filters = parseFilters(form);
  const config = readConfig(c.env);
  await enforceLimits(
    c.env.DB,
    await clientAndAddressLimits(
      c.req.raw,
      "subscribe",
      await suppressionHash(config.suppression.current, form.email),
      LIMITS,
    ),
    "Too many subscription requests. Please wait a while and try again.",
  );
  const now = nowIso();
  const subscriberId = await requestSubscription(createDb(c.env.DB), config.suppression, {
    email: form.email,
    frequency: form.frequency,
    filters,
    consentText: CONSENT_TEXT,
    now,
  });
  const message: MailMessage = { kind: "confirm", subscriberId, requestedAt: now };
  await c.env.MAIL_QUEUE.send(message);
  // The same answer whether the address is new, pending or confirmed: no enumeration.
  return c.html(
    <TitledPage title="Check your inbox">
      <p>
        If the address can receive mail, a message is on its way. Follow the link in it to confirm your subscription.
      </p>
    </TitledPage>,
  );
});

subscribeRoutes.get("/subscribe/confirm", async (c) => {
  const token = c.req.query("token");
  await subscriberFromToken(c.env, "confirm", token);
  // A button, not an action on GET: mail scanners follow links, people press buttons.
  return c.html(
    <TitledPage title="Confirm your subscription">
      <form method="post" action="/subscribe/confirm">
        <input type="hidden" name="token" value={token} />
        <p>One more step: confirm that you want Paperboy's digest at this address.</p>
        <button type="submit">Confirm subscription</button>
      </form>
    </TitledPage>,
  );
});

subscribeRoutes.post("/subscribe/confirm", sameOrigin, async (c) => {
  const { token } = validate(TokenBody, await c.req.parseBody(), "invalid_form");
  const { sub } = await subscriberFromToken(c.env, "confirm", token);
  if (!sub) throw badRequest("invalid_link", "This subscription no longer exists. You can subscribe again.");
  if (sub.status === "unsubscribed")
    throw badRequest("invalid_link", "This subscription was cancelled. You can subscribe again.");
  const config = readConfig(c.env);
  if (sub.status === "pending") await confirmSubscription(createDb(c.env.DB), config.suppression, sub, nowIso());
  const prefs = await signToken(config.TOKEN_SECRET, "prefs", sub.id);
  return c.html(
    <TitledPage title="You are subscribed">
      <p>{`Your ${sub.frequency} digest will arrive at ${sub.email}.`}</p>
      <p>
        <a href={`/preferences?token=${prefs}`}>Manage your subscription</a>
      </p>
    </TitledPage>,
  );
});

subscribeRoutes.get("/preferences", async (c) => {
  const token = c.req.query("token") ?? "";
  const { sub } = await subscriberFromToken(c.env, "prefs", token);
  if (!sub) throw notFound("There is no subscription for this link any more.");
  return c.html(<PreferencesForm token={token} {...sub} />);
});

subscribeRoutes.post("/preferences", sameOrigin, async (c) => {
  const form = validate(PreferencesBody, await c.req.parseBody(), "invalid_form");
  const { sub } = await subscriberFromToken(c.env, "prefs", form.token);
  if (!sub) throw notFound("There is no subscription for this link any more.");
  const db = createDb(c.env.DB);
  const now = nowIso();
  if (form.action === "erase") {
    await eraseSubscriber(db, readConfig(c.env).suppression, sub);
    return c.html(
      <TitledPage title="Your data is erased">
        <p>
          We deleted your address, preferences and consent record, and will not mail this address again unless you
          subscribe anew.
        </p>
      </TitledPage>,
    );
  }
  if (form.action === "resume" && sub.status !== "unsubscribed")
    throw badRequest("invalid_form", "This subscription is already active.");
  const change: SubscriptionChange =
    form.action === "save"
      ? { action: "save", frequency: form.frequency, filters: parseFilters(form) }
      : { action: form.action };
  const updated = await changeSubscription(db, sub, change, now);
  const notice = {
    save: "Preferences saved.",
    unsubscribe: "You are unsubscribed.",
    resume: "Welcome back: you are subscribed again.",
  }[form.action];
  return c.html(<PreferencesForm token={form.token} {...updated!} notice={notice} />);
});

subscribeRoutes.get("/unsubscribe", async (c) => {
  const token = c.req.query("token") ?? "";
  const { sub } = await subscriberFromToken(c.env, "unsub", token);
  if (!sub || sub.status === "unsubscribed") {
    return c.html(
      <TitledPage title="You are unsubscribed">
        <p>This address gets no mail from us.</p>
      </TitledPage>,
    );
  }
  return c.html(
    <TitledPage title="Unsubscribe">
      <form method="post" action={`/unsubscribe?token=${token}`}>
        <p>{`Stop the ${sub.frequency} digest to ${sub.email}?`}</p>
        <button type="submit" name="confirm" value="yes">
          Unsubscribe
        </button>
      </form>
    </TitledPage>,
  );
});

// RFC 8058 one-click: the mail provider POSTs "List-Unsubscribe=One-Click" to the URL of the
// List-Unsubscribe header. 200, empty body, no cookie; effective at once. The page's button posts
// here too and gets a page back.
subscribeRoutes.post("/unsubscribe", async (c) => {
  const body = await c.req.parseBody();
  const token = c.req.query("token") ?? (typeof body.token === "string" ? body.token : undefined);
  const { sub, subscriberId } = await subscriberFromToken(c.env, "unsub", token);
  if (sub) await unsubscribe(createDb(c.env.DB), subscriberId, nowIso());
  if (body["List-Unsubscribe"] === "One-Click") return c.body(null, 200);
  return c.html(
    <TitledPage title="You are unsubscribed">
      <p>No more digests will be sent. Changed your mind? Subscribe again at any time.</p>
    </TitledPage>,
  );
});
