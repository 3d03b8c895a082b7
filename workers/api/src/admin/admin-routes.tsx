import { desc } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { createDb } from "#shared/db/client";
import { ingestRuns } from "#shared/db/schema";
import { parseDay } from "#shared/domain/periods";
import { pendingDeadLetters, redriveDeadLetters } from "#shared/mail/dead-letters";
import { IngestRequest } from "#shared/papers/ingest-request";
import { paperById } from "#shared/papers/queries";
import { INDEX_STEPS, indexCoverage, indexSteps, MAX_INDEX_STEPS } from "#shared/papers/term-index";
import { onCloudflare } from "#shared/vectors/from-env";
import { EMBED_CHUNK, MAX_EMBED_CHUNK, vectorCoverage } from "#shared/vectors/paper-vectors";
import { allSwitches, SWITCHES, type SwitchName, switchStatement } from "#shared/vectors/query-arm";
import { purgeEverywhere } from "../cache/purge";
import { paperComments } from "../comments/comment-store";
import { auditStatement, recentAudit } from "../curators/audit";
import { editLinks, featurePaper, setCommentHidden, setPaperHidden, unfeaturePaper } from "../curators/curator-actions";
import { type CuratorEnv, requireCurator } from "../curators/curator-auth";
import { readConfig } from "../env";
import { ApiError, badRequest, notFound, validate } from "../errors";
import { paperIdFrom } from "../http/paper-id";
import { sameOrigin } from "../http/same-origin";
import { Dashboard, DeadLettersPage, IngestRunsPage, PaperCuration } from "./admin-pages";

/**
 * /admin: curators in a browser (pages and forms, signed in with an address in CURATOR_EMAILS) and
 * scripts (JSON, with the bearer token). Every change is written with its audit row and purged
 * from the caches, so pages and the API show it at once here and within 60 s everywhere.
 */
export const adminRoutes = new Hono<CuratorEnv>();

adminRoutes.use("*", requireCurator);
// Forms posted from a curator's browser must come from our pages; JSON from scripts carries no cookie.
adminRoutes.use("*", sameOrigin);

const wantsHtml = (c: Context<CuratorEnv>) => (c.req.header("Accept") ?? "").includes("text/html");
const db = (c: Context<CuratorEnv>) => createDb(c.env.DB);

/** The request's JSON body, validated with `schema`. */
async function jsonBody<T extends z.ZodType>(c: Context<CuratorEnv>, schema: T): Promise<z.output<T>> {
  const body = await c.req.json().catch(() => {
    throw badRequest("invalid_json", "the body must be JSON");
  });
  return validate(schema, body);
}

function paperIdParam(c: Context<CuratorEnv>): string {
  return paperIdFrom(c.req.param("id") ?? "").id;
}

const purge = (c: Context<CuratorEnv>, req: { papers: string[]; days: string[] }) =>
  purgeEverywhere(readConfig(c.env).SITE_URL, req, c.executionCtx);

adminRoutes.get("/", async (c) => {
  const [audit, coverage, switches, index] = await Promise.all([
    recentAudit(db(c), { limit: 50 }),
    vectorCoverage(db(c)),
    allSwitches(db(c)),
    indexCoverage(db(c)),
  ]);
  return c.html(
    <Dashboard
      actor={c.get("curator").actor}
      audit={audit}
      coverage={coverage}
      switches={switches}
      index={index}
      local={!onCloudflare(c.env)}
    />,
  );
});

/** "Curate a paper" on the dashboard: any pasted form of the id. */
adminRoutes.get("/papers", (c) => {
  const parsed = paperIdFrom(c.req.query("id") ?? "");
  return c.redirect(`/admin/papers/${parsed.id}`, 303);
});

// ---- One paper: feature, unfeature, hide, show, links, its comments ----

const DayForm = z.object({
  day: z.string().refine((d) => parseDay(d) !== null, "day must be a real day written YYYY-MM-DD"),
});
const optionalUrl = z
  .string()
  .trim()
  .max(2000)
  .transform((s) => s || null)
  .pipe(z.url({ protocol: /^https?$/, error: "links must be http(s) addresses" }).nullable());
const LinksForm = z.object({ codeUrl: optionalUrl, projectUrl: optionalUrl });

async function paperPage(c: Context<CuratorEnv>, id: string) {
  const item = await paperById(db(c), id, { includeHidden: true });
  if (!item) throw notFound(`paper ${id} is not in the catalog`);
  const thread = await paperComments(db(c), id).all();
  const audit = await recentAudit(db(c), { target: id, limit: 50 });
  const commentAudit = thread.length
    ? (await recentAudit(db(c), { limit: 200 })).filter(
        (a) => a.target.startsWith("comment:") && thread.some((t) => `comment:${t.id}` === a.target),
      )
    : [];
  return c.html(
    <PaperCuration item={item} thread={thread} audit={[...audit, ...commentAudit].sort((a, b) => b.id - a.id)} />,
  );
}

adminRoutes.get("/papers/:id{.+}", (c) => paperPage(c, paperIdParam(c)));

/** Runs a change on a paper, purges what it touched, and answers JSON (scripts) or 303 back (forms). */
async function paperAction(
  c: Context<CuratorEnv>,
  id: string,
  change: () => Promise<{ papers: string[]; days: string[] }>,
) {
  const changed = await change();
  await purge(c, changed);
  if (wantsHtml(c)) return c.redirect(`/admin/papers/${id}`, 303);
  return c.json({ ok: true, ...changed });
}

const form = async (c: Context<CuratorEnv>) =>
  wantsHtml(c) || (c.req.header("Content-Type") ?? "").includes("form")
    ? await c.req.parseBody()
    : await c.req.json().catch(() => ({}));

adminRoutes.post("/papers/:id{.+}/feature", async (c) => {
  const id = paperIdParam(c);
  const { day } = validate(DayForm, await form(c), "invalid_date");
  return paperAction(c, id, () => featurePaper(db(c), c.get("curator"), id, day));
});
adminRoutes.post("/papers/:id{.+}/unfeature", (c) => {
  const id = paperIdParam(c);
  return paperAction(c, id, () => unfeaturePaper(db(c), c.get("curator"), id));
});
adminRoutes.post("/papers/:id{.+}/hide", (c) => {
  const id = paperIdParam(c);
  return paperAction(c, id, () => setPaperHidden(db(c), c.get("curator"), id, true));
});
adminRoutes.post("/papers/:id{.+}/show", (c) => {
  const id = paperIdParam(c);
  return paperAction(c, id, () => setPaperHidden(db(c), c.get("curator"), id, false));
});
adminRoutes.post("/papers/:id{.+}/links", async (c) => {
  const id = paperIdParam(c);
  const links = validate(LinksForm, await form(c), "invalid_form");
  return paperAction(c, id, () => editLinks(db(c), c.get("curator"), id, links));
});

for (const [action, hidden] of [
  ["hide", true],
  ["show", false],
] as const) {
  adminRoutes.post(`/comments/:id/${action}`, async (c) => {
    const commentId = c.req.param("id");
    if (!/^[\w-]{1,64}$/.test(commentId)) throw notFound(`there is no comment ${commentId.slice(0, 64)}`);
    const changed = await setCommentHidden(db(c), c.get("curator"), commentId, hidden);
    await purge(c, changed);
    if (wantsHtml(c)) return c.redirect(`/admin/papers/${changed.paperId}#comment-${commentId}`, 303);
    return c.json({ ok: true, ...changed });
  });
}

// ---- Ingest runs ----

adminRoutes.get("/ingest-runs", async (c) => {
  const runs = await db(c).select().from(ingestRuns).orderBy(desc(ingestRuns.id)).limit(100).all();
  if (!wantsHtml(c)) return c.json({ runs });
  return c.html(<IngestRunsPage runs={runs} />);
});

/** The curators' form: a source and, optionally, a day (empty means the source's default). */
const IngestForm = z.object({
  source: z.string(),
  date: z
    .string()
    .trim()
    .optional()
    .transform((d) => d || undefined),
});

/** Runs an ingest now: JSON for scripts (the run, 502 when it failed), a form for curators. */
adminRoutes.post("/ingest", async (c) => {
  const html = wantsHtml(c);
  const request = html
    ? validate(IngestRequest, validate(IngestForm, await c.req.parseBody(), "invalid_form"), "invalid_form")
    : await jsonBody(c, IngestRequest);
  const { changedPapers: _papers, changedDays: _days, ...run } = await c.env.INGEST.runIngest(request);
  await auditStatement(db(c), {
    by: c.get("curator"),
    action: "run-ingest",
    target: `ingest:${request.source}`,
    before: request,
    after: run,
  });
  if (html) return c.redirect("/admin/ingest-runs", 303);
  return c.json(run, run.status === "ok" ? 200 : 502);
});

// ---- Vectors ----

/** Coverage per space (papers with and without a vector) and which space answers. */
adminRoutes.get("/vectors", async (c) => c.json(await vectorCoverage(db(c))));

const BackfillRequest = z.strictObject({
  limit: z.number().int().min(1).max(MAX_EMBED_CHUNK).default(EMBED_CHUNK),
});

/**
 * One bounded chunk of the backfill, in the ingest worker (it holds the embedder): up to `limit`
 * papers without a vector in the configured space get one. A loop of calls finishes the job,
 * whatever loaded the catalog; running two at once embeds a few papers twice and changes nothing.
 */
adminRoutes.post("/vectors/backfill", async (c) => {
  const html = wantsHtml(c);
  const isJson = (c.req.header("Content-Type") ?? "").includes("application/json");
  const { limit } = isJson ? await jsonBody(c, BackfillRequest) : BackfillRequest.parse({});
  const outcome = await c.env.INGEST.embedWaiting(limit);
  if (!outcome)
    throw new ApiError(
      503,
      "vectors_off",
      "vectors are off here: the workers have no AI and VECTORIZE bindings, and no local model is learnt yet (POST /admin/vectors/train)",
    );
  if (outcome.embedded)
    await auditStatement(db(c), {
      by: c.get("curator"),
      action: "backfill-vectors",
      target: `vectors:${outcome.space}`,
      before: { limit },
      after: outcome,
    });
  if (html) return c.redirect("/admin", 303);
  return c.json(outcome, outcome.error ? 502 : 200);
});

/**
 * Learns a new local model now (where Workers AI is not bound; the hourly cron learns one by itself
 * when there is none or the catalog has doubled). Its space then fills through the backfill and
 * answers once complete. 409 where Workers AI makes the vectors, or with too few papers.
 */
adminRoutes.post("/vectors/train", async (c) => {
  const answer = await c.env.INGEST.trainLocalModel();
  if (answer.status === "refused") throw new ApiError(409, "not_trained", `no local model learnt: ${answer.reason}`);
  await auditStatement(db(c), {
    by: c.get("curator"),
    action: "train-vectors",
    target: `vectors:${answer.space}`,
    after: answer,
  });
  if (wantsHtml(c)) return c.redirect("/admin", 303);
  return c.json(answer);
});

// ---- The search's term index ----

/** Its segments and the papers it does not hold yet. */
adminRoutes.get("/search/index", async (c) => c.json(await indexCoverage(db(c))));

const IndexRequest = z.strictObject({
  steps: z.number().int().min(1).max(MAX_INDEX_STEPS).default(INDEX_STEPS),
});

/**
 * Up to `steps` bounded steps of keeping the term index (shared/papers/term-index.ts): index the
 * papers it does not hold, merge segments, sweep retired ones. Answers the coverage after them with
 * `remaining`, the papers still waiting plus one while a merge or a sweep is left, so that a loop of
 * calls builds the index over a catalog loaded by any means. Two at once write the same rows.
 */
adminRoutes.post("/search/index", async (c) => {
  const isJson = (c.req.header("Content-Type") ?? "").includes("application/json");
  const { steps } = isJson ? await jsonBody(c, IndexRequest) : IndexRequest.parse({});
  const done = await indexSteps(db(c), { now: new Date(), steps });
  const coverage = await indexCoverage(db(c));
  if (wantsHtml(c)) return c.redirect("/admin", 303);
  return c.json({
    steps: done,
    remaining: coverage.waiting + (coverage.busy && !coverage.waiting ? 1 : 0),
    ...coverage,
  });
});

// ---- Switches ----

const SwitchRequest = z.strictObject({ on: z.boolean() });
const SwitchForm = z.object({ on: z.enum(["true", "false"]).transform((v) => v === "true") });

/** Flips a switch (query-arm.ts SWITCHES) at once, without a deploy: JSON `{"on": false}`, or the dashboard's form. */
adminRoutes.post("/switches/:name", async (c) => {
  const name = c.req.param("name");
  if (!Object.hasOwn(SWITCHES, name)) throw notFound(`no switch named ${name}`);
  const html = wantsHtml(c);
  const { on } = html
    ? validate(SwitchForm, await c.req.parseBody(), "invalid_form")
    : await jsonBody(c, SwitchRequest);
  const by = c.get("curator");
  const at = new Date().toISOString();
  const before = (await allSwitches(db(c))).find((s) => s.name === name)!.on;
  await db(c).batch([
    switchStatement(db(c), name as SwitchName, on, by.actor, at),
    auditStatement(db(c), {
      by,
      action: "flip-switch",
      target: `switch:${name}`,
      before: { on: before },
      after: { on },
      at,
    }),
  ]);
  if (html) return c.redirect("/admin", 303);
  return c.json({ name, on });
});

// ---- Dead letters ----

/** Mail messages that ran out of retries or were refused as invalid, not re-driven yet, oldest first. */
adminRoutes.get("/dead-letters", async (c) => {
  const deadLetters = await pendingDeadLetters(c.env.DB);
  if (!wantsHtml(c)) return c.json({ deadLetters });
  return c.html(<DeadLettersPage letters={deadLetters} />);
});

const RedriveRequest = z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(1000).optional() });

/** Puts dead letters (all pending ones, or `ids`) back on the mail queue, reopening their ledger rows. */
adminRoutes.post("/dead-letters/redrive", async (c) => {
  const html = wantsHtml(c);
  const { ids } = html ? {} : await jsonBody(c, RedriveRequest);
  const result = await redriveDeadLetters(c.env.DB, c.env.MAIL_QUEUE, ids);
  await auditStatement(db(c), {
    by: c.get("curator"),
    action: "redrive-dead-letters",
    target: "mail",
    before: { ids: ids ?? "all pending" },
    after: result,
  });
  if (html) return c.redirect("/admin/dead-letters", 303);
  return c.json(result);
});
