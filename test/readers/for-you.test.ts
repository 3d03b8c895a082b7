import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { forYou, rankAhead } from "#shared/readers/reader-store";
import { vectorsFrom } from "#shared/vectors/from-env";
import { embedWaiting } from "#shared/vectors/paper-vectors";
import { vectorizeIndex } from "#shared/vectors/vectorize";
import type { VectorIndex } from "#shared/vectors/vectors";
import { castVote } from "../../workers/api/src/votes/vote-store";
import { signedInAccount } from "../support/accounts";
import { insertPapers } from "../support/catalog";
import { countOf, emptyDatabase } from "../support/database";
import { type FakeAi, type FakeVectorize, fakeAi, fakeVectorize } from "../support/fake-vectors";
import { freshWindow, WINDOW_TEST_TIMEOUT } from "../support/rate-limit-window";
import { request } from "../support/request";

// Two topics in the last two weeks (the newest paper: June 20), an author on one paper of the
// second, and a paper of the first published long before the window.
const DECODING = Array.from({ length: 6 }, (_, i) => `2606.0010${i}`);
const PROTEIN = Array.from({ length: 6 }, (_, i) => `2606.0020${i}`);
const LISKOV = "2606.00300";
const OLD = "2605.00100";
let ai: FakeAi;
let vz: FakeVectorize;
const vectorEnv = () => ({ AI: ai, VECTORIZE: vz });
const db = () => createDb(env.DB);

beforeEach(async () => {
  await emptyDatabase();
  ai = fakeAi();
  vz = fakeVectorize();
  await insertPapers([
    ...DECODING.map((id, i) => ({
      id,
      day: `2026-06-${11 + i}`,
      upvotes: i,
      title: `Speculative decoding with draft trees, variant ${i}`,
      abstract: `Draft models propose tokens that a target model verifies in speculative decoding, variant ${i}.`,
    })),
    ...PROTEIN.map((id, i) => ({
      id,
      day: `2026-06-${11 + i}`,
      upvotes: 10 + i,
      title: `Protein folding by diffusion, study ${i}`,
      abstract: `We predict protein structures by folding amino acid sequences with diffusion, study ${i}.`,
    })),
    {
      id: LISKOV,
      day: "2026-06-20",
      title: "Protein structure benchmarks",
      abstract: "Benchmarks of protein structure prediction.",
      authors: ["Barbara Liskov"],
    },
    {
      id: OLD,
      day: "2026-05-01",
      title: "Speculative decoding with draft trees, the first variant",
      abstract: "Draft models propose tokens that a target model verifies in speculative decoding.",
    },
  ]);
  const vectors = (await vectorsFrom({ ...env, ...vectorEnv() }, db()))!;
  expect(await embedWaiting(db(), vectors, { limit: 100, now: new Date() })).toMatchObject({ remaining: 0 });
});

const page = async (cookie: string) => {
  const res = await request("/for-you", { headers: { Cookie: cookie } }, { env: vectorEnv() });
  expect(res.status).toBe(200);
  expect(res.headers.get("Cache-Control")).toBe("private, no-store");
  return res.text();
};
const listed = (html: string) => [...html.matchAll(/<li class="card[^"]*" id="paper-([^"]+)"/g)].map((m) => m[1]!);
const post = (path: string, cookie: string, form: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  request(path, { method: "POST", headers: { Cookie: cookie, ...headers } }, { form, env: vectorEnv() });
const upvote = (accountId: string, id: string) => castVote(db(), accountId, id, "vote");

describe("For you", () => {
  it("asks a signed-out visitor to sign in, privately; the JSON answers 401", async () => {
    const res = await request("/for-you");
    expect(res.status).toBe(401);
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await res.text()).toContain('href="/signin"');
    const api = await request("/api/me/for-you");
    expect(api.status).toBe(401);
    expect(api.headers.get("Cache-Control")).toBe("private, no-store");
  });

  it("asks a person with nothing given to pick three papers or topics, with trending papers to start from", async () => {
    const { cookie } = await signedInAccount();
    const html = await page(cookie);
    expect(html).toContain("Pick three papers or topics first");
    expect(html).toContain('action="/follows"');
    expect(listed(html)).toContain(PROTEIN[5]);
  });

  it("ranks the window's papers like the ones upvoted first, says which, and never lists an upvoted or old one", async () => {
    const { cookie, id } = await signedInAccount();
    for (const paper of DECODING.slice(0, 3)) await upvote(id, paper);
    const html = await page(cookie);
    expect(html).not.toContain("Pick three papers or topics first");
    const ids = listed(html);
    expect(ids.slice(0, 3).sort()).toEqual(DECODING.slice(3).sort());
    expect(ids).not.toContain(DECODING[0]);
    expect(ids).not.toContain(OLD);
    expect(html).toMatch(
      /Like <a href="\/papers\/2606\.0010[0-2]">Speculative decoding with draft trees, variant \d<\/a>, which you upvoted/,
    );
    const api = await request("/api/me/for-you?limit=2", { headers: { Cookie: cookie } }, { env: vectorEnv() });
    expect(api.headers.get("Cache-Control")).toBe("private, no-store");
    const body = (await api.json()) as { papers: { paper: { id: string }; reasons: { kind: string }[] }[] };
    expect(body.papers.map((p) => p.paper.id)).toEqual(ids.slice(0, 2));
    expect(body.papers[0]!.reasons[0]!.kind).toBe("like");
    expect((await request("/api/me/for-you?limit=500", { headers: { Cookie: cookie } })).status).toBe(400);
  });

  it("puts a followed author's paper first and a saved topic's above mere likeness, each saying why", async () => {
    const { cookie, id } = await signedInAccount();
    for (const paper of DECODING.slice(0, 3)) await upvote(id, paper);
    const followed = await post("/follows", cookie, { kind: "author", value: "barbara  LISKOV" });
    expect(followed.status).toBe(200);
    expect(await followed.text()).toContain("You now follow the author barbara LISKOV");
    expect((await post("/follows", cookie, { kind: "topic", value: "protein folding" })).status).toBe(200);
    const html = await page(cookie);
    const ids = listed(html);
    expect(ids[0]).toBe(LISKOV);
    expect(html).toContain('By <a href="/authors/Barbara%20Liskov">Barbara Liskov</a>, an author you follow');
    expect(html).toContain("Matches your topic “protein folding”");
    // the topic's papers come before the upvotes' look-alikes
    expect(ids.slice(1, 7).sort()).toEqual([...PROTEIN].sort());
  });

  it("a paper marked not for me leaves the list and pushes its look-alikes down", async () => {
    const { cookie, id } = await signedInAccount();
    for (const paper of [...DECODING.slice(0, 2), ...PROTEIN.slice(0, 2)]) await upvote(id, paper);
    const before = listed(await page(cookie));
    expect(before).toContain(PROTEIN[5]);
    const marked = await post(`/papers/${PROTEIN[5]}/not-for-me`, cookie);
    expect(marked.status).toBe(303);
    expect(marked.headers.get("Location")).toBe("/for-you");
    const after = listed(await page(cookie));
    expect(after).not.toContain(PROTEIN[5]);
    // the other protein papers fall below the decoding ones
    expect(after.indexOf(PROTEIN[4]!)).toBeGreaterThan(after.indexOf(DECODING[5]!));
    expect(before.indexOf(PROTEIN[4]!)).toBeLessThan(before.indexOf(DECODING[5]!));
  });

  it("keeps the ranking until an input changes, also when the change lands while it is being built", async () => {
    const { id } = await signedInAccount();
    await upvote(id, DECODING[0]!);
    const index = vectorizeIndex(vz);
    const first = await forYou(db(), index, id, new Date("2026-06-21T00:00:00Z"));
    const again = await forYou(db(), index, id, new Date("2026-06-21T01:00:00Z"));
    expect(again.builtAt).toBe(first.builtAt);
    // a vote between the rebuild's reads and its write: the kept ranking is then stale
    let release!: () => void;
    const paused = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached!: () => void;
    const atVectors = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const slow: VectorIndex = {
      ...index,
      async vectorsOf(space, ids) {
        reached();
        await paused;
        return index.vectorsOf(space, ids);
      },
    };
    await upvote(id, PROTEIN[0]!);
    const building = forYou(db(), slow, id, new Date("2026-06-21T02:00:00Z"));
    await atVectors;
    await upvote(id, PROTEIN[1]!);
    release();
    const built = await building;
    expect(built.ranked.map((r) => r.paperId)).toContain(PROTEIN[1]);
    const next = await forYou(db(), index, id, new Date("2026-06-21T03:00:00Z"));
    expect(next.builtAt).toBe("2026-06-21T03:00:00.000Z");
    expect(next.ranked.map((r) => r.paperId)).not.toContain(PROTEIN[1]);
    // a new paper in the catalog makes it stale too
    await insertPapers([{ id: "2606.00400", day: "2026-06-22", title: "Speculative decoding, once more" }]);
    expect((await forYou(db(), index, id, new Date("2026-06-22T00:00:00Z"))).builtAt).toBe("2026-06-22T00:00:00.000Z");
  });

  it("a vote ranks again, ahead of the next view, for someone who reads For you; for no one else", async () => {
    const reader = await signedInAccount();
    const other = await signedInAccount();
    await upvote(reader.id, DECODING[0]!);
    await page(reader.cookie);
    const kept = () =>
      env.DB.prepare(
        "SELECT r.inputs AS kept, a.reader_inputs AS now, r.ranking AS ranking FROM reader_rankings r JOIN accounts a ON a.id = r.account_id WHERE r.account_id = ?",
      )
        .bind(reader.id)
        .first<{ kept: number; now: number; ranking: string }>();
    const before = (await kept())!;
    expect(before.kept).toBe(before.now);
    const ids = (ranking: string) => (JSON.parse(ranking) as { paperId: string }[]).map((r) => r.paperId);
    expect(ids(before.ranking)).toContain(DECODING[1]);
    for (const who of [reader, other])
      expect((await post(`/papers/${DECODING[1]}/upvote`, who.cookie)).status).toBe(303);
    const after = (await kept())!;
    expect(after.now).toBe(before.now + 1);
    expect(after.kept).toBe(after.now);
    expect(ids(after.ranking)).not.toContain(DECODING[1]);
    expect(await countOf("SELECT count(*) AS n FROM reader_rankings WHERE account_id = ?", other.id)).toBe(0);
  });

  it("the hourly cron ranks ahead the readers a newer paper made stale, if they were seen lately", async () => {
    const index = vectorizeIndex(vz);
    const seen = await signedInAccount();
    const away = await signedInAccount();
    for (const who of [seen, away]) {
      await upvote(who.id, DECODING[0]!);
      await forYou(db(), index, who.id, new Date("2026-06-21T00:00:00Z"));
    }
    await env.DB.prepare("UPDATE sessions SET last_seen_at = '2026-05-01T00:00:00.000Z' WHERE account_id = ?")
      .bind(away.id)
      .run();
    await insertPapers([
      {
        id: "2606.00500",
        day: "2026-06-22",
        title: "Speculative decoding with draft trees, a new variant",
        abstract: "Draft models propose tokens that a target model verifies in speculative decoding, anew.",
      },
    ]);
    const vectors = (await vectorsFrom({ ...env, ...vectorEnv() }, db()))!;
    await embedWaiting(db(), vectors, { limit: 100, now: new Date() });
    const now = new Date("2026-06-22T01:00:00Z");
    expect(await rankAhead(db(), index, now)).toBe(1);
    const kept = await env.DB.prepare("SELECT newest, ranking FROM reader_rankings WHERE account_id = ?")
      .bind(seen.id)
      .first<{ newest: string; ranking: string }>();
    expect(kept!.newest).toBe("2026-06-22T00:00:00.000Z");
    expect((JSON.parse(kept!.ranking) as { paperId: string }[]).slice(0, 6).map((r) => r.paperId)).toContain(
      "2606.00500",
    );
    // fresh now: a second run ranks no one
    expect(await rankAhead(db(), index, now)).toBe(0);
  });

  it("works without vectors: follows alone rank", async () => {
    const { cookie } = await signedInAccount();
    expect((await post("/follows", cookie, { kind: "category", value: "cs.LG" })).status).toBe(200);
    const res = await request("/for-you", { headers: { Cookie: cookie } });
    const html = await res.text();
    expect(listed(html).length).toBeGreaterThan(5);
    expect(html).toContain("In cs.LG, a category you follow");
  });
});

describe("follows and marks: bad input changes nothing", () => {
  it("refuses a second follow of the same, an unknown author, a 300-character topic, a cross-site post", async () => {
    const { cookie, id } = await signedInAccount();
    const inputs = () => countOf("SELECT reader_inputs AS n FROM accounts WHERE id = ?", id);
    expect((await post("/follows", cookie, { kind: "topic", value: "Speculative Decoding" })).status).toBe(200);
    expect(await inputs()).toBe(1);
    const again = await post("/follows", cookie, { kind: "topic", value: "speculative   decoding" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("You already follow the topic speculative decoding. Nothing changed.");
    const unknown = await post("/follows", cookie, { kind: "author", value: "<i>Nobody</i>" });
    expect(unknown.status).toBe(404);
    const text = await unknown.text();
    expect(text).toContain("No paper in the catalog has an author named &lt;i&gt;Nobody&lt;/i&gt;");
    expect(text).not.toContain("<i>Nobody</i>");
    const long = await post("/follows", cookie, { kind: "topic", value: "x".repeat(300) });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain("a topic is at most 100 characters");
    expect((await post("/follows", cookie, { kind: "mood", value: "happy" })).status).toBe(400);
    expect((await post("/follows", cookie, { kind: "category", value: "not a category" })).status).toBe(400);
    const crossSite = await post(
      "/follows",
      cookie,
      { kind: "topic", value: "diffusion" },
      { Origin: "https://evil.test" },
    );
    expect(crossSite.status).toBe(403);
    expect(await countOf("SELECT count(*) AS n FROM follows WHERE account_id = ?", id)).toBe(1);
    expect(await inputs()).toBe(1);
  });

  it("refuses a mark on an unknown or hidden paper, and a follow past the hundredth", async () => {
    const { cookie, id } = await signedInAccount();
    expect((await post("/papers/2699.99999/not-for-me", cookie)).status).toBe(404);
    await env.DB.prepare("UPDATE papers SET hidden_at = ? WHERE id = ?").bind(new Date().toISOString(), OLD).run();
    expect((await post(`/papers/${OLD}/not-for-me`, cookie)).status).toBe(404);
    expect(await countOf("SELECT count(*) AS n FROM not_for_me")).toBe(0);
    await env.DB.batch(
      Array.from({ length: 100 }, (_, i) =>
        env.DB.prepare("INSERT INTO follows (account_id, kind, key, label) VALUES (?1, 'topic', ?2, ?2)").bind(
          id,
          `topic ${i}`,
        ),
      ),
    );
    const full = await post("/follows", cookie, { kind: "topic", value: "one more" });
    expect(full.status).toBe(409);
    expect(await countOf("SELECT count(*) AS n FROM follows WHERE account_id = ?", id)).toBe(100);
    expect(await countOf("SELECT reader_inputs AS n FROM accounts WHERE id = ?", id)).toBe(0);
  });

  it(
    "limits follows and marks per account",
    async () => {
      const { cookie } = await signedInAccount();
      await freshWindow();
      for (let i = 0; i < 30; i++)
        expect((await post("/follows", cookie, { kind: "topic", value: `topic number ${i}` })).status).toBe(200);
      expect((await post("/follows", cookie, { kind: "topic", value: "one too many" })).status).toBe(429);
    },
    WINDOW_TEST_TIMEOUT,
  );
});

describe("the account's For you", () => {
  it("lists the follows with a remove button; removing twice says there was nothing", async () => {
    const { cookie, id } = await signedInAccount();
    await post("/follows", cookie, { kind: "author", value: "Barbara Liskov" });
    await post("/follows", cookie, { kind: "category", value: "cs.CL" });
    const account = await (await request("/account", { headers: { Cookie: cookie } })).text();
    expect(account).toContain('<a href="/authors/Barbara%20Liskov">Barbara Liskov</a>');
    expect(account).toContain('aria-label="Stop following cs.CL"');
    const removed = await post("/follows/delete", cookie, { kind: "category", key: "cs.CL" });
    expect(removed.status).toBe(303);
    expect((await post("/follows/delete", cookie, { kind: "category", key: "cs.CL" })).status).toBe(404);
    expect(await countOf("SELECT count(*) AS n FROM follows WHERE account_id = ?", id)).toBe(1);
  });

  it("gives a private feed whose address the account page shows and renews", async () => {
    const { cookie, id } = await signedInAccount();
    await upvote(id, DECODING[0]!);
    expect((await post("/account/feed", cookie)).status).toBe(303);
    const account = await (await request("/account", { headers: { Cookie: cookie } })).text();
    const address = /<code>http:\/\/[^<]+(\/for-you\/feed\/[^<]+\.rss)<\/code>/.exec(account)![1]!;
    const feed = await request(address, {}, { env: vectorEnv() });
    expect(feed.status).toBe(200);
    expect(feed.headers.get("Cache-Control")).toBe("private, no-store");
    expect(feed.headers.get("Content-Type")).toContain("application/rss+xml");
    expect(await feed.text()).toContain(`/papers/${DECODING[1]}`);
    expect((await request(address.replace(".rss", ".json"), {}, { env: vectorEnv() })).status).toBe(200);
    // a forged token, and the old address after a renewal
    expect((await request(address.replace(/\.[^./]+\.rss$/, ".AAAA.rss"))).status).toBe(404);
    await post("/account/feed", cookie);
    expect((await request(address)).status).toBe(404);
  });

  it("the account's export holds the follows, marks and ranking, to the signed-in person only", async () => {
    const { cookie, id } = await signedInAccount();
    await upvote(id, DECODING[0]!);
    await post("/follows", cookie, { kind: "topic", value: "protein folding" });
    await post(`/papers/${PROTEIN[0]}/not-for-me`, cookie);
    await page(cookie);
    const res = await request("/account/export.json", { headers: { Cookie: cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
    expect(res.headers.get("Content-Disposition")).toContain("attachment");
    const data = (await res.json()) as {
      account: { handle: string };
      upvotes: { paperId: string }[];
      forYou: {
        follows: { kind: string; name: string }[];
        notForMe: { paperId: string }[];
        model: { ranking: { papers: { paperId: string }[] } };
      };
    };
    expect(data.upvotes.map((u) => u.paperId)).toEqual([DECODING[0]]);
    expect(data.forYou.follows).toMatchObject([{ kind: "topic", name: "protein folding" }]);
    expect(data.forYou.notForMe.map((m) => m.paperId)).toEqual([PROTEIN[0]]);
    expect(data.forYou.model.ranking.papers.length).toBeGreaterThan(0);
    const signedOut = await request("/account/export.json");
    expect(signedOut.status).toBe(303);
  });

  it("an erasure takes the follows, marks and ranking with the account", async () => {
    const { cookie, id } = await signedInAccount();
    await upvote(id, DECODING[0]!);
    await post("/follows", cookie, { kind: "topic", value: "protein folding" });
    await post(`/papers/${PROTEIN[0]}/not-for-me`, cookie);
    await page(cookie);
    expect(await countOf("SELECT count(*) AS n FROM reader_rankings")).toBe(1);
    expect((await post("/account/delete", cookie, { confirm: "yes" })).status).toBe(303);
    for (const table of ["follows", "not_for_me", "reader_rankings"])
      expect(await countOf(`SELECT count(*) AS n FROM ${table}`), table).toBe(0);
  });
});
