import { env } from "cloudflare:test";
import { afterEach, expect, it, vi } from "vitest";
import { runIngest } from "../../workers/ingest/src/run-ingest";
import * as fx from "../support/fixtures";
import { request } from "../support/request";
import { json, stubUpstream } from "../support/upstream-stub";

afterEach(() => vi.restoreAllMocks());

const page = "https://paperboy.test/papers/date/2026-06-12";
// End to end: a visitor goes through the worker entry; the run purges over the SITE service binding.
const visit = () => request(page, {}, { via: "self" });

async function cachedCopy() {
  for (let i = 0; i < 20; i++) {
    const res = await visit();
    const body = await res.text();
    if (res.headers.get("x-cache") === "HIT") return body;
    await new Promise((r) => setTimeout(r, 50)); // the first answer is stored after it is sent
  }
  throw new Error("the page never came from the cache");
}

it("a run that changes a day purges its cached page, so the next visit shows the change", async () => {
  const items = JSON.parse(fx.hfDaily2026) as { paper: { id: string; title: string; upvotes: number } }[];
  const top = items.reduce((a, b) => (b.paper.upvotes > a.paper.upvotes ? b : a));
  stubUpstream({ "https://hf.test/api/daily_papers": () => json(items) });
  await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, { sleep: async () => {} });
  expect(await cachedCopy()).toContain(`>${top.paper.upvotes}<`);

  top.paper.upvotes += 1000;
  const run = await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, { sleep: async () => {} });
  expect(run).toMatchObject({ status: "ok", updated: 1, changedDays: ["2026-06-12"] });

  const fresh = await visit();
  expect(fresh.headers.get("x-cache")).not.toBe("HIT");
  expect(await fresh.text()).toContain(`>${top.paper.upvotes}<`);
});

it("a run that changes nothing purges nothing", async () => {
  stubUpstream({ "https://hf.test/api/daily_papers": () => json(fx.hfDaily2026) });
  await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, { sleep: async () => {} });
  await cachedCopy();
  const purges: unknown[] = [];
  const site = { purge: async (req: unknown) => void purges.push(req) } as unknown as typeof env.SITE;
  const run = await runIngest(
    { ...env, SITE: site },
    { source: "hf-daily", date: "2026-06-12" },
    { sleep: async () => {} },
  );
  expect(run).toMatchObject({ status: "ok", inserted: 0, updated: 0 });
  expect(purges).toEqual([]);
  expect((await visit()).headers.get("x-cache")).toBe("HIT");
});

it("a run that moves a paper to a later day purges both days' pages", async () => {
  const items = JSON.parse(fx.hfDaily2026) as { paper: { id: string; submittedOnDailyAt: string } }[];
  const hf = "https://hf.test/api/daily_papers";
  stubUpstream({ [hf]: () => json(items) });
  await runIngest(env, { source: "hf-daily", date: "2026-06-12" }, { sleep: async () => {} });
  const moved = items[0]!;
  expect(await cachedCopy()).toContain(`/papers/${moved.paper.id}"`);

  vi.restoreAllMocks();
  const again = { ...moved, paper: { ...moved.paper, submittedOnDailyAt: "2026-06-13T00:00:00.000Z" } };
  stubUpstream({ [hf]: () => json([again]) });
  const run = await runIngest(env, { source: "hf-daily", date: "2026-06-13" }, { sleep: async () => {} });
  expect(run).toMatchObject({ status: "ok", moved: 1 });
  expect([...run.changedDays].sort()).toEqual(["2026-06-12", "2026-06-13"]);

  const old = await visit();
  expect(old.headers.get("x-cache")).not.toBe("HIT");
  expect(await old.text()).not.toContain(`/papers/${moved.paper.id}"`);
});
