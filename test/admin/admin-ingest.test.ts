import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ingestHfDaily } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import * as fx from "../support/fixtures";
import { request } from "../support/request";
import { json, stubUpstream } from "../support/upstream-stub";

beforeEach(emptyDatabase);
afterEach(() => vi.restoreAllMocks());

// End to end through the worker entry: the run goes over the INGEST service binding and purges over SITE.
const post = (body: unknown, token?: string) =>
  request(
    "https://paperboy.test/admin/ingest",
    {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    },
    { via: "self" },
  );

describe("POST /admin/ingest", () => {
  it("answers 401 without the admin token, and with a wrong one", async () => {
    for (const token of [undefined, "wrong"]) {
      const res = await post({ source: "hf-daily" }, token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "unauthorized" });
    }
  });

  it("answers 400 with one error shape for an unknown source, a bad date or a body that is not JSON", async () => {
    for (const body of [
      { source: "nope" },
      { source: "hf-daily", date: "2026-13-45" },
      "not json",
      { source: "hf-daily", extra: 1 },
    ]) {
      const res = await post(body, "test-admin-token");
      expect(res.status).toBe(400);
      const error = (await res.json()) as { error: string; code: string };
      expect(error.code).toMatch(/^invalid_/);
      expect(error.error.length).toBeGreaterThan(0);
    }
  });

  it("tells a body that is not JSON (invalid_json) from one that does not validate (invalid_request)", async () => {
    const notJson = await post("{source:", "test-admin-token");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: "the body must be JSON", code: "invalid_json" });
    const invalid = await post({ source: "nope" }, "test-admin-token");
    expect(await invalid.json()).toMatchObject({ code: "invalid_request", error: expect.stringMatching(/^source: /) });
  });

  it("runs the ingest through the service binding and answers with the run's record", async () => {
    stubUpstream({ "https://hf.test/api/daily_papers": () => json(fx.hfDaily2026) });
    const res = await post({ source: "hf-daily", date: "2026-06-12" }, "test-admin-token");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      source: "hf-daily",
      target: "2026-06-12",
      status: "ok",
      read: 30,
      inserted: 60,
      updated: 0,
      skipped: 0,
    });
    const home = await request("https://paperboy.test/", {}, { via: "self" });
    expect(await home.text()).toContain("On the Limits of LLM Adaptability");
  });

  it("keeps yesterday's papers serving when today's run fails upstream", async () => {
    await ingestHfDaily();
    stubUpstream({ "https://hf.test/api/daily_papers": () => new Response("bad gateway", { status: 502 }) });
    const res = await post({ source: "hf-daily", date: "2026-06-13" }, "test-admin-token");
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ status: "failed", error: "hf.test: HTTP 502", inserted: 0 });
    const home = await request("https://paperboy.test/", {}, { via: "self" });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("On the Limits of LLM Adaptability");
  });

  it("answers 200 to both of two runs of the same source at once (a curator's and the cron's)", async () => {
    const items = JSON.parse(fx.hfDaily2026) as { paper: { id: string; submittedOnDailyAt: string } }[];
    for (const item of items) {
      item.paper.id = item.paper.id.replace(/^26/, "23");
      item.paper.submittedOnDailyAt = "2023-06-12T00:00:00.000Z";
    }
    stubUpstream({ "https://hf.test/api/daily_papers": () => json(items) });
    const body = { source: "hf-daily", date: "2023-06-12" };
    const responses = await Promise.all([post(body, "test-admin-token"), post(body, "test-admin-token")]);
    const runs = (await Promise.all(responses.map((r) => r.json()))) as { status: string; inserted: number }[];
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(runs.map((r) => r.status)).toEqual(["ok", "ok"]);
    expect(runs[0]!.inserted + runs[1]!.inserted).toBe(60);
  });

  it("lists the records a run skipped, and why, in its answer", async () => {
    const items = JSON.parse(fx.hfDaily2026) as {
      paper: { id: string; submittedOnDailyAt: string; githubRepo?: string };
    }[];
    for (const item of items) {
      item.paper.id = item.paper.id.replace(/^26/, "22");
      item.paper.submittedOnDailyAt = "2022-06-12T00:00:00.000Z";
    }
    items[1]!.paper.submittedOnDailyAt = "never";
    items[2]!.paper.githubRepo = "github.com/no/scheme";
    stubUpstream({ "https://hf.test/api/daily_papers": () => json(items) });
    const res = await post({ source: "hf-daily", date: "2022-06-12" }, "test-admin-token");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ok",
      skipped: 1,
      problems: [
        `${items[1]!.paper.id}: submittedOnDailyAt is not an ISO time`,
        `${items[2]!.paper.id}: codeUrl dropped, malformed`,
      ],
    });
  });
});
