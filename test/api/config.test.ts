import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readConfig } from "../../workers/api/src/env";
import { request } from "../support/request";

afterEach(() => vi.restoreAllMocks());

describe("the API worker's configuration", () => {
  it("is validated with zod: the site URL loses a trailing slash, DEV_MODE becomes a boolean, secrets are kept", () => {
    const config = readConfig({
      ...env,
      SITE_URL: "https://paperboy.example/",
      DEV_MODE: "true",
      SUPPRESSION_SECRET_PREVIOUS: "old-secret-0123456789, older-secret-0123456789",
    });
    expect(config.SITE_URL).toBe("https://paperboy.example");
    expect(config.DEV_MODE).toBe(true);
    expect(config.suppression).toEqual({
      current: env.SUPPRESSION_SECRET,
      previous: ["old-secret-0123456789", "older-secret-0123456789"],
    });
  });

  it("answers a misconfiguration with a 500 that names nothing, and logs the variable", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const broken of [{ TOKEN_SECRET: "short" }, { SUPPRESSION_SECRET: "" }, { SITE_URL: "not a url" }]) {
      const res = await request("/subscribe", { method: "POST" }, { env: broken, form: { email: "a@example.com" } });
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).not.toMatch(/TOKEN_SECRET|SUPPRESSION_SECRET|SITE_URL/);
    }
    expect(log.mock.calls.flat().join(" ")).toMatch(/misconfigured: TOKEN_SECRET/);
  });
});
