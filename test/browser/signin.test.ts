import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { axeViolations, followSigninMail, launchChromium } from "./browser-support";

// Sign in through the local outbox over plain http (the __Host- cookie on 127.0.0.1), pick a
// handle, see the profile, sign out everywhere, in Chromium against `wrangler dev`.
const baseUrl = inject("baseUrl");
const address = `signin-${Date.now()}@example.com`;
const handle = `reader-${Date.now().toString(36)}`;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

it("signs in from the outbox link, picks a handle, shows the profile and signs out everywhere", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));

  await page.goto(`${baseUrl}/signin`);
  expect(await axeViolations(page)).toEqual([]);
  await page.getByLabel("Email address").fill(address);
  await page.getByRole("button", { name: "Mail me a sign-in link" }).click();
  expect(await page.locator("h1").textContent()).toBe("Check your inbox");

  await followSigninMail(page, baseUrl, address);
  await page.getByRole("button", { name: "Sign in to Paperboy" }).click();
  expect(await page.locator("h1").textContent()).toBe("Your account");
  expect(await page.locator("main").textContent()).toContain("Choose a handle");
  expect(await axeViolations(page)).toEqual([]);

  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Display name").fill("A Reader");
  await page.getByRole("button", { name: "Save" }).click();
  expect(await page.getByRole("status").textContent()).toBe("Saved.");
  await page.getByRole("link", { name: `@${handle}` }).click();
  expect(await page.locator("h1").textContent()).toBe(`@${handle}`);
  expect(await page.locator("main").textContent()).toContain("A Reader");

  await page.goto(`${baseUrl}/account`);
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await page.goto(`${baseUrl}/account`);
  expect(new URL(page.url()).pathname).toBe("/signin");
  expect(errors).toEqual([]);
  await context.close();
});
