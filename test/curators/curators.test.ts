import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { auditLog, comments, dailyEntries, ingestRuns, mailDeadLetters, papers } from "#shared/db/schema";
import { dayPeriod } from "#shared/domain/periods";
import auditMigration from "../../migrations/0010_audit_actor_account.sql?raw";
import { periodCandidates } from "../../workers/mailer/src/digest-query";
import { signedInAccount } from "../support/accounts";
import { ingestHfDaily, insertPapers } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import * as fx from "../support/fixtures";
import { request } from "../support/request";
import { json, stubUpstream } from "../support/upstream-stub";

const db = () => createDb(env.DB);
const HIDE = "2606.12730"; // featured on 2026-06-12 in the capture
const LOOSE = "2607.00001"; // in the catalog, never featured

let curator: Awaited<ReturnType<typeof signedInAccount>>;

beforeEach(async () => {
  await emptyDatabase();
  await ingestHfDaily();
  await insertPapers([{ id: LOOSE, title: "A paper nobody featured yet" }]);
  curator = await signedInAccount("curator");
});

/** A curator's form, as their browser posts it. */
const act = (
  path: string,
  form: Record<string, string> = {},
  cookie = curator.cookie,
  headers: Record<string, string> = {},
) => request(path, { method: "POST", headers: { Cookie: cookie, Accept: "text/html", ...headers } }, { form });
const page = (path: string, cookie = curator.cookie) =>
  request(path, { headers: { Cookie: cookie, Accept: "text/html" } });
const audit = () => db().select().from(auditLog).orderBy(auditLog.id).all();
const html = async (path: string) => (await request(path)).text();

describe("who may curate", () => {
  it("a signed-in curator (CURATOR_EMAILS, any case) and the bearer token; nobody else, and never from a shared cache", async () => {
    const desk = await page("/admin");
    expect(desk.status).toBe(200);
    expect(desk.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await desk.text()).toContain("Signed in as @curator");
    const reader = await signedInAccount("reader");
    const refused = await page("/admin", reader.cookie);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain("curators only");
    expect((await request("/admin")).status).toBe(401);
    expect(await (await request("/admin/ingest-runs")).json()).toMatchObject({ code: "unauthorized" });
    const script = await request("/admin/ingest-runs", { headers: { Authorization: "Bearer test-admin-token" } });
    expect(script.status).toBe(200);
    expect(await script.json()).toMatchObject({ runs: expect.any(Array) });
    expect(
      (await request("/admin/ingest-runs", { headers: { Authorization: "Bearer wrong", Cookie: curator.cookie } }))
        .status,
    ).toBe(401);
    // a reader's form is refused and changes nothing
    expect((await act(`/admin/papers/${HIDE}/hide`, {}, reader.cookie)).status).toBe(401);
    expect(await audit()).toEqual([]);
  });

  it("refuses a curator's form posted from another site", async () => {
    const res = await act(`/admin/papers/${HIDE}/hide`, {}, curator.cookie, { Origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect((await db().select().from(papers).where(eq(papers.id, HIDE)).get())!.hiddenAt).toBeNull();
    expect(await audit()).toEqual([]);
  });
});

describe("each action, recorded with who, what, when, before and after", () => {
  it("features a paper on a day and unfeatures it; pages and the API follow at once", async () => {
    const featured = await act(`/admin/papers/${LOOSE}/feature`, { day: "2026-06-12" });
    expect(featured.status).toBe(303);
    expect(featured.headers.get("Location")).toBe(`/admin/papers/${LOOSE}`);
    expect(await db().select().from(dailyEntries).where(eq(dailyEntries.paperId, LOOSE)).get()).toMatchObject({
      day: "2026-06-12",
      source: "curator",
    });
    expect(await html("/papers/date/2026-06-12")).toContain(`id="paper-${LOOSE}"`);
    const api = (await (await request("/api/daily_papers?date=2026-06-12&limit=100")).json()) as {
      paper: { id: string };
    }[];
    expect(api.map((i) => i.paper.id)).toContain(LOOSE);

    expect((await act(`/admin/papers/${LOOSE}/feature`, { day: "2026-06-13" })).status).toBe(409);
    await act(`/admin/papers/${LOOSE}/unfeature`);
    expect(await db().select().from(dailyEntries).where(eq(dailyEntries.paperId, LOOSE)).get()).toBeUndefined();
    expect(await html("/papers/date/2026-06-12")).not.toContain(`id="paper-${LOOSE}"`);

    const entries = await audit();
    expect(entries.map((e) => [e.actor, e.action, e.target])).toEqual([
      ["@curator", "feature-paper", LOOSE],
      ["@curator", "unfeature-paper", LOOSE],
    ]);
    expect(entries[0]).toMatchObject({ before: null, after: { paperId: LOOSE, day: "2026-06-12", source: "curator" } });
    expect(entries[1]).toMatchObject({ before: { paperId: LOOSE, day: "2026-06-12" }, after: null });
    expect(Date.now() - Date.parse(entries[0]!.at)).toBeLessThan(60_000);
  });

  it("hides a paper from pages, feeds, search, the API and digests, and shows it again", async () => {
    let searches = 0;
    const everywhere = async () => ({
      day: (await html("/papers/date/2026-06-12")).includes(`id="paper-${HIDE}"`),
      week: (await html("/papers/week/2026-W24")).includes(`id="paper-${HIDE}"`),
      trending: (await html("/papers/trending")).includes(`id="paper-${HIDE}"`),
      page: (await request(`/papers/${HIDE}`)).status,
      api: (await request(`/api/papers/${HIDE}`)).status,
      apiDay: ((await (await request("/api/daily_papers?date=2026-06-12")).json()) as { paper: { id: string } }[]).some(
        (i) => i.paper.id === HIDE,
      ),
      // search pages are not purged (endless addresses): they are kept as briefly as counts, and
      // this one is asked for the first time after the change
      search: (await html(`/search?q=${["psychometric", "Psychometric", "PSYCHOMETRIC"][searches++]}`)).includes(
        `id="paper-${HIDE}"`,
      ),
      feed: (await html("/feeds/daily.rss")).includes(`/papers/${HIDE}<`),
      digest: (await periodCandidates(db(), dayPeriod("2026-06-12"))).some((p) => p.id === HIDE),
      data: (await html("/data/2026-06.jsonl")).includes(`"id":"${HIDE}"`),
      sitemap: (await html("/sitemap/2026-06.xml")).includes(`/papers/${HIDE}<`),
    });
    expect(await everywhere()).toEqual({
      day: true,
      week: true,
      trending: true,
      page: 200,
      api: 200,
      apiDay: true,
      search: true,
      feed: true,
      digest: true,
      data: true,
      sitemap: true,
    });
    await act(`/admin/papers/${HIDE}/hide`);
    expect(await everywhere()).toEqual({
      day: false,
      week: false,
      trending: false,
      page: 404,
      api: 404,
      apiDay: false,
      search: false,
      feed: false,
      digest: false,
      data: false,
      sitemap: false,
    });
    expect(await (await page(`/admin/papers/${HIDE}`)).text()).toContain("Show the paper again");
    await act(`/admin/papers/${HIDE}/show`);
    expect(await everywhere()).toMatchObject({ day: true, page: 200, api: 200, search: true, digest: true });
    const [hide, show] = await audit();
    expect(hide).toMatchObject({
      action: "hide-paper",
      before: { hiddenAt: null },
      after: { hiddenAt: expect.any(String) },
    });
    expect(show).toMatchObject({
      action: "show-paper",
      before: { hiddenAt: expect.any(String) },
      after: { hiddenAt: null },
    });
  });

  it("hiding the only papers of some days leaves those days out of every listing's choice of day", async () => {
    // a spam submission opened a new day (and a new week and month); two more are the only papers of older days
    const [SPAM, MID, EARLY, OLDER] = ["2607.00011", "2606.00012", "2606.00013", "2606.00014"];
    await insertPapers([
      { id: SPAM, day: "2026-07-01", title: "Spam that opened a day" },
      { id: MID, day: "2026-06-08", title: "Spam in the middle" },
      { id: EARLY, day: "2026-06-02", title: "Spam before everything" },
      { id: OLDER, day: "2026-06-05", title: "An older visible paper" },
    ]);
    for (const id of [SPAM, MID, EARLY]) expect((await act(`/admin/papers/${id}/hide`)).status).toBe(303);

    const home = await html("/");
    expect(home).toContain(`id="paper-${HIDE}"`);
    expect(home).toContain('datetime="2026-06-12"');
    expect(home).not.toContain("2026-07-01");
    const api = (await (await request("/api/daily_papers?limit=100")).json()) as { paper: { id: string } }[];
    expect(api.map((i) => i.paper.id)).toContain(HIDE);

    // a day whose papers are all hidden is shown as a day without papers, and navigation skips it
    const july = await html("/papers/date/2026-07-01");
    expect(july).toContain(`id="paper-${HIDE}"`);
    expect(july).toContain("showing the nearest earlier day with papers");
    const day12 = await html("/papers/date/2026-06-12");
    expect(day12).toContain('href="/papers/date/2026-06-05"');
    expect(day12).not.toContain("/papers/date/2026-07-01");
    expect(day12).not.toContain("/papers/date/2026-06-08");
    expect(await html("/papers/date/2026-06-05")).toContain('href="/papers/date/2026-06-12"');
    expect(await html("/papers/date/2026-06-08")).toContain(`id="paper-${OLDER}"`);
    const first = await html("/papers/date/2026-06-01");
    expect(first).toContain('the first day with papers is <a href="/papers/date/2026-06-05"');

    expect((await request("/papers/week")).headers.get("Location")).toBe("/papers/week/2026-W24");
    expect((await request("/papers/month")).headers.get("Location")).toBe("/papers/month/2026-06");
    expect(await html("/papers/trending")).toContain(`id="paper-${HIDE}"`);
    // the daily feed's last 3 days with visible papers: 2026-06-12 and 2026-06-05
    const feed = await html("/feeds/daily.rss");
    expect(feed).toContain(`/papers/${HIDE}<`);
    expect(feed).toContain(`/papers/${OLDER}<`);
    const pages = await html("/sitemap/pages.xml");
    expect(pages).toContain("/papers/month/2026-06<");
    expect(pages).not.toContain("/papers/month/2026-07<");
    expect(pages).not.toContain("/papers/week/2026-W27<");
  });

  it("edits a paper's code and project links, which the daily feed then leaves alone; refuses a link that is not http(s)", async () => {
    const before = (await db().select().from(papers).where(eq(papers.id, HIDE)).get())!;
    await act(`/admin/papers/${HIDE}/links`, { codeUrl: "https://github.com/example/better", projectUrl: "" });
    const after = (await db().select().from(papers).where(eq(papers.id, HIDE)).get())!;
    expect(after).toMatchObject({
      codeUrl: "https://github.com/example/better",
      projectUrl: null,
      linksCuratedAt: expect.any(String),
    });
    expect(await html(`/papers/${HIDE}`)).toContain('href="https://github.com/example/better"');
    expect((await audit())[0]).toMatchObject({
      action: "edit-links",
      before: { codeUrl: before.codeUrl, projectUrl: before.projectUrl },
      after: { codeUrl: "https://github.com/example/better", projectUrl: null },
    });

    // the next pull of the daily feed, which still names the old repository, changes nothing
    stubUpstream({ "https://hf.test/api/daily_papers": () => json(fx.hfDaily2026) });
    await request("/admin/ingest", {
      method: "POST",
      headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
      body: JSON.stringify({ source: "hf-daily", date: "2026-06-12" }),
    });
    expect((await db().select().from(papers).where(eq(papers.id, HIDE)).get())!.codeUrl).toBe(
      "https://github.com/example/better",
    );

    const bad = await act(`/admin/papers/${HIDE}/links`, { codeUrl: "javascript:alert(1)", projectUrl: "" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("links must be http(s) addresses");
    expect((await db().select().from(papers).where(eq(papers.id, HIDE)).get())!.codeUrl).toBe(
      "https://github.com/example/better",
    );
  });

  it("hides a comment and shows it again; the paper's curation page lists the thread and its log", async () => {
    const author = await signedInAccount("commenter");
    await db().insert(comments).values({
      id: "c1",
      paperId: HIDE,
      accountId: author.id,
      body: "A <b>rude</b> remark",
      createdAt: new Date().toISOString(),
    });
    expect((await act("/admin/comments/c1/hide")).headers.get("Location")).toBe(`/admin/papers/${HIDE}#comment-c1`);
    expect((await db().select().from(comments).where(eq(comments.id, "c1")).get())!.hiddenAt).not.toBeNull();
    const desk = await (await page(`/admin/papers/${HIDE}`)).text();
    expect(desk).toContain("A &lt;b&gt;rude&lt;/b&gt; remark");
    expect(desk).toContain("Show this comment");
    expect(desk).toContain("hide-comment");
    await act("/admin/comments/c1/show");
    expect((await db().select().from(comments).where(eq(comments.id, "c1")).get())!.hiddenAt).toBeNull();
    expect((await audit()).map((e) => [e.action, e.target])).toEqual([
      ["hide-comment", "comment:c1"],
      ["show-comment", "comment:c1"],
    ]);
    expect((await act("/admin/comments/nope/hide")).status).toBe(404);
  });

  it("runs an ingest now and re-drives dead letters from the forms, each recorded", async () => {
    stubUpstream({ "https://hf.test/api/daily_papers": () => json(fx.hfDaily2026) });
    const run = await act("/admin/ingest", { source: "hf-daily", date: "2026-06-12" });
    expect(run.status).toBe(303);
    const runs = await (await page("/admin/ingest-runs")).text();
    expect(runs).toContain("hf-daily");
    expect(runs).toContain("Run an ingest now");
    // Every count of a run, moves included, in the order of the column's heading.
    await db().insert(ingestRuns).values({
      source: "hf-daily",
      target: "2026-06-13",
      startedAt: "2026-06-13T10:00:00Z",
      status: "ok",
      read: 7,
      inserted: 3,
      updated: 2,
      moved: 1,
      skipped: 4,
    });
    const table = await (await page("/admin/ingest-runs")).text();
    expect(table).toContain("Read · new · changed · moved · skipped");
    expect(table).toContain("<td>7 · 3 · 2 · 1 · 4</td>");
    await db()
      .insert(mailDeadLetters)
      .values({ messageId: "m1", source: "invalid-message", body: "{}", error: "not a message", attempts: 1 });
    expect(await (await page("/admin/dead-letters")).text()).toContain("not a message");
    expect((await act("/admin/dead-letters/redrive")).status).toBe(303);
    expect((await audit()).map((e) => [e.actor, e.action])).toEqual([
      ["@curator", "run-ingest"],
      ["@curator", "redrive-dead-letters"],
    ]);
    expect(await (await page("/admin")).text()).toContain("redrive-dead-letters");
  });

  it("an audit row keeps naming the account that acted, with its handle then, after a rename and after an erasure frees the handle", async () => {
    await act(`/admin/papers/${HIDE}/hide`);
    const [row] = await audit();
    expect(row).toMatchObject({ actor: "@curator", actorAccountId: curator.id });
    const other = await signedInAccount("other-curator");
    const who = async () => {
      const desk = await (await page("/admin", other.cookie)).text();
      return /<td>(@curator[\s\S]*?)<\/td>/.exec(desk)?.[1] ?? "";
    };
    expect(await who()).toContain(curator.id);

    // renamed, and the old handle taken by someone else: the row still names the curator's account
    const renamed = await request(
      "/account/profile",
      { method: "POST", headers: { Cookie: curator.cookie } },
      { form: { handle: "curator-renamed", displayName: "" } },
    );
    expect(renamed.status).toBe(200);
    const squatter = { id: crypto.randomUUID() };
    await env.DB.prepare("INSERT INTO accounts (id, email, handle) VALUES (?1, 'squatter@example.com', 'curator')")
      .bind(squatter.id)
      .run();
    let cell = await who();
    expect(cell).toContain(curator.id);
    expect(cell).toContain("now @curator-renamed");
    expect(cell).not.toContain(squatter.id);

    // erased: the row keeps its account id and says the account is gone
    const erased = await request(
      "/account/delete",
      { method: "POST", headers: { Cookie: curator.cookie } },
      { form: { confirm: "yes" } },
    );
    expect(erased.status).toBe(303);
    expect((await audit())[0]).toMatchObject({ actor: "@curator", actorAccountId: curator.id });
    cell = await who();
    expect(cell).toContain(curator.id);
    expect(cell).toContain("account erased");
    expect(cell).not.toContain(squatter.id);
    // the admin token has no account
    const shown = await request(`/admin/papers/${HIDE}/show`, {
      method: "POST",
      headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
      body: "{}",
    });
    expect(shown.status).toBe(200);
    expect((await audit())[1]).toMatchObject({ actor: "admin token", actorAccountId: null });
  });

  it("the migration gives rows written by handle only the account holding it, unless that account is younger than the row", async () => {
    const backfill = auditMigration.split("--> statement-breakpoint").at(-1)!;
    const young = crypto.randomUUID();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO accounts (id, email, handle, created_at) VALUES (?1, 'young@example.com', 'young', '2026-06-20T00:00:00.000Z')",
      ).bind(young),
      env.DB.prepare("UPDATE accounts SET created_at = '2026-06-01T00:00:00.000Z' WHERE id = ?1").bind(curator.id),
      env.DB.prepare(`INSERT INTO audit_log (at, actor, action, target) VALUES
        ('2026-06-10T00:00:00.000Z', '@curator', 'hide-paper', 'a'), ('2026-06-10T00:00:00.000Z', '@young', 'hide-paper', 'b'),
        ('2026-06-10T00:00:00.000Z', 'admin token', 'hide-paper', 'c'), ('2026-06-10T00:00:00.000Z', '@nobody', 'hide-paper', 'd')`),
    ]);
    await env.DB.prepare(backfill).run();
    expect((await audit()).map((e) => [e.target, e.actorAccountId])).toEqual([
      ["a", curator.id],
      ["b", null],
      ["c", null],
      ["d", null],
    ]);
  });

  it("answers bad input with a readable page and changes nothing", async () => {
    for (const [path, form, status] of [
      [`/admin/papers/${LOOSE}/feature`, { day: "2026-02-30" }, 400],
      [`/admin/papers/not-an-id/hide`, {}, 400],
      [`/admin/papers/2606.99999/hide`, {}, 404],
      [`/admin/papers/${LOOSE}/unfeature`, {}, 400],
      ["/admin/ingest", { source: "nowhere" }, 400],
    ] as const) {
      const res = await act(path, form);
      expect(res.status, path).toBe(status);
      expect(res.headers.get("Content-Type"), path).toMatch(/^text\/html/);
    }
    expect(await audit()).toEqual([]);
    expect(await db().select().from(dailyEntries).where(eq(dailyEntries.paperId, LOOSE)).get()).toBeUndefined();
  });
});
