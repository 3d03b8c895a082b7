import { describe, expect, it } from "vitest";
import { signToken, verifyToken } from "#shared/mail/tokens";

describe("signed tokens", () => {
  const secret = "a-secret-for-the-token-tests";

  it("verify for their purpose and subject until they expire", async () => {
    const now = Date.parse("2026-06-12T00:00:00Z");
    const t = await signToken(secret, "prefs", "sub-1", now);
    expect(await verifyToken(secret, "prefs", t, now + 1000)).toEqual({ ok: true, subject: "sub-1" });
    expect(await verifyToken(secret, "unsub", t, now)).toEqual({ ok: false, reason: "wrong_purpose" });
    expect(await verifyToken(secret, "prefs", t, now + 366 * 86_400_000)).toEqual({ ok: false, reason: "expired" });
    expect(await verifyToken("another-secret-of-length", "prefs", t, now)).toEqual({ ok: false, reason: "forged" });
  });

  it("refuse a changed subject or garbage", async () => {
    const t = await signToken(secret, "unsub", "sub-1");
    const [body, sig] = t.split(".");
    const claims = JSON.parse(atob(body!.replaceAll("-", "+").replaceAll("_", "/")));
    const forgedBody = btoa(JSON.stringify({ ...claims, s: "sub-2" }))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
    expect(await verifyToken(secret, "unsub", `${forgedBody}.${sig}`)).toEqual({ ok: false, reason: "forged" });
    for (const junk of ["", ".", "a.b.c", "!!!.???", `${body}.`])
      expect((await verifyToken(secret, "unsub", junk)).ok).toBe(false);
  });

  it("refuse to sign with a short secret", async () => {
    await expect(signToken("short", "prefs", "x")).rejects.toThrow(/at least 16/);
  });
});
