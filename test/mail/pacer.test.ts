import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { reserveSlot } from "#shared/db/pacer";
import { pacedTransport } from "../../workers/mailer/src/pacer";

describe("the send pacer", () => {
  it("hands out slots one interval apart, also to callers that ask at the same moment", async () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    const slots = await Promise.all(Array.from({ length: 5 }, () => reserveSlot(env.DB, "test-pacer", 200, now)));
    expect(slots.sort((a, b) => a - b)).toEqual([now, now + 200, now + 400, now + 600, now + 800]);
    // Idle for a while: the next slot is now, not in the past.
    expect(await reserveSlot(env.DB, "test-pacer", 200, now + 10_000)).toBe(now + 10_000);
  });

  it("waits for its slot before a call, and refuses a call like a 429 when the slot is too far away", async () => {
    await env.DB.prepare("DELETE FROM send_pacer").run();
    const calls: string[] = [];
    const slept: number[] = [];
    const inner = {
      sendBatch: async (_: unknown[], key: string) => (calls.push(key), { ok: true as const, items: [] }),
    };
    // 1 request a second: the first call goes at once, the second waits a second, the third would wait two.
    const paced = pacedTransport(inner, {
      d1: env.DB,
      requestsPerSecond: 1,
      maxWaitMs: 1500,
      sleep: async (ms) => void slept.push(ms),
    });
    expect(await paced.sendBatch([], "k1")).toMatchObject({ ok: true });
    expect(await paced.sendBatch([], "k2")).toMatchObject({ ok: true });
    const turn = () =>
      env.DB.prepare("SELECT next_at_ms FROM send_pacer WHERE name = 'resend'").first<number>("next_at_ms");
    const before = await turn();
    expect(await paced.sendBatch([], "k3")).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 2 });
    // A refused call takes no turn: the calls after it are not pushed further back.
    expect(await turn()).toBe(before);
    expect(calls).toEqual(["k1", "k2"]);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(900);
  });
});
