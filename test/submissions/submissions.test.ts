import { env } from "cloudflare:test";
import { count, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { IngestService } from "#shared/contracts";
import { createDb } from "#shared/db/client";
import { type AccountRow, accounts, comments, dailyEntries, papers } from "#shared/db/schema";
import { todayUtc } from "#shared/domain/periods";
import type { Env } from "../../workers/api/src/env";
import { type SubmissionRules, submitPaper } from "../../workers/api/src/submissions/submit-paper";
import { SUBMIT_LIMIT } from "../../workers/api/src/submissions/submit-routes";
import { readConfig as readIngestConfig } from "../../workers/ingest/src/env";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import { lookupArxivPaper } from "../../workers/ingest/src/submission";
import { signedInAccount } from "../support/accounts";
import { ingestHfDaily } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import * as fx from "../support/fixtures";
import { request } from "../support/request";
import { stubUpstream, xml } from "../support/upstream-stub";

const db = () => createDb(env.DB);
beforeEach(emptyDatabase);
afterEach(() => vi.restoreAllMocks());

const ARXIV = "https://export.arxiv.test/api/query";
/** The captures are from June 2026: a window wide enough for them, and every day of the week. */
const OPEN: Partial<Env> = { SUBMISSION_WINDOW_DAYS: "36500", SUBMISSION_DAILY_CAP: "3", SUBMISSION_WEEKENDS: "true" };
/** wrangler.toml's defaults, whatever a local .dev.vars (which the test env reads too) says. */
const DEFAULTS: Partial<Env> = {
  SUBMISSION_WINDOW_DAYS: undefined,
  SUBMISSION_DAILY_CAP: undefined,
  SUBMISSION_WEEKENDS: undefined,
};

/** Every Atom entry of the captures, by arXiv id without version. */
const ENTRIES = new Map<string, string>();
for (const feed of [fx.atomTransformer, fx.atomOldStyleId, fx.atomOneId]) {
  for (const entry of feed.match(/<entry>[\s\S]*?<\/entry>/g) ?? []) {
    const id = /<id>https?:\/\/arxiv\.org\/abs\/(.+?)(v\d+)?<\/id>/.exec(entry)?.[1];
    if (id) ENTRIES.set(id, entry);
  }
}

/** arXiv's answer to id_list, built from the captured entries on the real empty-feed capture. */
const feedFor = (ids: string[]) => {
  const entries = ids.flatMap((id) => ENTRIES.get(id) ?? []);
  return fx.atomZeroResults
    .replace("<opensearch:totalResults>0<", `<opensearch:totalResults>${entries.length}<`)
    .replace("</feed>", `${entries.join("\n")}\n</feed>`);
};

/** arXiv answering from the captures; `calls` lists the ids asked for. */
function stubArxiv(
  respond: (url: URL) => Response | Promise<Response> = (url) =>
    xml(feedFor(url.searchParams.get("id_list")!.split(","))),
) {
  const stub = stubUpstream({ [ARXIV]: respond });
  return { ...stub, ids: () => stub.calls.map((u) => new URL(u).searchParams.get("id_list")) };
}

/** A promise per caller that resolves once `n` callers wait on it: all of them pass together. */
function barrier(n: number) {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++arrived >= n) release();
    return all;
  };
}

/** arXiv answering from the captures once `n` lookups wait: each has passed every rule's read before any writes. */
const stubArxivHeld = (n: number) => {
  const wait = barrier(n);
  return stubArxiv(async (url) => {
    await wait();
    return xml(feedFor(url.searchParams.get("id_list")!.split(",")));
  });
};

/** The ingest worker, its writes held until `n` wait: every one has read the entries before any writes. */
function ingestHeldAtWrite(n: number): IngestService {
  const wait = barrier(n);
  return {
    runIngest: (request) => env.INGEST.runIngest(request),
    lookupArxivPaper: (id) => env.INGEST.lookupArxivPaper(id),
    embedWaiting: (limit) => env.INGEST.embedWaiting(limit),
    trainLocalModel: () => env.INGEST.trainLocalModel(),
    recordSubmission: async (submission) => {
      await wait();
      return env.INGEST.recordSubmission(submission);
    },
  };
}

const submit = (
  cookie: string | undefined,
  form: Record<string, string>,
  opts: { env?: Partial<Env>; headers?: HeadersInit } = {},
) =>
  request(
    "/papers/submit",
    { method: "POST", headers: { ...(cookie ? { Cookie: cookie } : {}), ...opts.headers } },
    { form, env: { ...OPEN, ...opts.env } },
  );

/** A page's text without its tags, as read aloud. */
const plain = async (res: Response) => (await res.text()).replace(/<[^>]+>/g, "");

const page = async (path: string, cookie?: string) => {
  const res = await request(path, { headers: cookie ? { Cookie: cookie } : {} }, { env: OPEN });
  return { res, text: await res.text() };
};

async function rowCounts() {
  const n = async (table: typeof papers | typeof dailyEntries | typeof comments) =>
    (await db().select({ n: count() }).from(table).get())!.n;
  return { papers: await n(papers), entries: await n(dailyEntries), comments: await n(comments) };
}

const entryOf = (id: string) => db().select().from(dailyEntries).where(eq(dailyEntries.paperId, id)).get();

async function author(handle = "ada", displayName: string | null = "Ada Lovelace") {
  const account = await signedInAccount(handle);
  await db().update(accounts).set({ displayName }).where(eq(accounts.id, account.id));
  return account;
}

function expectPrivate(res: Response) {
  expect(res.headers.get("Cache-Control")).toBe("private, no-store");
}

const submittedBy = async (handle: string) => {
  const res = await request(`/api/daily_papers?submitter=${handle}`);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    paper: { id: string; submittedOnDailyBy?: { name: string } };
    submittedBy: { name: string; fullname: string; avatarUrl: string };
  }[];
};

describe("the submission form", () => {
  it("shows the form and the configured rules to a signed-in account with a handle, privately", async () => {
    const { cookie } = await author();
    const { res, text } = await page("/papers/submit", cookie);
    expect(res.status).toBe(200);
    expectPrivate(res);
    expect(text).toContain('<form method="post" action="/papers/submit">');
    expect(text).toMatch(/<label for="paper">arXiv id or address<\/label>/);
    expect(text).toContain('name="comment"');
    expect(text).toContain("within the last 36500 days");
    expect(text).toContain("at most 3 papers a day (UTC)");
    const defaults = await (await request("/papers/submit", { headers: { Cookie: cookie } }, { env: DEFAULTS })).text();
    expect(defaults).toContain("within the last 14 days");
    expect(defaults).toContain("at most 3 papers a day (UTC)");
    expect(defaults).toContain("Submissions are taken from Monday to Friday (UTC).");
    expect(text).not.toContain("Monday to Friday");
  });

  it("sends a signed-out visitor to sign in, and answers a signed-out post with a private 401 that writes nothing", async () => {
    const arxiv = stubArxiv();
    const { res } = await page("/papers/submit");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/signin");
    expectPrivate(res);
    for (const cookie of [undefined, "__Host-session=not-a-session"]) {
      const post = await submit(cookie, { paper: "2606.13677" });
      expect(post.status).toBe(401);
      expectPrivate(post);
      expect(await post.text()).toContain("Sign in to submit a paper.");
    }
    expect(arxiv.calls).toEqual([]);
    expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
  });

  it("sends an account without a handle to /account to choose one first, and writes nothing", async () => {
    const arxiv = stubArxiv();
    const { id, cookie } = await signedInAccount("nohandle");
    await db().update(accounts).set({ handle: null }).where(eq(accounts.id, id));
    for (const res of [(await page("/papers/submit", cookie)).res, await submit(cookie, { paper: "2606.13677" })]) {
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/account?next=submit");
      expectPrivate(res);
    }
    expect((await page("/account?next=submit", cookie)).text).toContain("Choose a handle first");
    expect(arxiv.calls).toEqual([]);
    expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
  });

  it("refuses a post from another site (403) and writes nothing", async () => {
    const arxiv = stubArxiv();
    const { cookie } = await author();
    const res = await submit(cookie, { paper: "2606.13677" }, { headers: { Origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expectPrivate(res);
    expect(arxiv.calls).toEqual([]);
    expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
  });
});

describe("POST /papers/submit", () => {
  it("features the paper today with its submitter: linked on the day page and the paper page, in the API, with the comment", async () => {
    const arxiv = stubArxiv();
    const { id: accountId, cookie } = await author();
    const res = await submit(cookie, {
      paper: "https://arxiv.org/abs/2606.13677v1",
      comment: "  Worth a read for the ablations.  ",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/papers/2606.13677");
    expectPrivate(res);
    expect(arxiv.ids()).toEqual(["2606.13677"]);

    const today = todayUtc();
    expect(await entryOf("2606.13677")).toMatchObject({
      day: today,
      source: "submission",
      submitterAccountId: accountId,
      submitterName: "ada",
      submitterFullname: "Ada Lovelace",
      submitterAvatarUrl: null,
      upstreamUpvotes: 0,
    });
    const paper = await db().select().from(papers).where(eq(papers.id, "2606.13677")).get();
    expect(paper).toMatchObject({
      version: 1,
      published: "2026-06-11T17:59:49.000Z",
      primaryCategory: expect.any(String),
    });
    expect(await db().select().from(comments)).toMatchObject([
      { paperId: "2606.13677", accountId, body: "Worth a read for the ablations.", parentId: null },
    ]);

    const link = 'Submitted by <a href="/u/ada">Ada Lovelace</a>';
    const home = await page("/");
    expect(home.text).toContain(link);
    expect(home.text).toContain('<a href="/papers/submit">Submit a paper</a>');
    expect((await page(`/papers/date/${today}`)).text).toContain(link);
    expect((await page("/papers/2606.13677")).text).toContain(link);

    const items = await submittedBy("ada");
    expect(items.map((i) => i.paper.id)).toEqual(["2606.13677"]);
    expect(items[0]!.submittedBy).toMatchObject({ name: "ada", fullname: "Ada Lovelace", avatarUrl: "", type: "user" });
    expect(items[0]!.paper.submittedOnDailyBy).toMatchObject({ name: "ada" });

    const profile = (await page("/u/ada")).text;
    expect(profile).toContain("Submitted papers");
    expect(profile).toContain('id="paper-2606.13677"');
  });

  it("purges what it changed, so the submitter sees the paper at once where a cached page was", async () => {
    await ingestHfDaily();
    stubArxiv();
    const { cookie } = await author("purger", "Pat Purger");
    const today = todayUtc();
    // Cached first (addresses no other test of this file asks for: the caches outlive a test): the
    // home page, today's page (the nearest earlier day with papers), the submitter's listing.
    const paths = ["/?sort=newest", `/papers/date/${today}?sort=trending`];
    for (const path of paths) {
      expect((await page(path)).text).not.toContain("2606.13677");
      expect((await page(path)).res.headers.get("X-Cache")).toBe("HIT");
    }
    expect(await submittedBy("purger")).toEqual([]);
    expect((await request("/api/daily_papers?submitter=purger")).headers.get("X-Cache")).toBe("HIT");

    expect((await submit(cookie, { paper: "2606.13677" })).status).toBe(303);
    for (const path of paths)
      expect((await page(path)).text, path).toContain('Submitted by <a href="/u/purger">Pat Purger</a>');
    expect((await submittedBy("purger")).map((i) => i.paper.id)).toEqual(["2606.13677"]);
  });

  it("reads the id in every form people paste", async () => {
    const arxiv = stubArxiv();
    const { cookie } = await author("paster", null);
    const forms = [
      ["2606.13677", "2606.13677"],
      ["2606.13591v2", "2606.13591"],
      ["arxiv.org/abs/2606.13568", "2606.13568"],
      ["https://arxiv.org/pdf/2606.13515v1.pdf", "2606.13515"],
      ["  arXiv:2606.13501  ", "2606.13501"],
      ["astro-ph/0601001", "astro-ph/0601001"],
      ["https://arxiv.org/abs/1605.08386", "1605.08386"],
    ] as const;
    for (const [pasted, id] of forms) {
      const res = await submit(cookie, { paper: pasted }, { env: { SUBMISSION_DAILY_CAP: "10" } });
      expect(res.status, pasted).toBe(303);
      expect(res.headers.get("Location")).toBe(`/papers/${id}`);
      expect(await entryOf(id), pasted).toMatchObject({
        source: "submission",
        submitterName: "paster",
        submitterFullname: null,
      });
    }
    expect(arxiv.ids()).toEqual(forms.map(([, id]) => id));
    expect(await rowCounts()).toEqual({ papers: 7, entries: 7, comments: 0 });
    // No display name: the handle is the name shown, and the API's fullname.
    expect((await page("/papers/astro-ph/0601001")).text).toContain('Submitted by <a href="/u/paster">paster</a>');
    expect((await submittedBy("paster"))[0]!.submittedBy).toMatchObject({ name: "paster", fullname: "paster" });
  });

  it("refuses what is not an arXiv id, and a comment over the cap, without asking arXiv or writing anything", async () => {
    const arxiv = stubArxiv();
    const { cookie } = await author();
    for (const form of [{ paper: "not a paper" }, { paper: "" }, { paper: "https://example.com/abs/2606.13677" }]) {
      const res = await submit(cookie, form);
      expect(res.status).toBe(400);
      expectPrivate(res);
      expect(await res.text()).toContain("Not submitted. Not an arXiv id:");
    }
    const long = await submit(cookie, { paper: "2606.13677", comment: "x".repeat(1001) });
    expect(long.status).toBe(400);
    const text = await long.text();
    expect(text).toContain("Comment too long:");
    expect(text).toContain("at most 1,000 characters; yours has 1,001");
    // The form keeps what was typed.
    expect(text).toContain('value="2606.13677"');
    expect(arxiv.calls).toEqual([]);
    expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
  });

  it("escapes what was typed when it shows the form again", async () => {
    stubArxiv();
    const { cookie } = await author();
    const text = await (await submit(cookie, { paper: '"><script>alert(1)</script>', comment: "<b>hi</b>" })).text();
    expect(text).not.toContain("<script>alert(1)");
    expect(text).toContain("&lt;b&gt;hi&lt;/b&gt;");
  });
});

describe("the rules", () => {
  it("recent papers only: refuses a paper whose id is older than the window without asking arXiv, naming the rule and the month", async () => {
    const arxiv = stubArxiv();
    const { cookie } = await author();
    // The default window, 14 days: an id of June 2026 (or of 2023, or an old-style one) is older than the window.
    const ids = [
      ["2606.13677", "June 2026"],
      ["2301.00001", "January 2023"],
      ["hep-th/9901001", "January 1999"],
    ] as const;
    for (const [paper, month] of ids) {
      const res = await submit(cookie, { paper }, { env: { ...DEFAULTS, SUBMISSION_WEEKENDS: "true" } });
      expect(res.status).toBe(409);
      const text = await plain(res);
      expect(text).toContain("Not submitted. Recent papers only:");
      expect(text).toContain(
        `within 14 days of its first version on arXiv; ${paper} was first published in ${month} or before.`,
      );
    }
    expect(arxiv.calls).toEqual([]);
    expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
  });

  it("featured once: refuses a paper already featured, upstream's or a submission, with a link to its page, without asking arXiv", async () => {
    await ingestHfDaily();
    const arxiv = stubArxiv();
    const { cookie } = await author();
    const before = await rowCounts();
    const res = await submit(cookie, { paper: "arxiv.org/abs/2606.00467v2", comment: "again" });
    expect(res.status).toBe(409);
    const text = await res.text();
    expect(text).toContain("Not submitted. Featured once:");
    expect(text).toContain("2606.00467 was featured on");
    expect(text).toMatch(/<a href="\/papers\/2606\.00467">See “[^<]+”<\/a>/);
    expect(arxiv.calls).toEqual([]);
    expect(await rowCounts()).toEqual(before);

    expect((await submit(cookie, { paper: "2606.13677" })).status).toBe(303);
    const other = await author("grace", "Grace Hopper");
    const again = await submit(other.cookie, { paper: "2606.13677" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('<a href="/papers/2606.13677">');
    expect((await entryOf("2606.13677"))!.submitterName).toBe("ada");
  });

  it("a daily cap per submitter: the next submission of the UTC day is refused, naming the cap; others may still submit", async () => {
    const arxiv = stubArxiv();
    const { cookie } = await author();
    const cap = { SUBMISSION_DAILY_CAP: "2" };
    expect((await submit(cookie, { paper: "2606.13677" }, { env: cap })).status).toBe(303);
    expect((await submit(cookie, { paper: "2606.13591" }, { env: cap })).status).toBe(303);
    const before = await rowCounts();
    const third = await submit(cookie, { paper: "2606.13568", comment: "one more" }, { env: cap });
    expect(third.status).toBe(409);
    expect(await plain(third)).toContain(
      "Not submitted. Daily limit: Each account submits at most 2 papers a day (UTC), and you have submitted 2 today.",
    );
    expect(arxiv.ids()).toEqual(["2606.13677", "2606.13591"]);
    expect(await rowCounts()).toEqual(before);
    const other = await author("grace");
    expect((await submit(other.cookie, { paper: "2606.13568" }, { env: cap })).status).toBe(303);
  });

  it("a daily cap per submitter holds when the account sends five at the same moment: two pass, three are told the cap", async () => {
    const arxiv = stubArxivHeld(5);
    const { cookie } = await author();
    const ids = ["2606.13677", "2606.13591", "2606.13568", "2606.13515", "2606.13501"];
    const cap = { SUBMISSION_DAILY_CAP: "2" };
    const answers = await Promise.all(
      ids.map((paper) => submit(cookie, { paper, comment: `about ${paper}` }, { env: cap })),
    );
    expect(arxiv.calls).toHaveLength(5);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 303, 409, 409, 409]);
    for (const res of answers.filter((r) => r.status === 409)) {
      expect(await plain(res)).toContain(
        "Not submitted. Daily limit: Each account submits at most 2 papers a day (UTC), and you have submitted 2 today.",
      );
    }
    const written = answers
      .filter((r) => r.status === 303)
      .map((r) => r.headers.get("Location")!.replace("/papers/", ""))
      .sort();
    const column = async (rows: Promise<{ v: string }[]>) => (await rows).map((r) => r.v).sort();
    expect(await column(db().select({ v: dailyEntries.paperId }).from(dailyEntries).all())).toEqual(written);
    // The refused wrote nothing: no paper, no comment.
    expect(await column(db().select({ v: papers.id }).from(papers).all())).toEqual(written);
    expect(await column(db().select({ v: comments.body }).from(comments).all())).toEqual(
      written.map((id) => `about ${id}`),
    );
  });

  it("featured once holds when two accounts submit one paper at the same moment, and the loser's comment is not published", async () => {
    stubArxivHeld(2);
    const ada = await author();
    const grace = await author("grace", "Grace Hopper");
    const INGEST = ingestHeldAtWrite(2);
    const [first, second] = await Promise.all([
      submit(ada.cookie, { paper: "2606.13677", comment: "from ada" }, { env: { INGEST } }),
      submit(grace.cookie, { paper: "2606.13677", comment: "from grace" }, { env: { INGEST } }),
    ]);
    const answers = [first!, second!];
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409]);
    const loser = answers.findIndex((r) => r.status === 409);
    expect(await plain(answers[loser]!)).toContain("Not submitted. Featured once:");
    const winner = loser === 0 ? grace : ada;
    expect(await entryOf("2606.13677")).toMatchObject({ submitterAccountId: winner.id });
    expect(await db().select({ accountId: comments.accountId, body: comments.body }).from(comments)).toEqual([
      { accountId: winner.id, body: winner === ada ? "from ada" : "from grace" },
    ]);
    const text = (await page("/papers/2606.13677")).text;
    expect(text).not.toContain(winner === ada ? "from grace" : "from ada");
  });

  describe("with a pinned clock", () => {
    const rules: SubmissionRules = { windowDays: 14, dailyCap: 3, weekends: false };
    let clock: AccountRow & { handle: string };
    beforeEach(async () => {
      const { id } = await author("clock");
      clock = { ...(await db().select().from(accounts).where(eq(accounts.id, id)).get())!, handle: "clock" };
    });
    const run = (now: string, paper: string, overrides: Partial<SubmissionRules> = {}) =>
      submitPaper({ db: db(), ingest: env.INGEST, rules: { ...rules, ...overrides }, now: new Date(now) }, clock, {
        paper,
        comment: "",
      });

    it("weekdays only: refuses on Saturday and Sunday (UTC) without asking arXiv, unless weekends are allowed", async () => {
      const arxiv = stubArxiv();
      for (const now of ["2026-06-13T09:00:00Z", "2026-06-14T23:59:59Z", "2026-06-12T23:59:59-01:00"]) {
        const result = await run(now, "2606.13677");
        expect(result, now).toMatchObject({ ok: false, code: "weekdays-only", rule: "Weekdays only", status: 409 });
      }
      expect(arxiv.calls).toEqual([]);
      expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
      expect(await run("2026-06-13T09:00:00Z", "2606.13677", { weekends: true })).toEqual({
        ok: true,
        paperId: "2606.13677",
        day: "2026-06-13",
      });
      expect(await run("2026-06-15T00:00:00Z", "2606.13591")).toEqual({
        ok: true,
        paperId: "2606.13591",
        day: "2026-06-15",
      });
    });

    it("recent papers only: a paper of 2026-06-11 is taken up to 14 days later, not after", async () => {
      stubArxiv();
      expect(await run("2026-06-25T12:00:00Z", "2606.13677")).toMatchObject({ ok: true, day: "2026-06-25" });
      const late = await run("2026-06-26T00:00:01Z", "2606.13591");
      expect(late).toMatchObject({ ok: false, code: "too-old", rule: "Recent papers only" });
      expect(await entryOf("2606.13591")).toBeUndefined();
      expect(await db().select().from(papers).where(eq(papers.id, "2606.13591")).get()).toBeUndefined();
    });

    it("counts the cap on the UTC day of the submission", async () => {
      stubArxiv();
      expect(await run("2026-06-15T10:00:00Z", "2606.13677", { dailyCap: 1 })).toMatchObject({ ok: true });
      expect(await run("2026-06-15T23:59:00Z", "2606.13591", { dailyCap: 1 })).toMatchObject({
        ok: false,
        code: "daily-cap",
      });
      expect(await run("2026-06-16T00:00:00Z", "2606.13591", { dailyCap: 1 })).toMatchObject({
        ok: true,
        day: "2026-06-16",
      });
    });
  });
});

describe("refused attempts are limited", () => {
  it("an account's attempts: after SUBMIT_LIMIT.perAccount in the window, a 429 of its own that asks arXiv nothing", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    // Every attempt fails a rule that needs the lookup: arXiv knows no such paper.
    const arxiv = stubArxiv(() => xml(fx.atomZeroResults));
    const { cookie } = await author();
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 30; i++) {
      const res = await submit(cookie, { paper: `2612.${String(90000 + i)}` });
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses.slice(0, SUBMIT_LIMIT.perAccount)).toEqual(Array(SUBMIT_LIMIT.perAccount).fill(404));
    expect(statuses.slice(SUBMIT_LIMIT.perAccount)).toEqual(Array(30 - SUBMIT_LIMIT.perAccount).fill(429));
    expect(arxiv.calls).toHaveLength(SUBMIT_LIMIT.perAccount);
    expectPrivate(refused!);
    expect(refused!.headers.get("Retry-After")).toMatch(/^\d+$/);
    const text = await plain(refused!);
    expect(text).toContain("Too many submission attempts");
    expect(text).not.toContain("subscription");
    expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
  });

  it("a client's attempts, whatever the accounts: after SUBMIT_LIMIT.perClient, a 429", async () => {
    stubArxiv(() => xml(fx.atomZeroResults));
    const client = "192.0.2.19";
    const cookies: string[] = [];
    for (let i = 0; i < 3; i++) cookies.push((await author(`sock${i}`)).cookie);
    const statuses: number[] = [];
    for (let i = 0; i < SUBMIT_LIMIT.perClient + 1; i++) {
      const init = { method: "POST", headers: { Cookie: cookies[i % 3]! } };
      const res = await request("/papers/submit", init, { form: { paper: "0000.0000" }, env: OPEN, client });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("arXiv's pace", () => {
  it("spaces every lookup three seconds apart across concurrent submissions, and refuses one whose turn is far away, writing nothing", async () => {
    const arxiv = stubArxiv();
    const now = Date.parse("2031-03-02T12:00:00Z");
    const slept: number[] = [];
    const config = readIngestConfig({ ...env, ARXIV_MIN_INTERVAL_MS: "3000" });
    const deps = { d1: env.DB, now: () => now, sleep: async (ms: number) => void slept.push(ms) };
    const ids = ["2606.13677", "2606.13591", "2606.13568", "2606.13515", "2606.13501"];
    const answers = await Promise.all(ids.map((id) => lookupArxivPaper(config, id, deps)));
    // 3 s apart: 0, 3, 6, 9 s; the fifth would wait 12 s, more than LOOKUP_MAX_WAIT_MS.
    expect(answers.filter((a) => a.ok)).toHaveLength(4);
    expect(answers.filter((a) => !a.ok)).toEqual([{ ok: false, failure: "busy" }]);
    expect(slept.sort((a, b) => a - b)).toEqual([3000, 6000, 9000]);
    expect(arxiv.calls).toHaveLength(4);
    // A refused turn is not taken: the next free one is still 12 s away, not 15.
    const later = await lookupArxivPaper(config, "2606.13677", { ...deps, now: () => now + 3000 });
    expect(later).toMatchObject({ ok: true });
    expect(slept.at(-1)).toBe(9000);
  });

  it("paces a retry too, and a run shares the turns with the lookups", async () => {
    const answers = [new Response("busy", { status: 503 })];
    stubArxiv(() => answers.shift() ?? xml(feedFor(["2606.13677"])));
    const now = Date.parse("2031-03-03T12:00:00Z");
    const slept: number[] = [];
    const config = readIngestConfig({ ...env, ARXIV_MIN_INTERVAL_MS: "3000" });
    const deps = { d1: env.DB, now: () => now, sleep: async (ms: number) => void slept.push(ms) };
    const lookup = await lookupArxivPaper(config, "2606.13677", deps);
    expect(lookup).toMatchObject({ ok: true });
    // The retry's turn is 3 s after the first request's (the backoff is 0 in tests).
    expect(slept.filter((ms) => ms > 0)).toEqual([3000]);
    const turn = await env.DB.prepare("SELECT next_at_ms FROM send_pacer WHERE name = 'arxiv'").first<{
      next_at_ms: number;
    }>();
    expect(turn!.next_at_ms).toBe(now + 6000);

    // A run's requests take their turns from the same table: one held a minute away by a lookup is
    // waited for, however far (the run reads the real clock; a minute leaves any stall room).
    await env.DB.prepare("UPDATE send_pacer SET next_at_ms = ? WHERE name = 'arxiv'")
      .bind(Date.now() + 60_000)
      .run();
    const waits: number[] = [];
    const paced = { ...env, ARXIV_MIN_INTERVAL_MS: "3000" };
    const run = await runIngest(
      paced,
      { source: "arxiv-api", ids: ["2606.13677"] },
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(run.status).toBe("ok");
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(30_000);
    expect(waits[0]).toBeLessThanOrEqual(60_000);
  });

  it("answers a lookup whose turn is far away with a clear refusal that writes nothing", async () => {
    const arxiv = stubArxiv();
    const { cookie } = await author();
    // Another invocation holds arXiv's turns for the next minute.
    await env.DB.prepare("INSERT INTO send_pacer (name, next_at_ms) VALUES ('arxiv', ?)")
      .bind(Date.now() + 60_000)
      .run();
    const res = await submit(cookie, { paper: "2606.13677", comment: "soon" });
    expect(res.status).toBe(503);
    expectPrivate(res);
    expect(await plain(res)).toContain(
      "Not submitted. arXiv is busy: Paperboy is asking arXiv for other papers right now. Nothing was submitted: please try again in a minute.",
    );
    expect(arxiv.calls).toEqual([]);
    expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
  });
});

describe("when arXiv fails", () => {
  const cases: [string, (url: URL) => Response | Promise<Response>, number, string][] = [
    [
      "an unknown id (an empty feed)",
      () => xml(fx.atomZeroResults),
      404,
      "Not on arXiv: arXiv has no paper 0000.0000.",
    ],
    [
      "an id arXiv cannot read (400 and an error entry)",
      () => xml(fx.atomErrorEntry, 400),
      404,
      "Not on arXiv: arXiv has no paper 0000.0000.",
    ],
    [
      "a 503",
      () => new Response("Service Unavailable", { status: 503 }),
      502,
      "arXiv is unavailable: arXiv is not answering right now. Nothing was submitted",
    ],
    ["a network failure", () => Promise.reject(new TypeError("connection reset")), 502, "arXiv is unavailable:"],
    ["a feed that is not Atom", () => xml("<html>maintenance</html>"), 502, "arXiv is unavailable:"],
    [
      "a timeout",
      () => Promise.reject(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
      504,
      "arXiv is slow: arXiv took too long to answer. Nothing was submitted",
    ],
  ];
  for (const [what, respond, status, message] of cases) {
    it(`answers ${what} with a clear message and writes nothing`, async () => {
      vi.spyOn(console, "warn").mockImplementation(() => {});
      const arxiv = stubArxiv(respond);
      const { cookie } = await author();
      const res = await submit(cookie, { paper: "0000.0000", comment: "a comment" });
      expect(res.status).toBe(status);
      expectPrivate(res);
      const text = await res.text();
      expect(text.replace(/<[^>]+>/g, "")).toContain(`Not submitted. ${message}`);
      expect(text).toContain('value="0000.0000"');
      expect(arxiv.calls.length).toBeGreaterThanOrEqual(1);
      expect(await rowCounts()).toEqual({ papers: 0, entries: 0, comments: 0 });
    });
  }

  it("retries a failure once, then gives up: two requests in all", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const arxiv = stubArxiv(() => new Response("busy", { status: 503 }));
    const { cookie } = await author();
    expect((await submit(cookie, { paper: "2606.13677" })).status).toBe(502);
    expect(arxiv.calls).toHaveLength(2);
  });
});

describe("a submitted paper later", () => {
  it("stays featured once, on its first day with its submitter, when the upstream feed features it too", async () => {
    stubArxiv();
    const { id: accountId, cookie } = await author();
    expect((await submit(cookie, { paper: "2606.13677" })).status).toBe(303);
    vi.restoreAllMocks();
    const items = JSON.parse(fx.hfDaily2026) as {
      paper: { id: string; upvotes: number };
      submittedBy: { name: string };
    }[];
    items[0]!.paper.id = "2606.13677";
    items[0]!.paper.upvotes = 42;
    const run = await ingestHfDaily(JSON.stringify(items), "2026-06-12");
    expect(run.status).toBe("ok");
    expect(await entryOf("2606.13677")).toMatchObject({
      day: todayUtc(),
      source: "submission",
      submitterAccountId: accountId,
      submitterName: "ada",
      submitterFullname: "Ada Lovelace",
      upstreamUpvotes: 42,
    });
    expect(
      (await db().select({ n: count() }).from(dailyEntries).where(eq(dailyEntries.paperId, "2606.13677")).get())!.n,
    ).toBe(1);
    expect((await submittedBy("ada")).map((i) => i.paper.id)).toEqual(["2606.13677"]);
    expect((await submittedBy(items[0]!.submittedBy.name)).map((i) => i.paper.id)).not.toContain("2606.13677");
  });

  it("is not written by the ingest worker when another entry won the race, and that entry keeps its counts", async () => {
    await ingestHfDaily();
    const featured = (await entryOf("2606.00467"))!;
    const { id: accountId } = await author();
    const paper = (await db().select().from(papers).where(eq(papers.id, "2606.00467")).get())!;
    const result = await env.INGEST.recordSubmission({
      paper: {
        id: paper.id,
        version: 1,
        title: paper.title,
        abstract: paper.abstract,
        authors: paper.authors,
        categories: ["cs.LG"],
        published: paper.published,
        updated: paper.updated,
        comment: undefined,
        journalRef: undefined,
        doi: undefined,
      },
      entry: {
        day: "2026-12-01",
        paperId: paper.id,
        source: "submission",
        submitterName: "ada",
        submitterFullname: undefined,
        submitterAvatarUrl: undefined,
        thumbnail: undefined,
        submitterAccountId: accountId,
        upstreamUpvotes: 0,
        numComments: 0,
      },
      comment: { accountId, body: "late" },
      dailyCap: 3,
    });
    expect(result).toEqual({ ok: false, refused: "featured-once", featuredOn: "2026-06-12" });
    expect(await entryOf("2606.00467")).toEqual(featured);
    expect(await db().select().from(comments)).toEqual([]);
  });

  it("is refused by the ingest worker with a comment over the product's cap of 1,000 characters, and nothing is written", async () => {
    const { id: accountId } = await author();
    // async: a native promise, not the RPC stub's, for expect().rejects.
    const write = async (body: string) =>
      env.INGEST.recordSubmission({
        paper: {
          id: "2606.13677",
          version: 1,
          title: "A paper",
          abstract: "An abstract.",
          authors: ["Ada Lovelace"],
          categories: ["cs.LG"],
          published: "2026-06-11T00:00:00.000Z",
          updated: "2026-06-11T00:00:00.000Z",
        },
        entry: {
          day: todayUtc(),
          paperId: "2606.13677",
          source: "submission",
          submitterName: "ada",
          submitterAccountId: accountId,
          upstreamUpvotes: 0,
          numComments: 0,
        },
        comment: { accountId, body },
        dailyCap: 3,
      });
    await expect(write("x".repeat(1_001))).rejects.toThrow();
    expect(await db().select().from(papers)).toEqual([]);
    expect(await db().select().from(dailyEntries)).toEqual([]);
    expect(await db().select().from(comments)).toEqual([]);
    expect(await write("x".repeat(1_000))).toEqual({ ok: true });
    expect((await db().select().from(comments)).map((c) => c.body.length)).toEqual([1_000]);
  });

  it("follows its account's new handle and display name, on pages and in the API", async () => {
    stubArxiv();
    const { id: accountId, cookie } = await author();
    expect((await submit(cookie, { paper: "2606.13677" })).status).toBe(303);
    const saved = await request(
      "/account/profile",
      { method: "POST", headers: { Cookie: cookie } },
      { form: { handle: "ada-l", displayName: "Countess Ada" } },
    );
    expect(saved.status).toBe(200);
    expect(await entryOf("2606.13677")).toMatchObject({
      submitterAccountId: accountId,
      submitterName: "ada-l",
      submitterFullname: "Countess Ada",
    });
    expect(await submittedBy("ada")).toEqual([]);
    expect((await submittedBy("ada-l"))[0]!.submittedBy).toMatchObject({ name: "ada-l", fullname: "Countess Ada" });
    expect((await page("/papers/2606.13677")).text).toContain('Submitted by <a href="/u/ada-l">Countess Ada</a>');
    // A display name cleared: the handle is shown.
    await request(
      "/account/profile",
      { method: "POST", headers: { Cookie: cookie } },
      { form: { handle: "ada-l", displayName: "" } },
    );
    expect(await entryOf("2606.13677")).toMatchObject({ submitterName: "ada-l", submitterFullname: null });
  });

  it("stays featured without a submitter when its account is erased", async () => {
    stubArxiv();
    const { cookie } = await author();
    expect((await submit(cookie, { paper: "2606.13677" })).status).toBe(303);
    const erased = await request(
      "/account/delete",
      { method: "POST", headers: { Cookie: cookie } },
      { form: { confirm: "yes" } },
    );
    expect(erased.status).toBe(303);
    expect(await entryOf("2606.13677")).toMatchObject({
      day: todayUtc(),
      source: "submission",
      submitterAccountId: null,
      submitterName: null,
      submitterFullname: null,
    });
    expect(await submittedBy("ada")).toEqual([]);
    const text = (await page("/papers/2606.13677")).text;
    expect(text).not.toContain("Submitted by");
    expect(text).not.toContain("Ada Lovelace");
    expect(text).not.toContain('href="/u/ada"');
  });

  it("links only a Paperboy account's name: upstream's submitters stay plain text", async () => {
    await ingestHfDaily();
    const text = (await page("/papers/date/2026-06-12")).text;
    expect(text).toContain("Submitted by ");
    expect(text).not.toContain('href="/u/');
  });
});

describe("a handle and an upstream submitter's name", () => {
  it("refuses a handle that is the name of a Hugging Face submitter of featured papers, whatever its case, and changes nothing", async () => {
    await ingestHfDaily(); // RKocielnik and siyich submitted papers of 2026-06-12
    const { id, cookie } = await author();
    for (const handle of ["rkocielnik", "siyich", " siyich "]) {
      const res = await request(
        "/account/profile",
        { method: "POST", headers: { Cookie: cookie } },
        { form: { handle, displayName: "" } },
      );
      expect(res.status, handle).toBe(409);
      expect(await res.text(), handle).toContain(
        "Not saved: this handle is the name of a Hugging Face submitter of papers featured here",
      );
      expect((await db().select().from(accounts).where(eq(accounts.id, id)).get())!.handle).toBe("ada");
    }
    const fine = await request(
      "/account/profile",
      { method: "POST", headers: { Cookie: cookie } },
      { form: { handle: "siyich-2", displayName: "" } },
    );
    expect(fine.status).toBe(200);
  });

  it("submitter= lists the Paperboy account that holds the name or else the upstream submitter, never both, when a name collides later", async () => {
    stubArxiv();
    const { id, cookie } = await author("siyich", null);
    expect((await submit(cookie, { paper: "2606.13677" })).status).toBe(303);
    await ingestHfDaily(); // upstream's siyich arrives after the account took the name
    // a new address each time (limit is part of the cache key): the API's answers are kept briefly
    let limit = 90;
    const listed = async (name: string) =>
      (await (await request(`/api/daily_papers?submitter=${name}&limit=${limit++}`)).json()) as {
        paper: { id: string };
        submittedBy: { name: string };
      }[];
    const ids = async (name: string) => (await listed(name)).map((i) => i.paper.id).sort();
    expect(await ids("siyich")).toEqual(["2606.13677"]);
    expect((await listed("siyich"))[0]!.submittedBy.name).toBe("siyich");
    expect(await ids("RKocielnik")).toEqual(["2606.00467", "2606.12730"]);
    // with a day too, and once the account gives the name up, upstream's siyich is listed
    expect((await (await request("/api/daily_papers?date=2026-06-12&submitter=siyich")).json()) as unknown[]).toEqual(
      [],
    );
    await db().update(accounts).set({ handle: "someone-else" }).where(eq(accounts.id, id));
    expect(await ids("siyich")).toEqual(["2606.13594"]);
  });
});
