import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { memoryForget } from "../../workers/api/src/cache/memory-tier";
import { drawable, wrap } from "../../workers/api/src/cards/card-svg";
import { cardFonts } from "../../workers/api/src/cards/render-card";
import { get, insertPapers, request } from "../site/site-support";
import { darkPixels, decodePng } from "../support/png";

const DAY = "2025-01-02";
/** A title of 1,000 characters with right-to-left text, emoji, TeX, CJK and markup. */
const HOSTILE =
  `نموذج لغوي كبير 🚀🤖 for 大規模言語モデル with $\\mathcal{O}(n^2)$ <script>alert(1)</script> & "quotes" ` +
  "ever longer ".repeat(100);

beforeAll(async () => {
  await insertPapers([
    { id: "2501.00001", title: "Speculative Decoding with Draft Trees", day: DAY, upvotes: 7 },
    {
      id: "2501.00002",
      title: HOSTILE.slice(0, 1000),
      authors: ["李小龙", "José Ñúñez", "\u202eevil\u202c"],
      day: DAY,
      upvotes: 3,
    },
    { id: "2501.00003", title: "Model Soups", day: DAY, upvotes: 1 },
    { id: "2501.00004", title: "Announced only" },
  ]);
});

/** The meta tags of a page's head, by property or name. */
async function metaOf(path: string): Promise<Map<string, string>> {
  const html = await (await get(path)).text();
  const tags = new Map<string, string>();
  for (const m of html.matchAll(/<meta (?:property|name)="([^"]+)" content="([^"]*)"/g)) tags.set(m[1]!, m[2]!);
  return tags;
}

/** A page's og:image, as a path on the site. */
async function cardOf(page: string): Promise<string> {
  const image = (await metaOf(page)).get("og:image") ?? "";
  expect(image.startsWith(`${env.SITE_URL}/`)).toBe(true);
  return image.slice(env.SITE_URL.length);
}

async function expectCard(path: string) {
  const res = await get(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("image/png");
  const png = await decodePng(new Uint8Array(await res.arrayBuffer()));
  expect([png.width, png.height]).toEqual([1200, 630]);
  // text on white: far from blank, far from a dark page
  const dark = darkPixels(png);
  expect(dark).toBeGreaterThan(3000);
  expect(dark).toBeLessThan(png.width * png.height * 0.2);
  return res;
}

describe("share cards", () => {
  it("a paper page names its card by a versioned address, with its size, alt text and a large-image card for X", async () => {
    const meta = await metaOf("/papers/2501.00001");
    expect(meta.get("og:image")).toMatch(/^http:\/\/127\.0\.0\.1:8787\/papers\/2501\.00001\/card-[0-9a-f]{8}\.png$/);
    expect(meta.get("og:image:width")).toBe("1200");
    expect(meta.get("og:image:height")).toBe("630");
    expect(meta.get("og:image:alt")).toContain("Speculative Decoding with Draft Trees");
    expect(meta.get("twitter:card")).toBe("summary_large_image");
    expect(meta.get("twitter:image")).toBe(meta.get("og:image"));
  });

  it("draws the card as a 1200 x 630 PNG with text, kept for good at its versioned address", async () => {
    const res = await expectCard(await cardOf("/papers/2501.00001"));
    expect(res.headers.get("Cache-Control")).toContain("immutable");
    expect(res.headers.get("Cache-Tag")).toContain("paper:2501.00001");
    // the unversioned address answers the card as it is now, as briefly as its counts
    const now = await expectCard("/papers/2501.00001/card.png");
    expect(now.headers.get("Cache-Control")).not.toContain("immutable");
  });

  it("gives the card a new address when its upvotes change, and sends an outdated address to the card as it is now", async () => {
    const before = await cardOf("/papers/2501.00004");
    await env.DB.prepare("UPDATE papers SET local_upvotes = 5 WHERE id = '2501.00004'").run();
    // as a vote's purge does: the page's stored copies go
    memoryForget([`${env.SITE_URL}/papers/2501.00004`]);
    await caches.default.delete(`${env.SITE_URL}/papers/2501.00004`);
    const after = await cardOf("/papers/2501.00004");
    // an announced paper's card shows no upvotes: its address stays
    expect(after).toBe(before);

    const featured = await cardOf("/papers/2501.00003");
    await env.DB.prepare("UPDATE daily_entries SET upstream_upvotes = 40 WHERE paper_id = '2501.00003'").run();
    memoryForget([`${env.SITE_URL}/papers/2501.00003`]);
    await caches.default.delete(`${env.SITE_URL}/papers/2501.00003`);
    const changed = await cardOf("/papers/2501.00003");
    expect(changed).not.toBe(featured);
    const old = await get("/papers/2501.00003/card-00000000.png");
    expect(old.status).toBe(302);
    expect(old.headers.get("Location")).toBe(changed);
  });

  it("draws a hostile title (1,000 characters, right to left, emoji, TeX, CJK, markup) within the card and never errors", async () => {
    await expectCard(await cardOf("/papers/2501.00002"));
    const { bold } = cardFonts();
    const text = drawable(HOSTILE, bold);
    // what the font cannot draw is a white square; markup stays text for the SVG's escaping
    expect(text).toContain("\u25a1");
    expect(text).not.toContain("🚀");
    // a bidi override would show the rest of the line reversed
    expect(drawable("\u202eevil\u202c name", bold)).toBe("evil name");
    const lines = wrap(text, bold, 50, 1056, 4);
    expect(lines).toHaveLength(4);
    expect(lines[3]!.endsWith("…")).toBe(true);
  });

  it("draws a day's card and the home page's, each named on its page", async () => {
    const dayMeta = await metaOf(`/papers/date/${DAY}`);
    expect(dayMeta.get("og:image")).toMatch(new RegExp(`/papers/date/${DAY}/card-[0-9a-f]{8}\\.png$`));
    expect(dayMeta.get("og:image:alt")).toContain("Speculative Decoding with Draft Trees");
    expect(dayMeta.get("twitter:card")).toBe("summary_large_image");
    await expectCard(await cardOf(`/papers/date/${DAY}`));
    expect(await cardOf("/")).toMatch(/^\/papers\/card-[0-9a-f]{8}\.png$/);
    await expectCard(await cardOf("/"));
  });

  it("takes a paper's card down with the paper when a curator hides it", async () => {
    expect((await get("/papers/2501.00001/card.png")).status).toBe(200);
    const hide = await request(
      "/admin/papers/2501.00001/hide",
      { method: "POST", headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } },
      { form: {} },
    );
    expect(hide.status).toBeLessThan(400);
    expect((await get("/papers/2501.00001/card.png")).status).toBe(404);
  });

  it("leaves the pages' caching as it was: an uncached page is looked up and stored once", async () => {
    const match = vi.spyOn(caches.default, "match");
    const put = vi.spyOn(caches.default, "put");
    try {
      expect((await get("/papers/2501.00003.bib")).status).toBe(200);
      expect(match).toHaveBeenCalledTimes(1);
      expect(put).toHaveBeenCalledTimes(1);
    } finally {
      match.mockRestore();
      put.mockRestore();
    }
  });

  it("answers a card of nothing with a clear error", async () => {
    expect((await get("/papers/2501.09999/card.png")).status).toBe(404);
    expect((await get("/papers/not-an-id/card.png")).status).toBe(400);
    expect((await get("/papers/date/2025-02-30/card.png")).status).toBe(400);
    expect((await get("/papers/date/2024-06-01/card.png")).status).toBe(404);
    await env.DB.prepare("UPDATE papers SET hidden_at = '2026-01-01T00:00:00.000Z' WHERE id = '2501.00004'").run();
    expect((await get("/papers/2501.00004/card.png")).status).toBe(404);
  });
});
