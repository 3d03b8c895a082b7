import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { suppressionHash } from "#shared/mail/address";
import { suppress } from "#shared/mail/subscribers";
import { request } from "../support/request";

const SECRET = env.RESEND_WEBHOOK_SECRET!;

async function sign(id: string, timestamp: number, body: string, secret = SECRET) {
  const key = await crypto.subtle.importKey(
    "raw",
    Uint8Array.from(atob(secret.replace("whsec_", "")), (c) => c.charCodeAt(0)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)),
  );
  return `v1,${btoa(String.fromCharCode(...sig))}`;
}

async function post(body: string, headers: Record<string, string>) {
  const res = await request("/webhooks/resend", {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", ...headers },
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const event = (type: string, to: string, extra: object = {}) =>
  JSON.stringify({ type, created_at: "2026-06-13T06:01:00.000Z", data: { email_id: "e1", to: [to], ...extra } });
const suppression = async (email: string) =>
  env.DB.prepare("SELECT reason FROM suppressions WHERE email_hash = ?")
    .bind(await suppressionHash(env.SUPPRESSION_SECRET, email))
    .first<{ reason: string }>();
const now = () => Math.floor(Date.now() / 1000);

describe("POST /webhooks/resend", () => {
  it("suppresses a hard-bounced address when the signature is right", async () => {
    const body = event("email.bounced", "Bounce@Example.com", { bounce: { type: "Permanent" } });
    const ts = now();
    const r = await post(body, {
      "svix-id": "msg_1",
      "svix-timestamp": String(ts),
      "svix-signature": `v1,bm90LWl0 ${await sign("msg_1", ts, body)}`,
    });
    expect(r).toEqual({ status: 200, json: { received: true, action: "suppressed", count: 1 } });
    expect(await suppression("bounce@example.com")).toEqual({ reason: "bounced" });
  });

  it("suppresses a complaint", async () => {
    const body = event("email.complained", "angry@example.com");
    const ts = now();
    await post(body, {
      "svix-id": "msg_2",
      "svix-timestamp": String(ts),
      "svix-signature": await sign("msg_2", ts, body),
    });
    expect(await suppression("angry@example.com")).toEqual({ reason: "complained" });
  });

  it("answers 401 and changes nothing when unsigned, tampered, signed with another secret or too old", async () => {
    const body = event("email.bounced", "victim@example.com");
    const ts = now();
    const good = await sign("msg_3", ts, body);
    const cases: Record<string, string>[] = [
      {},
      { "svix-id": "msg_3", "svix-timestamp": String(ts), "svix-signature": good, tamper: "1" },
      {
        "svix-id": "msg_3",
        "svix-timestamp": String(ts),
        "svix-signature": await sign("msg_3", ts, body, "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA=="),
      },
      {
        "svix-id": "msg_3",
        "svix-timestamp": String(ts - 3600),
        "svix-signature": await sign("msg_3", ts - 3600, body),
      },
      { "svix-id": "msg_4", "svix-timestamp": String(ts), "svix-signature": good },
    ];
    for (const { tamper, ...headers } of cases) {
      const sent = tamper ? body.replace("victim", "victin") : body;
      const r = await post(sent, headers);
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ code: "invalid_signature" });
    }
    expect(await suppression("victim@example.com")).toBeNull();
    expect(await suppression("victin@example.com")).toBeNull();
  });

  it("acknowledges and ignores other events and soft bounces", async () => {
    const ts = now();
    for (const body of [
      event("email.delivered", "fine@example.com"),
      event("email.bounced", "soft@example.com", { bounce: { type: "Transient" } }),
    ]) {
      const r = await post(body, {
        "svix-id": "msg_5",
        "svix-timestamp": String(ts),
        "svix-signature": await sign("msg_5", ts, body),
      });
      expect(r).toEqual({ status: 200, json: { received: true, action: "ignored" } });
    }
    expect(await suppression("soft@example.com")).toBeNull();
  });

  it("answers 400 for a signed body that is not a Resend event", async () => {
    const body = JSON.stringify({ hello: "world" });
    const ts = now();
    const r = await post(body, {
      "svix-id": "msg_6",
      "svix-timestamp": String(ts),
      "svix-signature": await sign("msg_6", ts, body),
    });
    expect(r.status).toBe(400);
  });
});

describe("the suppression list's one rule", () => {
  it("keeps the stronger reason when two meet on one address: an erasure never hides a complaint or a bounce", async () => {
    const db = createDb(env.DB);
    const secrets = { current: env.SUPPRESSION_SECRET, previous: [] };
    await suppress(db, secrets, ["strong@example.com"], "complained");
    await suppress(db, secrets, ["strong@example.com"], "erased");
    expect(await suppression("strong@example.com")).toEqual({ reason: "complained" });
    await suppress(db, secrets, ["weak@example.com"], "erased");
    await suppress(db, secrets, ["weak@example.com"], "bounced");
    expect(await suppression("weak@example.com")).toEqual({ reason: "bounced" });
  });
});
