import { describe, expect, it } from "vitest";
import { get, insertPapers, request } from "./api-support";

async function expectError(path: string, status: number, code?: string) {
  const res = await get(path);
  expect(res.status, path).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort(), path).toEqual(["code", "error"]);
  expect(typeof body.error).toBe("string");
  expect((body.error as string).length).toBeGreaterThan(3);
  if (code) expect(body.code, path).toBe(code);
  return body as { error: string; code: string };
}

describe("GET /api/daily_papers rejects invalid input with 400 and {error, code}", () => {
  it.each([
    ["a date that is not a date", "date=yesterday"],
    ["a month 13", "date=2026-13-01"],
    ["February 30th", "date=2026-02-30"],
    ["a date with a time", "date=2026-06-12T00:00:00Z"],
    ["week 54", "week=2026-W54"],
    ["week 53 of a 52-week year", "week=2021-W53"],
    ["week 0", "week=2026-W00"],
    ["a week without W", "week=2026-24"],
    ["month 13", "month=2026-13"],
    ["month 0", "month=2026-00"],
    ["two periods at once", "date=2026-06-12&week=2026-W24"],
    ["limit 0", "limit=0"],
    ["limit 1000", "limit=1000"],
    ["limit 101", "limit=101"],
    ["a negative limit", "limit=-1"],
    ["a limit that is not a number", "limit=ten"],
    ["a fractional limit", "limit=1.5"],
    ["a negative page", "p=-1"],
    ["a page that is not a number", "p=first"],
    ["a page far past any data", "p=1000&limit=100"],
    ["an unknown sort", "sort=popular"],
    ["a submitter name over 100 characters", `submitter=${"x".repeat(101)}`],
  ])("400 for %s (%s)", async (_what, query) => {
    await expectError(`/api/daily_papers?${query}`, 400);
  });

  it("names the parameter in the message", async () => {
    expect((await expectError("/api/daily_papers?limit=0", 400)).error).toMatch(/^limit: /);
    expect((await expectError("/api/daily_papers?sort=nope", 400)).error).toMatch(/^sort: /);
    expect((await expectError("/api/daily_papers?date=2026-02-30", 400, "invalid_date")).error).toMatch(/^date: /);
  });
});

describe("GET /api/papers/search rejects invalid input", () => {
  it("400 without q", async () => {
    await expectError("/api/papers/search", 400);
  });
  it("400 for an empty or blank q", async () => {
    await expectError("/api/papers/search?q=", 400);
    await expectError("/api/papers/search?q=%20%20", 400);
  });
  it("400 for q over 250 characters, and 200 at exactly 250", async () => {
    await expectError(`/api/papers/search?q=${"a".repeat(251)}`, 400);
    expect((await get(`/api/papers/search?q=${"a".repeat(250)}`)).status).toBe(200);
  });
  it("400 for limit 0 and 1000", async () => {
    await expectError("/api/papers/search?q=model&limit=0", 400);
    await expectError("/api/papers/search?q=model&limit=1000", 400);
  });
});

describe("GET /api/papers/{id}", () => {
  it.each([
    ["not an id", "not-an-id"],
    ["a versioned id", "2606.00467v2"],
    ["a short number", "2606.1"],
    ["an old-style id without its number", "astro-ph/"],
    ["a path walk", "..%2F..%2Fadmin"],
  ])("400 invalid_id for %s", async (_what, id) => {
    await expectError(`/api/papers/${id}`, 400, "invalid_id");
  });

  it("404 not_found for a well-formed id we do not have, old-style too", async () => {
    await expectError("/api/papers/2606.99999", 404, "not_found");
    await expectError("/api/papers/hep-th/9901001", 404, "not_found");
  });

  it("finds a paper after it is added (no stale 404)", async () => {
    await insertPapers([{ id: "2606.99998" }]);
    expect((await get("/api/papers/2606.99998")).status).toBe(200);
  });
});

describe("the rest of /api", () => {
  it("404 in JSON for an unknown endpoint", async () => {
    await expectError("/api/models", 404, "not_found");
  });

  it("405 for a method other than GET, HEAD or OPTIONS", async () => {
    const res = await request("/api/daily_papers", { method: "POST", body: "{}" });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    expect(await res.json()).toMatchObject({ code: "method_not_allowed" });
  });
});

describe("error messages", () => {
  it("say what a valid id looks like", async () => {
    const { error } = await expectError("/api/papers/nope", 400, "invalid_id");
    expect(error).toBe("id: must be an arXiv id such as 2606.00467 or astro-ph/0601001 (no version)");
  });
});
