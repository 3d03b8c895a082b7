import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CACHE_POLICIES } from "../../workers/api/src/cache/cache-policy";
import { urlsToPurge } from "../../workers/api/src/cache/purge";
import { MAX_THUMBNAIL_BYTES } from "../../workers/api/src/cards/fetch-thumbnail";
import { get, ingestHfDaily, insertPapers, request, THUMBNAIL_TAG } from "../site/site-support";
import { stubUpstream } from "../support/upstream-stub";

const CDN = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers";
const DAY = "2026-06-12";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0]);
const WEBP = new Uint8Array([0x52, 0x49, 0x46, 0x46, 20, 0, 0, 0, 0x57, 0x45, 0x42, 0x50, 86, 80, 56, 32]);

const image = (bytes: Uint8Array, type: string, headers: Record<string, string> = {}) =>
  new Response(bytes, { headers: { "Content-Type": type, ...headers } });

let ids: string[];

beforeAll(async () => {
  await ingestHfDaily();
  ids = (
    await env.DB.prepare("SELECT paper_id FROM daily_entries WHERE day = ? ORDER BY paper_id").bind(DAY).all<{
      paper_id: string;
    }>()
  ).results.map((r) => r.paper_id);
  // featured here, without an upstream thumbnail
  await insertPapers([{ id: "2606.99001", title: "Submitted on Paperboy", day: DAY, upvotes: 0 }]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Each test takes papers of its own, so that no cached copy from another test answers it. */
let taken = 0;
const nextPaper = () => ids[taken++]!;

/** The paper's versioned share card, which stands in for its thumbnail. */
async function cardOf(id: string): Promise<string> {
  const html = await (await get(`/papers/${id}`)).text();
  return new URL(/<meta property="og:image" content="([^"]+)"/.exec(html)![1]!).pathname;
}

async function expectFallback(id: string, res: Response) {
  expect(res.status).toBe(302);
  expect(res.headers.get("Location")).toBe(await cardOf(id));
  expect(res.headers.get("Cache-Control")).toBe(CACHE_POLICIES.fallback);
}

describe("thumbnails on the pages", () => {
  it("shows each featured paper's upstream thumbnail through our address, sized, with alt text; after the first four, for the page script to place", async () => {
    const html = await (await get(`/papers/date/${DAY}`)).text();
    const imgs = [...html.matchAll(/<img [^>]*>/g)].map((m) => m[0]);
    expect(imgs).toHaveLength(ids.length);
    imgs.forEach((img, i) => {
      expect(img).toMatch(/ src="\/media\/thumbnails\/\d{4}\.\d{5}"/);
      expect(img).toContain('width="1200" height="630"');
      expect(img).toMatch(/ alt="Preview of arXiv \d{4}\.\d{5}"/);
      expect(img.includes('loading="lazy"'), `card ${i}`).toBe(i >= 4);
    });
    // past the first four, each is written for the page script to put in place near the screen
    expect(html.match(/<noscript><img [^>]*><\/noscript>/g)).toHaveLength(ids.length - 4);
    expect(html.match(/<li class="card pic"/g)).toHaveLength(ids.length);
    // the form the XSS checks set aside as the site's own (test/support/request.ts)
    expect(html.match(THUMBNAIL_TAG)).toHaveLength(ids.length);
    // no reader's browser is sent to the other host
    expect(html).not.toContain("cdn-thumbnails.huggingface.co");
  });

  it("shows the thumbnail on the paper page, and no picture for a paper upstream gave none", async () => {
    const id = ids[0]!;
    const page = await get(`/papers/${id}`);
    const html = await page.text();
    expect(html).toMatch(
      new RegExp(`<img src="/media/thumbnails/${id}" width="1200" height="630" alt="Preview of arXiv ${id}"`),
    );
    expect(page.headers.get("Content-Security-Policy")).toContain("img-src 'self' data:");
    // the paper itself shows none (its related papers' cards may)
    const without = await (await get("/papers/2606.99001")).text();
    const article = without.slice(without.indexOf('<article class="paper"'), without.indexOf("</article>"));
    expect(article).toContain("Submitted on Paperboy");
    expect(article).not.toContain("<img");
  });
});

describe("the day page's weight", () => {
  const gzipped = async (text: string) =>
    (await new Response(new Response(text).body!.pipeThrough(new CompressionStream("gzip"))).arrayBuffer()).byteLength;

  it("grows by less than 5% gzipped with a thumbnail on every card", async () => {
    // ?page=1 is never stored by the cache, so both answers are drawn now
    const withThumbnails = await (await get(`/papers/date/${DAY}?page=1`)).text();
    const kept = await env.DB.prepare("SELECT paper_id, thumbnail FROM daily_entries WHERE day = ?").bind(DAY).all();
    await env.DB.prepare("UPDATE daily_entries SET thumbnail = NULL WHERE day = ?").bind(DAY).run();
    try {
      const without = await (await get(`/papers/date/${DAY}?page=1`)).text();
      expect(withThumbnails.length).toBeGreaterThan(without.length);
      expect(await gzipped(withThumbnails)).toBeLessThan((await gzipped(without)) * 1.05);
    } finally {
      await env.DB.batch(
        kept.results.map((r) =>
          env.DB.prepare("UPDATE daily_entries SET thumbnail = ? WHERE paper_id = ?").bind(r.thumbnail, r.paper_id),
        ),
      );
    }
  });
});

describe("the thumbnail proxy", () => {
  it("answers the upstream bytes, cached at the edge: a second request does not ask upstream", async () => {
    const id = nextPaper();
    const stub = stubUpstream({ [`${CDN}/${id}.png`]: () => image(PNG, "image/png") });
    const first = await get(`/media/thumbnails/${id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get("Content-Type")).toBe("image/png");
    expect(first.headers.get("Cache-Control")).toBe(CACHE_POLICIES.media);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(PNG);
    const second = await get(`/media/thumbnails/${id}`);
    expect(second.status).toBe(200);
    expect(second.headers.get("X-Cache")).toBe("HIT");
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(PNG);
    expect(stub.calls).toEqual([`${CDN}/${id}.png`]);
  });

  it("accepts JPEG and WebP as well", async () => {
    for (const [bytes, type] of [
      [JPEG, "image/jpeg"],
      [WEBP, "image/webp"],
    ] as const) {
      const id = nextPaper();
      stubUpstream({ [`${CDN}/${id}.png`]: () => image(bytes, `${type}; charset=binary`) });
      const res = await get(`/media/thumbnails/${id}`);
      expect(res.status, type).toBe(200);
      expect(res.headers.get("Content-Type")).toBe(type);
    }
  });

  it("falls back to the paper's card when upstream fails, answers a page, or sends what is not an image", async () => {
    const failures: Record<string, () => Response> = {
      "a 404": () => new Response("not found", { status: 404 }),
      "a 500": () => new Response("oops", { status: 500 }),
      "an HTML page": () => image(new TextEncoder().encode("<html>hi</html>"), "text/html"),
      "no type": () => new Response(PNG),
      "HTML labelled PNG": () => image(new TextEncoder().encode("<html>hi</html>"), "image/png"),
      "a JPEG labelled PNG": () => image(JPEG, "image/png"),
      "SVG, which can carry script": () => image(new TextEncoder().encode("<svg/>"), "image/svg+xml"),
    };
    for (const [what, respond] of Object.entries(failures)) {
      const id = nextPaper();
      stubUpstream({ [`${CDN}/${id}.png`]: respond });
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const res = await get(`/media/thumbnails/${id}`);
      await expectFallback(id, res).catch((err) => {
        throw new Error(`${what}: ${err}`);
      });
      expect(warn, what).toHaveBeenCalledOnce();
      vi.restoreAllMocks();
    }
  });

  it("never follows a redirect, to another host or its own", async () => {
    for (const location of ["https://evil.example/x.png", `${CDN}/elsewhere.png`]) {
      const id = nextPaper();
      stubUpstream({
        // as fetch does: it follows the redirect unless asked not to
        [`${CDN}/${id}.png`]: (_url, init) =>
          init?.redirect === "manual"
            ? new Response(null, { status: 302, headers: { Location: location } })
            : image(PNG, "image/png"),
      });
      vi.spyOn(console, "warn").mockImplementation(() => {});
      await expectFallback(id, await get(`/media/thumbnails/${id}`));
      vi.restoreAllMocks();
    }
  });

  it("refuses an image of 20 MB, whether it says so or streams it, and reads no more than the limit", async () => {
    const big = 20 * 1024 * 1024;
    const said = nextPaper();
    stubUpstream({
      [`${CDN}/${said}.png`]: () =>
        new Response(new Uint8Array(16), { headers: { "Content-Type": "image/png", "Content-Length": String(big) } }),
    });
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await expectFallback(said, await get(`/media/thumbnails/${said}`));
    vi.restoreAllMocks();

    const streamed = nextPaper();
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024);
    chunk.set(PNG);
    stubUpstream({
      [`${CDN}/${streamed}.png`]: () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent >= big) return controller.close();
              sent += chunk.byteLength;
              controller.enqueue(chunk.slice());
            },
          }),
          { headers: { "Content-Type": "image/png" } },
        ),
    });
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await expectFallback(streamed, await get(`/media/thumbnails/${streamed}`));
    expect(sent).toBeGreaterThan(MAX_THUMBNAIL_BYTES);
    expect(sent).toBeLessThan(MAX_THUMBNAIL_BYTES + 4 * chunk.byteLength);
  });

  it("takes an image of exactly 2 MB", async () => {
    const id = nextPaper();
    const bytes = new Uint8Array(MAX_THUMBNAIL_BYTES);
    bytes.set(PNG);
    stubUpstream({ [`${CDN}/${id}.png`]: () => image(bytes, "image/png") });
    const res = await get(`/media/thumbnails/${id}`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(MAX_THUMBNAIL_BYTES);
  });

  it("gives up on an upstream that never answers, or stops answering mid-image", async () => {
    const silent = nextPaper();
    const trickle = nextPaper();
    stubUpstream({
      [`${CDN}/${silent}.png`]: () => new Promise<Response>(() => {}),
      [`${CDN}/${trickle}.png`]: () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(PNG);
            },
          }),
          { headers: { "Content-Type": "image/png" } },
        ),
    });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (const id of [silent, trickle]) {
      const res = await request(`/media/thumbnails/${id}`, {}, { env: { THUMBNAIL_TIMEOUT_MS: "50" } });
      await expectFallback(id, res);
    }
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining("no answer within 50 ms"),
      expect.stringContaining("no answer within 50 ms"),
    ]);
  });

  it("fetches only from the configured host: a stored address on another host, over http or with a port is never asked", async () => {
    const stub = stubUpstream({});
    for (const stored of [
      "https://evil.example/social-thumbnails/papers/x.png",
      "http://cdn-thumbnails.huggingface.co/social-thumbnails/papers/x.png",
      "https://cdn-thumbnails.huggingface.co:8443/x.png",
      "https://user@cdn-thumbnails.huggingface.co/x.png",
      "https://cdn-thumbnails.huggingface.co.evil.example/x.png",
      "not an address",
    ]) {
      const id = nextPaper();
      await env.DB.prepare("UPDATE daily_entries SET thumbnail = ? WHERE paper_id = ?").bind(stored, id).run();
      await expectFallback(id, await get(`/media/thumbnails/${id}`));
    }
    expect(stub.calls).toEqual([]);
  });

  it("never fetches from a private address outside local development", async () => {
    const id = nextPaper();
    const stub = stubUpstream({ "http://10.0.0.7/social-thumbnails/papers": () => image(PNG, "image/png") });
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const res = await request(
      `/media/thumbnails/${id}`,
      {},
      { env: { THUMBNAIL_ORIGIN: "http://10.0.0.7", DEV_MODE: "false" } },
    );
    await expectFallback(id, res);
    expect(stub.calls).toEqual([]);
    // locally, the upstream stub on the loopback address stands in for the host
    const local = nextPaper();
    stubUpstream({ [`http://127.0.0.1:8790/social-thumbnails/papers/${local}.png`]: () => image(PNG, "image/png") });
    const dev = await request(
      `/media/thumbnails/${local}`,
      {},
      { env: { THUMBNAIL_ORIGIN: "http://127.0.0.1:8790", DEV_MODE: "true" } },
    );
    expect(dev.status).toBe(200);
  });

  it("answers a paper without a thumbnail with its card, a bad id with 400 and an unknown paper with 404", async () => {
    const stub = stubUpstream({});
    await expectFallback("2606.99001", await get("/media/thumbnails/2606.99001"));
    expect((await get("/media/thumbnails/not-an-id")).status).toBe(400);
    expect((await get("/media/thumbnails/2606.99999")).status).toBe(404);
    expect((await get(`/media/thumbnails/arXiv:${ids[0]}`)).headers.get("Location")).toBe(
      `/media/thumbnails/${ids[0]}`,
    );
    expect(stub.calls).toEqual([]);
  });

  it("takes a hidden paper's thumbnail down with the paper", async () => {
    const id = nextPaper();
    stubUpstream({ [`${CDN}/${id}.png`]: () => image(PNG, "image/png") });
    expect((await get(`/media/thumbnails/${id}`)).status).toBe(200);
    expect(urlsToPurge("http://paperboy.test", { days: [], papers: [id] })).toContain(
      `http://paperboy.test/media/thumbnails/${id}`,
    );
    const hide = await request(
      `/admin/papers/${id}/hide`,
      { method: "POST", headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } },
      { form: {} },
    );
    expect(hide.status).toBeLessThan(400);
    expect((await get(`/media/thumbnails/${id}`)).status).toBe(404);
  });
});
