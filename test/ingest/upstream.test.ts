import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchText } from "../../workers/ingest/src/upstream";

afterEach(() => vi.restoreAllMocks());

describe("fetchText", () => {
  it("waits the configured first delay after a 5xx, then doubles it each attempt", async () => {
    let calls = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      if (String(input instanceof Request ? input.url : input) !== "https://upstream.test/x")
        throw new Error("unexpected request in a test");
      return ++calls < 3 ? new Response("down", { status: 503 }) : new Response("ok");
    });
    const slept: number[] = [];
    const result = await fetchText("https://upstream.test/x", {
      userAgent: "test",
      backoffBaseMs: 1000,
      sleep: async (ms) => void slept.push(ms),
    });
    expect(result.body).toBe("ok");
    expect(slept).toEqual([1000, 2000]);
  });
});
