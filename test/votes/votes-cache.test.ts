import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { CACHE_POLICIES, VOTE_VISIBLE_S } from "../../workers/api/src/cache/cache-policy";
import { CACHE_API_MAX_AGE_S } from "../../workers/api/src/cache/edge-cache";
import { MEMORY_TTL_MS } from "../../workers/api/src/cache/memory-tier";
import { signedInAccount } from "../support/accounts";
import { ingestHfDaily } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import { ORIGIN, request } from "../support/request";

const FIVE = "2606.12730"; // 5 upstream upvotes on 2026-06-12

beforeAll(async () => {
  await emptyDatabase();
  await ingestHfDaily();
});

const countOn = (html: string, id: string) =>
  Number(new RegExp(`id="paper-${id.replace(".", "\\.")}"[\\s\\S]*?<b class="count"[^>]*>(\\d+)</b>`).exec(html)?.[1]);

describe("a vote in the public counts", () => {
  it("shows within VOTE_VISIBLE_S whatever layer holds a page or a search: the layers' lifetimes add up to no more", () => {
    for (const policy of [CACHE_POLICIES.counts, CACHE_POLICIES.search]) {
      const seconds = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(policy)?.[1] ?? 0);
      // A Cache API copy, then the memory tier's copy of it, then Workers Cache's copy of that, served stale once more.
      const worst =
        Math.min(seconds("s-maxage"), CACHE_API_MAX_AGE_S) +
        MEMORY_TTL_MS / 1000 +
        seconds("s-maxage") +
        seconds("stale-while-revalidate");
      expect(worst, policy).toBeLessThanOrEqual(VOTE_VISIBLE_S);
      expect(seconds("max-age"), policy).toBe(0);
    }
  });

  it("shows at once on the page the voter comes back to, which is rendered again", async () => {
    const page = "/papers/date/2026-06-12";
    await request(page);
    const cached = await request(page);
    expect(cached.headers.get("X-Cache")).toBe("HIT");
    // The count before this test's vote (other tests of the file vote on the same paper).
    const before = countOn(await cached.text(), FIVE);
    const { cookie } = await signedInAccount("comes-back");
    const vote = await request(
      `/papers/${FIVE}/upvote`,
      { method: "POST", headers: { Cookie: cookie, Referer: `${ORIGIN}${page}` } },
      { form: {} },
    );
    expect(vote.status).toBe(303);
    const after = await request(page);
    expect(after.headers.get("X-Cache")).toBe("MISS");
    expect(countOn(await after.text(), FIVE)).toBe(before + 1);
    const paper = await (await request(`/papers/${FIVE}`)).text();
    expect(/<b class="count"[^>]*>(\d+)<\/b>/.exec(paper)?.[1]).toBe(String(before + 1));
  });
});

describe("signed-in state never reaches a shared cache", () => {
  it("public pages ignore the session: the same bytes signed in and out, no cookie set, hits for everyone after", async () => {
    // A session due for its sliding renewal: any page that read it would set a cookie.
    const { cookie, handle } = await signedInAccount("private-person", { expiresAt: Date.now() + 86_400_000 });
    await request(`/api/me/upvotes/${FIVE}`, { method: "PUT", headers: { Cookie: cookie, Origin: ORIGIN } });
    const pages = [
      "/",
      "/papers/date/2026-06-12",
      "/papers/date/2026-06-12?sort=trending",
      "/papers/week/2026-W24",
      "/papers/month/2026-06",
      "/papers/trending",
      `/papers/${FIVE}`,
      `/papers/${FIVE}.md`,
      "/search?q=agents",
      "/about",
      "/api/daily_papers?date=2026-06-12",
      `/api/papers/${FIVE}`,
      "/feeds/daily.rss",
      "/feeds/daily.json",
      `/papers/${FIVE}.bib`,
      "/data/index.json",
      "/data/2026-06.jsonl",
      "/sitemap.xml",
      "/sitemap/2026-06.xml",
    ];
    for (const path of pages) {
      const signedIn = await request(path, { headers: { Cookie: cookie } });
      const mine = await signedIn.text();
      expect(signedIn.status, path).toBe(200);
      expect(signedIn.headers.get("Set-Cookie"), path).toBeNull();
      expect(signedIn.headers.get("Cache-Control"), path).toMatch(/^public/);
      expect(mine, path).not.toContain(handle);
      expect(mine, path).not.toContain("@example.com");
      expect(mine, path).not.toMatch(/aria-pressed="true"/);
      const anonymous = await request(path);
      expect(await anonymous.text(), path).toBe(mine);
    }
    // what the person is and did comes only from private, never-stored answers
    for (let i = 0; i < 2; i++) {
      const me = await request("/api/me", { headers: { Cookie: cookie } });
      expect(me.headers.get("Cache-Control")).toBe("private, no-store");
      expect(me.headers.get("X-Cache")).toBeNull();
      expect(await me.json()).toMatchObject({ account: { handle }, upvoted: [FIVE] });
    }
    expect(await (await request("/api/me")).json()).toEqual({ account: null, upvoted: [] });
    const account = await request("/account", { headers: { Cookie: cookie } });
    expect(account.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await (await request("/account")).text()).not.toContain(handle);
  });

  it("a profile lists its upvotes, most recent first, as one public page for everyone", async () => {
    const { cookie, handle } = await signedInAccount("lister");
    for (const id of ["2606.00467", FIVE])
      await request(`/api/me/upvotes/${id}`, { method: "PUT", headers: { Cookie: cookie, Origin: ORIGIN } });
    await env.DB.prepare(
      "UPDATE upvotes SET created_at = '2026-01-01T00:00:00.000Z' WHERE paper_id = '2606.00467' AND account_id = (SELECT id FROM accounts WHERE handle = ?1)",
    )
      .bind(handle)
      .run();
    const own = await request(`/u/${handle}`, { headers: { Cookie: cookie } });
    const html = await own.text();
    expect(own.headers.get("Cache-Control")).toBe(CACHE_POLICIES.counts);
    expect(html.indexOf(`id="paper-${FIVE}"`)).toBeGreaterThan(0);
    expect(html.indexOf(`id="paper-${FIVE}"`)).toBeLessThan(html.indexOf('id="paper-2606.00467"'));
    expect(await (await request(`/u/${handle}`)).text()).toBe(html);
  });
});
