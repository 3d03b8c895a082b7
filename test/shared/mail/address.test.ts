import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { suppressionHash } from "#shared/mail/address";

describe("the suppression list", () => {
  it("stores a keyed hash that a guessed address cannot be checked against without the secret", async () => {
    const secret = env.SUPPRESSION_SECRET;
    const hash = await suppressionHash(secret, " Someone@Example.com ");
    expect(hash).toBe(await suppressionHash(secret, "someone@example.com"));
    expect(hash).not.toBe(await suppressionHash("another-secret-of-32-characters!!", "someone@example.com"));
    const plain = [
      ...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("someone@example.com"))),
    ]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(hash).not.toBe(plain);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
