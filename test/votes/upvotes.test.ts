import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { dayPeriod } from "#shared/domain/periods";
import { VOTE_LIMIT } from "../../workers/api/src/votes/vote-routes";
import { periodCandidates } from "../../workers/mailer/src/digest-query";
import { signedInAccount } from "../support/accounts";
import { ingestHfDaily } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import { ORIGIN, request } from "../support/request";

const ZERO = "2606.00467"; // 0 upstream upvotes in the capture of 2026-06-12
const FIVE = "2606.12730"; // 5 upstream upvotes

beforeEach(async () => {
  await emptyDatabase();
  await ingestHfDaily();
});

const localCount = async (id: string) =>
  (await env.DB.prepare("SELECT local_upvotes AS n FROM papers WHERE id = ?1").bind(id).first<{ n: number }>())!.n;
const voteRows = async (id: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM upvotes WHERE paper_id = ?1").bind(id).first<{ n: number }>())!.n;

/** The no-JavaScript form, posted from `from` (its Referer). */
const toggle = (
  id: string,
  cookie: string | null,
  from = `/papers/date/2026-06-12`,
  headers: Record<string, string> = {},
) =>
  request(
    `/papers/${id}/upvote`,
    { method: "POST", headers: { ...(cookie ? { Cookie: cookie } : {}), Referer: `${ORIGIN}${from}`, ...headers } },
    { form: {} },
  );

/** The page script's JSON calls. */
const put = (id: string, cookie: string, headers: Record<string, string> = {}) =>
  request(`/api/me/upvotes/${id}`, { method: "PUT", headers: { Cookie: cookie, Origin: ORIGIN, ...headers } });
const del = (id: string, cookie: string) =>
  request(`/api/me/upvotes/${id}`, { method: "DELETE", headers: { Cookie: cookie, Origin: ORIGIN } });

describe("the upvote form, without JavaScript", () => {
  it("toggles the vote and answers 303 back to the card on the page it came from", async () => {
    const { cookie } = await signedInAccount();
    const first = await toggle(FIVE, cookie, "/papers/week/2026-W24?sort=trending");
    expect(first.status).toBe(303);
    expect(first.headers.get("Location")).toBe(`/papers/week/2026-W24?sort=trending#paper-${FIVE}`);
    expect(first.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await localCount(FIVE)).toBe(1);
    const second = await toggle(FIVE, cookie);
    expect(second.headers.get("Location")).toBe(`/papers/date/2026-06-12#paper-${FIVE}`);
    expect(await localCount(FIVE)).toBe(0);
  });

  it("goes back to the paper's page when the Referer is missing or another site's", async () => {
    const { cookie } = await signedInAccount();
    const res = await request(
      `/papers/${ZERO}/upvote`,
      { method: "POST", headers: { Cookie: cookie, Referer: "https://elsewhere.example/papers/date/2026-06-12" } },
      { form: {} },
    );
    expect(res.headers.get("Location")).toBe(`/papers/${ZERO}#paper-${ZERO}`);
  });

  it("refuses a vote without a session, or from a session that expired or was signed out, with a page that says to sign in", async () => {
    const expired = await signedInAccount("expired", { expiresAt: Date.now() - 1 });
    const revoked = await signedInAccount("revoked");
    await env.DB.prepare("DELETE FROM sessions WHERE account_id = ?1").bind(revoked.id).run();
    for (const cookie of [null, expired.cookie, revoked.cookie, "__Host-session=made-up"]) {
      const res = await toggle(ZERO, cookie);
      expect(res.status, String(cookie)).toBe(401);
      expect(await res.text()).toContain('href="/signin"');
    }
    expect(await voteRows(ZERO)).toBe(0);
  });

  it("refuses a form posted from another site, an id that is not arXiv's, and a paper not in the catalog", async () => {
    const { cookie } = await signedInAccount();
    expect((await toggle(ZERO, cookie, "/", { Origin: "https://evil.example" })).status).toBe(403);
    expect((await toggle("not-an-id", cookie)).status).toBe(400);
    expect((await toggle("2606.99999", cookie)).status).toBe(404);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM upvotes").first("n")).toBe(0);
  });
});

describe("the page script's JSON", () => {
  it("votes and unvotes idempotently, answering the counts shown", async () => {
    const { cookie } = await signedInAccount();
    for (let i = 0; i < 2; i++) {
      const res = await put(FIVE, cookie);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ paperId: FIVE, voted: true, upvotes: 6, localUpvotes: 1 });
    }
    for (let i = 0; i < 2; i++)
      expect(await (await del(FIVE, cookie)).json()).toEqual({
        paperId: FIVE,
        voted: false,
        upvotes: 5,
        localUpvotes: 0,
      });
  });

  it("/api/me says who is signed in and what they upvoted, privately, without the public API's CORS", async () => {
    const { cookie } = await signedInAccount("ada");
    await put(ZERO, cookie);
    await put(FIVE, cookie);
    const me = await request("/api/me", { headers: { Cookie: cookie, Origin: "https://elsewhere.example" } });
    expect(me.headers.get("Cache-Control")).toBe("private, no-store");
    expect(me.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const body = (await me.json()) as { account: { handle: string }; upvoted: string[] };
    expect(body.account).toEqual({ handle: "ada", displayName: null });
    expect(body.upvoted.sort()).toEqual([ZERO, FIVE].sort());
    const anonymous = await request("/api/me");
    expect(await anonymous.json()).toEqual({ account: null, upvoted: [] });
    expect(anonymous.headers.get("Cache-Control")).toBe("private, no-store");
  });

  it("answers without a session 401, from another origin 403, and a bad id 400, in the API's error shape", async () => {
    const { cookie } = await signedInAccount();
    const anonymous = await request(`/api/me/upvotes/${ZERO}`, { method: "PUT" });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: "unauthorized" });
    const cross = await put(ZERO, cookie, { Origin: "https://evil.example" });
    expect(cross.status).toBe(403);
    expect(await cross.json()).toMatchObject({ code: "forbidden" });
    expect(await (await put("x", cookie)).json()).toMatchObject({ code: "invalid_id" });
    expect((await put("2606.99999", cookie)).status).toBe(404);
    expect(await voteRows(ZERO)).toBe(0);
  });

  it("limits votes per account, whatever the client address, and a refused vote counts nothing", async () => {
    const { cookie } = await signedInAccount();
    for (let i = 0; i < VOTE_LIMIT.max; i++) expect((await (i % 2 ? del : put)(ZERO, cookie)).status).toBe(200);
    const over = await put(ZERO, cookie);
    expect(over.status).toBe(429);
    expect(over.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await voteRows(ZERO)).toBe(0);
    const other = await signedInAccount();
    expect((await put(ZERO, other.cookie)).status).toBe(200);
  });
});

describe("a paper a curator hid", () => {
  it("takes no vote, no unvote and no toggle, from the form or the JSON, and answers as for an unknown paper", async () => {
    const before = await signedInAccount("before");
    expect((await put(FIVE, before.cookie)).status).toBe(200);
    await env.DB.prepare("UPDATE papers SET hidden_at = ?1 WHERE id = ?2").bind(new Date().toISOString(), FIVE).run();
    const { cookie } = await signedInAccount("after");
    const unknownJson = (await (await put("2606.99999", cookie)).json()) as { error: string; code: string };
    const unknownPage = await (await toggle("2606.99999", cookie)).text();
    for (const [who, call] of [
      ["a new vote", () => put(FIVE, cookie)],
      ["an unvote of a standing vote", () => del(FIVE, before.cookie)],
      ["a vote that stands", () => put(FIVE, before.cookie)],
    ] as const) {
      const res = await call();
      expect(res.status, who).toBe(404);
      expect(await res.json(), who).toEqual({ ...unknownJson, error: unknownJson.error.replace("2606.99999", FIVE) });
    }
    for (const voter of [cookie, before.cookie]) {
      const res = await toggle(FIVE, voter);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe(unknownPage.replaceAll("2606.99999", FIVE));
    }
    expect(await voteRows(FIVE)).toBe(1);
    expect(await localCount(FIVE)).toBe(1);
  });
});

describe("votes under concurrency", () => {
  it("220 accounts voting and unvoting one paper at once end with the count of those whose last action was a vote", async () => {
    const voters = await Promise.all(Array.from({ length: 220 }, (_, i) => signedInAccount(`voter-${i}`)));
    // Each account's own actions run in order; all accounts run at once. Some end voted, some not,
    // some go through the form's toggle.
    const plans = voters.map((_, i) =>
      i % 4 === 0
        ? ["put", "del", "put"]
        : i % 4 === 1
          ? ["put", "del"]
          : i % 4 === 2
            ? ["toggle", "toggle", "toggle"]
            : ["put", "put", "del", "toggle", "toggle"],
    );
    const expected = plans.filter((p) =>
      ["put", "toggle"].includes(
        p.reduce((state, a) => (a === "put" ? "put" : a === "del" ? "del" : state === "put" ? "del" : "put"), "del"),
      ),
    ).length;
    let requests = 0;
    await Promise.all(
      voters.map(async (v, i) => {
        for (const action of plans[i]!) {
          requests++;
          const res =
            action === "put"
              ? await put(FIVE, v.cookie)
              : action === "del"
                ? await del(FIVE, v.cookie)
                : await toggle(FIVE, v.cookie);
          expect([200, 303]).toContain(res.status);
        }
      }),
    );
    expect(requests).toBeGreaterThanOrEqual(200);
    expect(expected).toBe(110);
    expect(await voteRows(FIVE)).toBe(expected);
    expect(await localCount(FIVE)).toBe(expected);
    const paper = (await (await request(`/api/papers/${FIVE}`)).json()) as {
      upvotes: number;
      localUpvotes: number;
      upstreamUpvotes: number;
    };
    expect(paper).toMatchObject({ upvotes: expected + 5, localUpvotes: expected, upstreamUpvotes: 5 });
  });
});

describe("an account that goes", () => {
  it("takes its votes out of every count at once", async () => {
    const a = await signedInAccount();
    const b = await signedInAccount();
    await put(ZERO, a.cookie);
    await put(ZERO, b.cookie);
    expect(await localCount(ZERO)).toBe(2);
    await env.DB.prepare("DELETE FROM accounts WHERE id = ?1").bind(a.id).run();
    expect(await localCount(ZERO)).toBe(1);
    expect(await voteRows(ZERO)).toBe(1);
  });
});

describe("counts everywhere: local plus upstream", () => {
  it("moves a paper up the day page, trending, the API, the feeds and the digest alike", async () => {
    // ZERO has no upstream upvotes; one local vote more than the capture's most upvoted paper puts it first.
    const top = (await env.DB.prepare("SELECT max(upstream_upvotes) AS n FROM daily_entries").first<{ n: number }>())!
      .n;
    const voters = await Promise.all(Array.from({ length: top + 1 }, () => signedInAccount()));
    for (const v of voters) expect((await put(ZERO, v.cookie)).status).toBe(200);
    const total = top + 1;

    const api = (await (await request("/api/daily_papers?date=2026-06-12")).json()) as {
      paper: { id: string; upvotes: number; localUpvotes: number; upstreamUpvotes: number };
    }[];
    expect(api[0]!.paper).toMatchObject({ id: ZERO, upvotes: total, localUpvotes: total, upstreamUpvotes: 0 });
    for (const path of ["/papers/date/2026-06-12", "/papers/trending", "/papers/week/2026-W24"]) {
      const html = await (await request(path)).text();
      expect(/id="paper-([^"]+)"/.exec(html)?.[1], path).toBe(ZERO);
    }
    expect(
      ((await (await request("/api/daily_papers?date=2026-06-12&sort=trending")).json()) as typeof api)[0]!.paper.id,
    ).toBe(ZERO);
    const feed = await (await request("/feeds/trending.rss")).text();
    expect(/<item>[\s\S]*?<link>[^<]*\/papers\/([^<]+)<\/link>/.exec(feed)?.[1]).toBe(ZERO);
    const digest = await periodCandidates(createDb(env.DB), dayPeriod("2026-06-12"));
    expect(digest[0]).toMatchObject({ id: ZERO, upvotes: total });
  });
});
