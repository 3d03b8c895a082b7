import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { purgeExpiredSignins } from "../../workers/ingest/src/housekeeping";

const at = new Date("2026-06-13T06:15:00Z");
const DAY = 86_400_000;

describe("the hourly housekeeping", () => {
  it("deletes sign-in tokens a day past their expiry and expired sessions, and keeps the rest", async () => {
    await env.DB.prepare("INSERT INTO accounts (id, email) VALUES ('acc', 'someone@example.com')").run();
    const token = (id: string, expiresAt: number) =>
      env.DB.prepare(
        "INSERT INTO signin_tokens (id, token_hash, email, expires_at, mail_status) VALUES (?, ?, 'someone@example.com', ?, 'sent')",
      ).bind(id, `hash-${id}`, expiresAt);
    const session = (id: string, expiresAt: number) =>
      env.DB.prepare("INSERT INTO sessions (id_hash, account_id, expires_at) VALUES (?, 'acc', ?)").bind(id, expiresAt);
    await env.DB.batch([
      token("old", at.getTime() - DAY - 1),
      token("recent", at.getTime() - 60_000),
      token("live", at.getTime() + 60_000),
      session("expired", at.getTime() - 1),
      session("live", at.getTime() + DAY),
    ]);
    expect(await purgeExpiredSignins(env.DB, at)).toEqual({ tokens: 1, sessions: 1 });
    const tokens = await env.DB.prepare("SELECT id FROM signin_tokens ORDER BY id").all<{ id: string }>();
    expect(tokens.results.map((r) => r.id)).toEqual(["live", "recent"]);
    const sessions = await env.DB.prepare("SELECT id_hash FROM sessions").all<{ id_hash: string }>();
    expect(sessions.results.map((r) => r.id_hash)).toEqual(["live"]);
  });
});
