import { type Context, Hono } from "hono";
import { z } from "zod";
import { SUBMISSION_COMMENT_MAX as COMMENT_MAX } from "#shared/contracts";
import { createDb } from "#shared/db/client";
import { purgeAfterSubmission } from "../cache/purge";
import { readConfig } from "../env";
import { ApiError } from "../errors";
import { privateAlways } from "../http/private-page";
import { clientLimit, enforceLimits } from "../http/rate-limit";
import { sameOrigin } from "../http/same-origin";
import { handleGate, type WithHandleEnv } from "../http/session-gate";
import { TitledPage } from "../ui/layout";
import { type Refusal, type SubmissionRules, submitPaper } from "./submit-paper";

/**
 * `/papers/submit`: a signed-in person with a handle puts a recent arXiv paper on today's page.
 * Mounted before the site's `/papers/:id` and its cache; every answer is `private, no-store`.
 */
export const submitRoutes = new Hono<WithHandleEnv>();
submitRoutes.use("/papers/submit", privateAlways);

/** Submission attempts (refused ones included) per account and per client address, per window. */
export const SUBMIT_LIMIT = { perAccount: 10, perClient: 20, windowSeconds: 3_600 };

const SubmitBody = z.object({
  paper: z.string().max(2_000, "the arXiv id or address is too long").default(""),
  // Capped in submitPaper with a message that counts; this only keeps a huge body out.
  comment: z.string().max(100_000, "the comment is far too long").default(""),
});

function SubmitPage(props: { rules: SubmissionRules; paper?: string; comment?: string; refusal?: Refusal }) {
  const { rules, refusal } = props;
  return (
    <TitledPage title="Submit a paper">
      {refusal ? (
        <div class="notice" role="alert" id="submit-error">
          <p>
            <strong>{`Not submitted. ${refusal.rule}:`}</strong> {refusal.message}
          </p>
          {refusal.link ? (
            <p>
              <a href={refusal.link.href}>{refusal.link.text}</a>
            </p>
          ) : null}
        </div>
      ) : null}
      <p>Put a recent arXiv paper on today's Daily Papers. Its card shows your name, linked to your profile.</p>
      <ul>
        <li>{`The paper was first published on arXiv within the last ${rules.windowDays} days.`}</li>
        <li>A paper is featured once: one already on the Daily Papers cannot be submitted again.</li>
        <li>{`Each account submits at most ${rules.dailyCap} ${rules.dailyCap === 1 ? "paper" : "papers"} a day (UTC).`}</li>
        {rules.weekends ? null : <li>Submissions are taken from Monday to Friday (UTC).</li>}
      </ul>
      <form method="post" action="/papers/submit">
        <p>
          <label for="paper">arXiv id or address</label>{" "}
          <input
            id="paper"
            name="paper"
            required
            maxlength={2000}
            placeholder="2606.00467 or https://arxiv.org/abs/2606.00467"
            value={props.paper ?? ""}
            aria-describedby={refusal ? "submit-error" : undefined}
            aria-invalid={refusal?.code === "invalid-id" || refusal?.code === "not-found" ? "true" : undefined}
          />
        </p>
        <p>
          <label for="comment">{`Comment (optional, up to ${COMMENT_MAX.toLocaleString("en-US")} characters): why is it worth reading?`}</label>
          <br />
          <textarea id="comment" name="comment" rows={4} cols={60} maxlength={COMMENT_MAX}>
            {props.comment ?? ""}
          </textarea>
        </p>
        <button type="submit">Submit</button>
      </form>
    </TitledPage>
  );
}

const rulesOf = (c: Context<WithHandleEnv>): SubmissionRules => {
  const config = readConfig(c.env);
  return {
    windowDays: config.SUBMISSION_WINDOW_DAYS,
    dailyCap: config.SUBMISSION_DAILY_CAP,
    weekends: config.SUBMISSION_WEEKENDS,
  };
};

/** The signed-in account with a handle on the context, a redirect to choose one, or a 401 for a form posted signed out. */
const submitter = handleGate((c) => {
  if (c.req.method === "GET") return c.redirect("/signin", 303);
  throw new ApiError(401, "unauthorized", "Sign in to submit a paper.");
}, "/account?next=submit");

submitRoutes.get("/papers/submit", submitter, async (c) => {
  return c.html(<SubmitPage rules={rulesOf(c)} paper={c.req.query("paper")?.slice(0, 2_000)} />);
});

submitRoutes.post("/papers/submit", sameOrigin, submitter, async (c) => {
  const { account } = c.var.session;
  // Every attempt counts, refused or not: a refusal after the lookup costs an arXiv request.
  const { perAccount, perClient, windowSeconds } = SUBMIT_LIMIT;
  await enforceLimits(
    c.env.DB,
    [
      // An account id is a random UUID, no address or IP: the key needs no hash.
      { key: `submit:account:${account.id}`, max: perAccount, windowSeconds },
      await clientLimit(c.req.raw, "submit", perClient, windowSeconds),
    ],
    "Too many submission attempts in a short time. Nothing was submitted: please wait a while and try again.",
  );
  const rules = rulesOf(c);
  const form = SubmitBody.safeParse(await c.req.parseBody());
  if (!form.success) {
    const refusal: Refusal = {
      ok: false,
      code: "invalid-id",
      status: 400,
      rule: "Invalid form",
      message: `${form.error.issues[0]?.message ?? "invalid form"}.`,
    };
    return c.html(<SubmitPage rules={rules} refusal={refusal} />, 400);
  }
  const result = await submitPaper(
    { db: createDb(c.env.DB), ingest: c.env.INGEST, rules, now: new Date() },
    account,
    form.data,
  );
  if (!result.ok)
    return c.html(
      <SubmitPage rules={rules} paper={form.data.paper} comment={form.data.comment} refusal={result} />,
      result.status,
    );
  // The submission is committed; a purge that fails only leaves pages stale for their few seconds.
  await purgeAfterSubmission(
    c,
    readConfig(c.env).SITE_URL,
    { papers: [result.paperId], days: [result.day] },
    account.handle,
  ).catch((err: unknown) => {
    console.error("purging after a submission failed", err);
  });
  return c.redirect(`/papers/${result.paperId}`, 303);
});
