import { beforeAll, describe, expect, it } from "vitest";
import { HfDailyPapers, HfPaper } from "../../workers/api/src/api/hf-schema";
import * as fx from "../support/fixtures";
import { get, ingestRealCapture, insertPapers } from "./api-support";

type Item = { paper: Record<string, unknown> & { id: string; title: string; upvotes: number }; [k: string]: unknown };
const SITE = "http://127.0.0.1:8787"; // SITE_URL in wrangler.toml
const capture = JSON.parse(fx.hfDaily2026) as Item[];
const captureIds = capture.map((i) => i.paper.id).sort();

async function items(path: string) {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  const body = (await res.json()) as Item[];
  return { res, body };
}

beforeAll(async () => {
  await ingestRealCapture();
  await insertPapers([
    // ISO week 2026-W01 runs from Monday 2025-12-29 to Sunday 2026-01-04.
    { id: "2512.20001", day: "2025-12-28", upvotes: 3 },
    { id: "2512.20002", day: "2025-12-29", upvotes: 5 },
    { id: "2601.00003", day: "2026-01-04", upvotes: 9 },
    { id: "2601.00004", day: "2026-01-05", upvotes: 1 },
    // 2020 has 53 ISO weeks: 2020-W53 is 2020-12-28 .. 2021-01-03.
    { id: "2012.10005", day: "2020-12-31", upvotes: 2 },
    { id: "2101.00006", day: "2021-01-03", upvotes: 2 },
    { id: "astro-ph/0601001", day: "2006-01-02", title: "An old-style paper", submitter: "oldtimer" },
  ]);
});

describe("GET /api/daily_papers", () => {
  it("returns the day's papers as a bare array that passes the schema written from the captures", async () => {
    const { res, body } = await items("/api/daily_papers?date=2026-06-12");
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(Array.isArray(body)).toBe(true);
    expect(HfDailyPapers.safeParse(body).success).toBe(true);
    expect(body.map((i) => i.paper.id).sort()).toEqual(captureIds);
  });

  it("keeps the fields clients read where the captures have them", async () => {
    const { body } = await items("/api/daily_papers?date=2026-06-12");
    const byId = new Map(capture.map((i) => [i.paper.id, i]));
    for (const item of body) {
      const upstream = byId.get(item.paper.id)!;
      expect(item.title).toBe(item.paper.title);
      expect(item.paper.upvotes).toBe(upstream.paper.upvotes);
      expect(item.numComments).toBe(upstream.numComments);
      expect(item.paper.submittedOnDailyAt).toBe("2026-06-12T00:00:00.000Z");
      expect(item.paper.publishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(item.publishedAt).toBe("2026-06-12T00:00:00.000Z");
      expect(typeof item.submittedBy).toBe("object");
      expect(item).not.toHaveProperty("upvotes");
      expect(item.paper).not.toHaveProperty("numComments");
      expect((item.submittedBy as { name: string }).name).toBe((upstream.submittedBy as { name: string }).name);
      if (upstream.paper.githubRepo) expect(item.paper.githubRepo).toBe(upstream.paper.githubRepo);
      else expect(item.paper).not.toHaveProperty("githubRepo");
      if (upstream.paper.projectPage) expect(item.paper.projectPage).toBe(upstream.paper.projectPage);
      else expect(item.paper).not.toHaveProperty("projectPage");
    }
  });

  it("never writes null: optional fields are absent", async () => {
    const { body } = await items("/api/daily_papers?date=2026-06-12");
    expect(JSON.stringify(body)).not.toContain("null");
  });

  it("orders by upvotes by default, as the site's pages do", async () => {
    const { body } = await items("/api/daily_papers?date=2026-06-12");
    const votes = body.map((i) => i.paper.upvotes);
    expect(votes).toEqual([...votes].sort((a, b) => b - a));
  });

  it("pages with p (0-based) and limit, links the next page, and answers [] past the end", async () => {
    const first = await items("/api/daily_papers?date=2026-06-12&limit=10");
    expect(first.body).toHaveLength(10);
    expect(first.res.headers.get("Link")).toBe(`<${SITE}/api/daily_papers?date=2026-06-12&limit=10&p=1>; rel="next"`);
    const pages = [first.body];
    for (const p of [1, 2]) pages.push((await items(`/api/daily_papers?date=2026-06-12&limit=10&p=${p}`)).body);
    expect(
      pages
        .flat()
        .map((i) => i.paper.id)
        .sort(),
    ).toEqual(captureIds);
    const past = await items("/api/daily_papers?date=2026-06-12&limit=10&p=3");
    expect(past.body).toEqual([]);
    expect(past.res.headers.get("Link")).toBeNull();
  });

  it("links the next page on SITE_URL whatever host the request named, so a cached copy sends no one elsewhere", async () => {
    const path = "/api/daily_papers?date=2026-06-12&limit=8";
    const next = `<${SITE}/api/daily_papers?date=2026-06-12&limit=8&p=1>; rel="next"`;
    const elsewhere = await get(`https://paperboy-api.someone.workers.dev${path}`);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers.get("Link")).toBe(next);
    // the main site's request of the same address, answered from the cache the first one filled
    const main = await get(`${SITE}${path}`);
    expect(main.headers.get("X-Cache")).toBe("HIT");
    expect(main.headers.get("Link")).toBe(next);
  });

  it("lets a client that follows Link headers (huggingface_hub's paginate) collect every paper once", async () => {
    const seen: string[] = [];
    let url: string | null = "/api/daily_papers?date=2026-06-12&limit=7";
    let requests = 0;
    while (url && requests++ < 10) {
      const { res, body } = await items(url.replace(SITE, ""));
      seen.push(...body.map((i) => i.paper.id));
      url = /<([^>]+)>; rel="next"/.exec(res.headers.get("Link") ?? "")?.[1] ?? null;
    }
    expect(seen.sort()).toEqual(captureIds);
    expect(requests).toBe(5);
  });

  it("answers limit=1 and limit=100, the bounds", async () => {
    expect((await items("/api/daily_papers?date=2026-06-12&limit=1")).body).toHaveLength(1);
    expect((await items("/api/daily_papers?date=2026-06-12&limit=100")).body).toHaveLength(30);
  });

  it("defaults to the latest featured day, like upstream", async () => {
    const { body } = await items("/api/daily_papers");
    expect(body.map((i) => i.paper.id).sort()).toEqual(captureIds);
  });

  it("sorts by arXiv publication with sort=publishedAt, newest first", async () => {
    const { body } = await items("/api/daily_papers?date=2026-06-12&sort=publishedAt");
    const published = body.map((i) => i.paper.publishedAt as string);
    expect(published).toEqual([...published].sort().reverse());
  });

  it("lists a submitter's papers across all days when no period is given", async () => {
    const { body } = await items("/api/daily_papers?submitter=oldtimer");
    expect(body.map((i) => i.paper.id)).toEqual(["astro-ph/0601001"]);
  });

  it("sort=trending without a period ranks the trending window", async () => {
    const { body } = await items("/api/daily_papers?sort=trending&limit=100");
    expect(body.map((i) => i.paper.id).sort()).toEqual(captureIds);
    const page2 = await items("/api/daily_papers?sort=trending&limit=10&p=1");
    expect(page2.body.map((i) => i.paper.id)).toEqual(body.slice(10, 20).map((i) => i.paper.id));
  });

  it("sorts by trending on request, over the same papers", async () => {
    const { body } = await items("/api/daily_papers?date=2026-06-12&sort=trending");
    expect(body.map((i) => i.paper.id).sort()).toEqual(captureIds);
  });

  it("filters by submitter", async () => {
    const name = (capture[0]!.submittedBy as { name: string }).name;
    const expected = capture
      .filter((i) => (i.submittedBy as { name: string }).name === name)
      .map((i) => i.paper.id)
      .sort();
    const { body } = await items(`/api/daily_papers?date=2026-06-12&submitter=${encodeURIComponent(name)}`);
    expect(body.map((i) => i.paper.id).sort()).toEqual(expected);
  });

  it("answers [] for a day without papers", async () => {
    expect((await items("/api/daily_papers?date=2026-06-13")).body).toEqual([]);
  });

  it("reads an ISO week across the year boundary (2026-W01 starts on 2025-12-29)", async () => {
    const { body } = await items("/api/daily_papers?week=2026-W01");
    expect(body.map((i) => i.paper.id)).toEqual(["2601.00003", "2512.20002"]);
  });

  it("reads week 53 of a long year (2020-W53 ends on 2021-01-03)", async () => {
    const { body } = await items("/api/daily_papers?week=2020-W53");
    expect(body.map((i) => i.paper.id)).toEqual(["2101.00006", "2012.10005"]);
  });

  it("reads a month, and the month before a year boundary", async () => {
    expect((await items("/api/daily_papers?month=2026-06")).body).toHaveLength(30);
    expect((await items("/api/daily_papers?month=2025-12")).body.map((i) => i.paper.id)).toEqual([
      "2512.20002",
      "2512.20001",
    ]);
    expect((await items("/api/daily_papers?month=2026-01")).body.map((i) => i.paper.id)).toEqual([
      "2601.00003",
      "2601.00004",
    ]);
  });
});

describe("GET /api/papers/{id}", () => {
  it("returns the paper object that passes the schema, with its daily fields", async () => {
    const res = await get("/api/papers/2606.00467");
    expect(res.status).toBe(200);
    const paper = (await res.json()) as Record<string, unknown>;
    expect(HfPaper.safeParse(paper).success).toBe(true);
    const upstream = capture.find((i) => i.paper.id === "2606.00467")!.paper;
    expect(paper).toMatchObject({
      id: "2606.00467",
      title: upstream.title,
      upvotes: upstream.upvotes,
      submittedOnDailyAt: "2026-06-12T00:00:00.000Z",
      ai_summary: upstream.ai_summary,
    });
    expect((paper.authors as { name: string }[]).map((a) => a.name)).toEqual(
      (upstream.authors as { name: string }[]).map((a) => a.name),
    );
  });

  it("serves an old-style id with its slash", async () => {
    const res = await get("/api/papers/astro-ph/0601001");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: "astro-ph/0601001", title: "An old-style paper" });
  });

  it("gives the same author and discussion ids every time", async () => {
    const a = await (await get("/api/papers/2606.00467")).json();
    const b = await (await get("/api/papers/2606.00467")).json();
    expect(a).toEqual(b);
  });
});

describe("GET /api/papers/search", () => {
  it("finds a paper by words of its abstract, best match first, in the daily-papers shape", async () => {
    const res = await get("/api/papers/search?q=decision%20stickiness");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Item[];
    expect(HfDailyPapers.safeParse(body).success).toBe(true);
    expect(body[0]!.paper.id).toBe("2606.00467");
  });

  it("honours limit", async () => {
    const body = (await (await get("/api/papers/search?q=model&limit=2")).json()) as Item[];
    expect(body).toHaveLength(2);
  });

  it("treats search syntax as plain words", async () => {
    const res = await get(`/api/papers/search?q=${encodeURIComponent('"stickiness" OR NEAR( title:*')}`);
    expect(res.status).toBe(200);
  });

  it("answers [] when nothing matches", async () => {
    expect(await (await get("/api/papers/search?q=zzyzxqwv")).json()).toEqual([]);
  });
});
