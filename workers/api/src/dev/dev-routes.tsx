import { desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { createDb } from "#shared/db/client";
import { outbox } from "#shared/db/schema";
import { enqueueDigests } from "#shared/mail/digest-schedule";
import { digestKeyOf } from "#shared/mail/ledger";
import { Frequency } from "#shared/mail/messages";
import { type AppEnv, readConfig } from "../env";
import { badRequest, notFound, validate } from "../errors";
import { sameOrigin } from "../http/same-origin";
import { TitledPage } from "../ui/layout";

/** Local runs only (DEV_MODE=true): the outbox of mails the mailer would have sent, and digests on demand. */
export const devRoutes = new Hono<AppEnv>();

devRoutes.use("*", async (c, next) => {
  if (!readConfig(c.env).DEV_MODE) throw notFound("there is no page at this address");
  await next();
});

devRoutes.get("/outbox", async (c) => {
  const mails = await createDb(c.env.DB)
    .select({ id: outbox.id, to: outbox.to, subject: outbox.subject, createdAt: outbox.createdAt })
    .from(outbox)
    .orderBy(desc(outbox.id))
    .limit(200);
  return c.html(
    <TitledPage title="Outbox">
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
    </TitledPage>,
  );
});

const DevDigests = z.object({ day: z.iso.date(), frequency: Frequency.default("daily") });

// Local runs only: what the 06:00 UTC cron does, for any day, so the digest can be seen in the outbox.
devRoutes.post("/digests", sameOrigin, async (c) => {
  const form = validate(DevDigests, { ...c.req.query(), ...(await c.req.parseBody()) }, "invalid_form");
  // 0000-01-01 and 0000-01-02 are in -0001-W52, which no period key can name.
  const period = digestKeyOf(form.frequency, form.day);
  if (!period)
    throw badRequest("invalid_form", `day: the week of ${form.day} is before the first week a digest can name`);
  const outcome = await enqueueDigests(c.env, form.frequency, period);
  return c.html(
    <TitledPage title="Digests queued">
      <p>{`${outcome.enqueued} digest(s) for ${outcome.period} queued.`}</p>
      <p>
        <a href="/dev/outbox">Outbox</a>
      </p>
    </TitledPage>,
  );
});

devRoutes.get("/outbox/:id{[0-9]+}", async (c) => {
  const mail = await createDb(c.env.DB)
    .select()
    .from(outbox)
    .where(eq(outbox.id, Number(c.req.param("id"))))
    .get();
  if (!mail) throw notFound("no such mail in the outbox");
  if (c.req.query("format") === "text") return c.text(mail.text);
  // Our own rendered mail, shown as the recipient would see it (inline styles, no script).
  c.header(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
  );
  return c.html(mail.html);
});
