import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { z } from "zod";
import { createDb } from "../../../../shared/db/client";
import { consents, deliveries, outbox, subscribers, suppressions } from "../../../../shared/db/schema";
import { EmailAddress, SuppressionConfig, sha256Hex, suppressionHash, suppressionHashesOf } from "../../../../shared/mail/address";
import type { MailMessage } from "../../../../shared/contracts";
import { Filters, Frequency, listField } from "../../../../shared/mail/messages";
import { parseWeek } from "../../../../shared/domain/periods";
import { isoWeek } from "../../../../shared/mail/periods";
import { enqueueDigests } from "../../../../shared/mail/digest-schedule";
import { signToken, verifyToken, type TokenPurpose } from "../../../../shared/mail/tokens";
import type { AppEnv, Env } from "../env";
import { ApiError, badRequest, describeZodError, notFound } from "../errors";
import { clientKey } from "../security/client-limit";
import { Page, PreferencesForm } from "./pages";
import { enforceLimits } from "./rate-limit";
import { CONSENT_TEXT, SubscribeForm } from "./subscribe-form";
import { ResendEvent, verifyWebhook } from "./webhook";

export const subscribeRoutes = new Hono<AppEnv>();

// Forms are CSRF-safe by Origin / Sec-Fetch-Site: a cross-site form post is a 403. The one-click
// unsubscribe POST and the webhook come from mail providers and Resend: their signed token or
// signature is what authorises them, so they are outside this check.
const sameOrigin = csrf();

const text = z.string().max(2000).optional();
const SubscribeBody = z.object({ email: EmailAddress, frequency: Frequency.default("daily"), categories: text, keywords: text });
const TokenBody = z.object({ token: z.string().min(1).max(1000) });
const PreferencesBody = TokenBody.extend({
  action: z.enum(["save", "unsubscribe", "resume", "erase"]),
  frequency: Frequency.optional(),
  categories: text,
  keywords: text,
});

const LIMITS = { perClient: 20, perAddress: 3, windowSeconds: 3600 };
const nowIso = () => new Date().toISOString();

async function formOf<T extends z.ZodType>(schema: T, body: Record<string, unknown>): Promise<z.output<T>> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw badRequest("invalid_form", describeZodError(parsed.error));
  return parsed.data;
}

function parseFilters(categories: string | undefined, keywords: string | undefined) {
  const parsed = Filters.safeParse({ categories: listField(categories), keywords: listField(keywords) });
  if (!parsed.success) throw badRequest("invalid_filters", describeZodError(parsed.error));
  return parsed.data;
}

function secret(env: Env) {
  if (!env.TOKEN_SECRET || env.TOKEN_SECRET.length < 16) throw new Error("TOKEN_SECRET is not configured");
  return env.TOKEN_SECRET;
}

const suppressionSecrets = (env: Env) => SuppressionConfig.parse(env);
/** The hash a suppression of `email` is written under. */
const suppressionOf = (env: Env, email: string) => suppressionHash(suppressionSecrets(env).current, email);
/** Every hash a suppression of `email` may have been written under (the current and previous secrets). */
const suppressionsOf = (env: Env, email: string) => suppressionHashesOf(suppressionSecrets(env), email);

/** The subscriber a signed link names, or a 400 page that says the link is invalid or expired. */
async function subscriberFromToken(env: Env, purpose: TokenPurpose, token: string | undefined) {
  const check = await verifyToken(secret(env), purpose, token ?? "");
  if (!check.ok) throw badRequest("invalid_link", check.reason === "expired" ? "This link has expired." : "This link is not valid.");
  const sub = await createDb(env.DB).select().from(subscribers).where(eq(subscribers.id, check.subject)).get();
  return { sub, subscriberId: check.subject };
}

subscribeRoutes.get("/subscribe", (c) =>
  c.html(
    <Page title="Subscribe">
      <SubscribeForm />
    </Page>,
  ),
);

subscribeRoutes.post("/subscribe", sameOrigin, async (c) => {
  const form = await formOf(SubscribeBody, await c.req.parseBody());
  const filters = parseFilters(form.categories, form.keywords);
  const addressHash = await suppressionOf(c.env, form.email);
  await enforceLimits(c.env.DB, [
    { key: `subscribe:client:${await sha256Hex(clientKey(c.req.raw))}`, max: LIMITS.perClient, windowSeconds: LIMITS.windowSeconds },
    { key: `subscribe:address:${addressHash}`, max: LIMITS.perAddress, windowSeconds: LIMITS.windowSeconds },
  ]);

  const db = createDb(c.env.DB);
  const now = nowIso();
  const existing = await db.select().from(subscribers).where(eq(subscribers.email, form.email)).get();
  // An erasure promised no more mail "unless you subscribe anew": this request lifts it, so that
  // the confirmation can be sent. Bounces and complaints stay: the mailer suppresses every kind.
  await db.delete(suppressions).where(and(inArray(suppressions.emailHash, await suppressionsOf(c.env, form.email)), eq(suppressions.reason, "erased")));
  let subscriberId: string;
  if (!existing) {
    subscriberId = crypto.randomUUID();
    await db.batch([
      db.insert(subscribers).values({ id: subscriberId, email: form.email, status: "pending", frequency: form.frequency, ...filters, createdAt: now, updatedAt: now }),
      db.insert(consents).values({ subscriberId, formText: CONSENT_TEXT, givenAt: now }),
    ]);
  } else if (existing.status === "confirmed") {
    // Someone may be typing another person's address: change nothing, mail the owner their links.
    subscriberId = existing.id;
  } else {
    subscriberId = existing.id;
    await db.batch([
      db.update(subscribers).set({ status: "pending", frequency: form.frequency, ...filters, updatedAt: now }).where(eq(subscribers.id, subscriberId)),
      db.insert(consents).values({ subscriberId, formText: CONSENT_TEXT, givenAt: now }),
    ]);
  }
  const message: MailMessage = { kind: "confirm", subscriberId, requestedAt: now };
  await c.env.MAIL_QUEUE.send(message);
  // The same answer whether the address is new, pending or confirmed: no enumeration.
  return c.html(
    <Page title="Check your inbox">
      <p>If the address can receive mail, a message is on its way. Follow the link in it to confirm your subscription.</p>
    </Page>,
  );
});

subscribeRoutes.get("/subscribe/confirm", async (c) => {
  const token = c.req.query("token");
  await subscriberFromToken(c.env, "confirm", token);
  // A button, not an action on GET: mail scanners follow links, people press buttons.
  return c.html(
    <Page title="Confirm your subscription">
      <form method="post" action="/subscribe/confirm">
        <input type="hidden" name="token" value={token} />
        <p>One more step: confirm that you want Paperboy's digest at this address.</p>
        <button type="submit">Confirm subscription</button>
      </form>
    </Page>,
  );
});

subscribeRoutes.post("/subscribe/confirm", sameOrigin, async (c) => {
  const { token } = await formOf(TokenBody, await c.req.parseBody());
  const { sub } = await subscriberFromToken(c.env, "confirm", token);
  if (!sub) throw badRequest("invalid_link", "This subscription no longer exists. You can subscribe again.");
  if (sub.status === "unsubscribed") throw badRequest("invalid_link", "This subscription was cancelled. You can subscribe again.");
  const db = createDb(c.env.DB);
  if (sub.status === "pending") {
    const now = nowIso();
    const consent = await db.select({ id: consents.id }).from(consents).where(and(eq(consents.subscriberId, sub.id), isNull(consents.confirmedAt))).orderBy(desc(consents.id)).get();
    await db.batch([
      db.update(subscribers).set({ status: "confirmed", confirmedAt: now, updatedAt: now }).where(eq(subscribers.id, sub.id)),
      db.update(consents).set({ confirmedAt: now }).where(eq(consents.id, consent?.id ?? -1)),
      // Subscribing anew lifts an earlier erasure or bounce.
      db.delete(suppressions).where(inArray(suppressions.emailHash, await suppressionsOf(c.env, sub.email))),
    ]);
  }
  const prefs = await signToken(secret(c.env), "prefs", sub.id);
  return c.html(
    <Page title="You are subscribed">
      <p>{`Your ${sub.frequency} digest will arrive at ${sub.email}.`}</p>
      <p>
        <a href={`/preferences?token=${prefs}`}>Manage your subscription</a>
      </p>
    </Page>,
  );
});

subscribeRoutes.get("/preferences", async (c) => {
  const token = c.req.query("token") ?? "";
  const { sub } = await subscriberFromToken(c.env, "prefs", token);
  if (!sub) throw notFound("There is no subscription for this link any more.");
  return c.html(<PreferencesForm token={token} {...sub} />);
});

subscribeRoutes.post("/preferences", sameOrigin, async (c) => {
  const form = await formOf(PreferencesBody, await c.req.parseBody());
  const { sub } = await subscriberFromToken(c.env, "prefs", form.token);
  if (!sub) throw notFound("There is no subscription for this link any more.");
  const db = createDb(c.env.DB);
  const now = nowIso();
  if (form.action === "erase") {
    await db.batch([
      db.insert(suppressions).values({ emailHash: await suppressionOf(c.env, sub.email), reason: "erased" }).onConflictDoUpdate({ target: suppressions.emailHash, set: { reason: "erased" } }),
      db.delete(deliveries).where(eq(deliveries.subscriberId, sub.id)),
      db.delete(consents).where(eq(consents.subscriberId, sub.id)),
      db.delete(subscribers).where(eq(subscribers.id, sub.id)),
    ]);
    return c.html(
      <Page title="Your data is erased">
        <p>We deleted your address, preferences and consent record, and will not mail this address again unless you subscribe anew.</p>
      </Page>,
    );
  }
  let notice: string;
  let update: Partial<typeof subscribers.$inferInsert>;
  if (form.action === "save") {
    update = { frequency: form.frequency ?? sub.frequency, ...parseFilters(form.categories, form.keywords) };
    notice = "Preferences saved.";
  } else if (form.action === "unsubscribe") {
    update = { status: "unsubscribed", unsubscribedAt: now };
    notice = "You are unsubscribed.";
  } else {
    if (sub.status !== "unsubscribed") throw badRequest("invalid_form", "This subscription is already active.");
    update = { status: "confirmed", unsubscribedAt: null };
    notice = "Welcome back: you are subscribed again.";
  }
  const [updated] = await db
    .update(subscribers)
    .set({ ...update, updatedAt: now })
    .where(eq(subscribers.id, sub.id))
    .returning();
  return c.html(<PreferencesForm token={form.token} {...updated!} notice={notice} />);
});

async function unsubscribe(env: Env, subscriberId: string) {
  const now = nowIso();
  await createDb(env.DB)
    .update(subscribers)
    .set({ status: "unsubscribed", unsubscribedAt: now, updatedAt: now })
    .where(and(eq(subscribers.id, subscriberId), inArray(subscribers.status, ["pending", "confirmed"])));
}

subscribeRoutes.get("/unsubscribe", async (c) => {
  const token = c.req.query("token") ?? "";
  const { sub } = await subscriberFromToken(c.env, "unsub", token);
  if (!sub || sub.status === "unsubscribed") {
    return c.html(
      <Page title="You are unsubscribed">
        <p>This address gets no mail from us.</p>
      </Page>,
    );
  }
  return c.html(
    <Page title="Unsubscribe">
      <form method="post" action={`/unsubscribe?token=${token}`}>
        <p>{`Stop the ${sub.frequency} digest to ${sub.email}?`}</p>
        <button type="submit" name="confirm" value="yes">
          Unsubscribe
        </button>
      </form>
    </Page>,
  );
});

// RFC 8058 one-click: the mail provider POSTs "List-Unsubscribe=One-Click" to the URL of the
// List-Unsubscribe header. 200, empty body, no cookie; effective at once. The page's button posts
// here too and gets a page back.
subscribeRoutes.post("/unsubscribe", async (c) => {
  const body = await c.req.parseBody();
  const token = c.req.query("token") ?? (typeof body.token === "string" ? body.token : undefined);
  const { sub, subscriberId } = await subscriberFromToken(c.env, "unsub", token);
  if (sub) await unsubscribe(c.env, subscriberId);
  if (body["List-Unsubscribe"] === "One-Click") return c.body(null, 200);
  return c.html(
    <Page title="You are unsubscribed">
      <p>No more digests will be sent. Changed your mind? Subscribe again at any time.</p>
    </Page>,
  );
});

subscribeRoutes.post("/webhooks/resend", async (c) => {
  const raw = await c.req.text();
  const secretKey = c.env.RESEND_WEBHOOK_SECRET;
  if (!secretKey || !(await verifyWebhook(secretKey, c.req.raw.headers, raw))) throw new ApiError(401, "invalid_signature", "the webhook signature is missing or wrong");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw badRequest("invalid_payload", "the body is not JSON");
  }
  const event = ResendEvent.safeParse(json);
  if (!event.success) throw badRequest("invalid_payload", describeZodError(event.error));
  const { type, data } = event.data;
  const permanentBounce = type === "email.bounced" && data.bounce?.type?.toLowerCase() !== "transient";
  if (!permanentBounce && type !== "email.complained") return c.json({ received: true, action: "ignored" });
  const reason = type === "email.complained" ? "complained" : "bounced";
  const addresses = (Array.isArray(data.to) ? data.to : data.to ? [data.to] : []).map((a) => EmailAddress.safeParse(a)).flatMap((a) => (a.success ? [a.data] : []));
  const db = createDb(c.env.DB);
  for (const address of addresses) {
    await db
      .insert(suppressions)
      .values({ emailHash: await suppressionOf(c.env, address), reason })
      .onConflictDoNothing();
  }
  return c.json({ received: true, action: "suppressed", count: addresses.length });
});

const devOnly = async (c: { env: Env }, next: () => Promise<void>) => {
  if (c.env.DEV_MODE !== "true") throw notFound("there is no page at this address");
  await next();
};

subscribeRoutes.get("/dev/outbox", devOnly, async (c) => {
  const mails = await createDb(c.env.DB).select({ id: outbox.id, to: outbox.to, subject: outbox.subject, createdAt: outbox.createdAt }).from(outbox).orderBy(desc(outbox.id)).limit(200);
  return c.html(
    <Page title="Outbox">
      <p>Mails the local mailer would have sent (no RESEND_API_KEY). Newest first.</p>
      <form method="post" action="/dev/digests">
        <label>
          Send the digests of day <input type="date" name="day" required />
        </label>{" "}
        <select name="frequency">
          <option value="daily">daily</option>
          <option value="weekly">weekly (that day's week)</option>
        </select>{" "}
        <button type="submit">Queue digests</button>
      </form>
      {mails.length ? (
        <ol reversed>
          {mails.map((m) => (
            <li>
              <a href={`/dev/outbox/${m.id}`}>{m.subject}</a> → {m.to} <small>{m.createdAt}</small>
            </li>
          ))}
        </ol>
      ) : (
        <p>The outbox is empty.</p>
      )}
    </Page>,
  );
});

const DevDigests = z.object({ day: z.iso.date(), frequency: Frequency.default("daily") });

// Local runs only: what the 06:00 UTC cron does, for any day, so the digest can be seen in the outbox.
subscribeRoutes.post("/dev/digests", devOnly, sameOrigin, async (c) => {
  const form = await formOf(DevDigests, { ...c.req.query(), ...(await c.req.parseBody()) });
  const week = isoWeek(new Date(`${form.day}T00:00:00Z`));
  // 0000-01-01 and 0000-01-02 are in -0001-W52, which no period key can name.
  if (form.frequency === "weekly" && !parseWeek(week)) throw badRequest("invalid_form", `day: the week of ${form.day} is before the first week a digest can name`);
  const period = form.frequency === "daily" ? `daily:${form.day}` : `weekly:${week}`;
  const outcome = await enqueueDigests(c.env, form.frequency, period);
  return c.html(
    <Page title="Digests queued">
      <p>{`${outcome.enqueued} digest(s) for ${outcome.period} queued.`}</p>
      <p>
        <a href="/dev/outbox">Outbox</a>
      </p>
    </Page>,
  );
});

subscribeRoutes.get("/dev/outbox/:id{[0-9]+}", devOnly, async (c) => {
  const mail = await createDb(c.env.DB).select().from(outbox).where(eq(outbox.id, Number(c.req.param("id")))).get();
  if (!mail) throw notFound("no such mail in the outbox");
  if (c.req.query("format") === "text") return c.text(mail.text);
  // Our own rendered mail, shown as the recipient would see it (inline styles, no script).
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'");
  return c.html(mail.html);
});
