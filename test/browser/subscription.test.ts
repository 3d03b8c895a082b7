import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { axeViolations, launchChromium } from "./browser-support";

// Subscribe, confirm through the local outbox, change preferences, get a digest and unsubscribe
// from it, in Chromium against `wrangler dev` (the three workers, DEV_MODE, no Resend key).
const baseUrl = inject("baseUrl");
const address = `browser-${Date.now()}@example.com`;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Waits for the mailer (a local queue consumer) to put a mail with `subject` for our address in the outbox; opens it. */
async function openMail(page: Page, subject: RegExp) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await page.goto(`${baseUrl}/dev/outbox`);
    const item = page.locator("li", { hasText: address }).filter({ hasText: subject }).first();
    if (await item.count()) {
      await item.locator("a").click();
      return;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`no mail matching ${subject} for ${address} in the outbox`);
}

/** Links in mails carry the mailer's SITE_URL; the test server listens on its own port. */
async function follow(page: Page, linkText: string) {
  const href = await page.getByRole("link", { name: linkText }).first().getAttribute("href");
  const url = new URL(href!);
  await page.goto(`${baseUrl}${url.pathname}${url.search}`);
}

it("subscribes, confirms, changes preferences, receives a digest and unsubscribes with one click", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));

  await page.goto(`${baseUrl}/subscribe`);
  expect(await axeViolations(page)).toEqual([]);
  await page.getByLabel("Email").fill(address);
  await page.getByLabel("Weekly").check();
  await page.getByRole("button", { name: "Subscribe" }).click();
  expect(await page.locator("h1").textContent()).toBe("Check your inbox");

  await openMail(page, /Confirm your Paperboy subscription/);
  await follow(page, "Confirm subscription");
  await page.getByRole("button", { name: "Confirm subscription" }).click();
  expect(await page.locator("h1").textContent()).toBe("You are subscribed");
  expect(await page.locator("main").textContent()).toContain(`Your weekly digest will arrive at ${address}.`);

  await page.getByRole("link", { name: "Manage your subscription" }).click();
  expect(await page.getByTestId("status").textContent()).toBe("confirmed");
  expect(await axeViolations(page)).toEqual([]);
  await page.getByLabel("Daily").check();
  // Featured papers known only from the daily feed have no arXiv categories yet: filter by keyword.
  await page.getByLabel(/Keywords/).fill("agent, reinforcement");
  await page.getByRole("button", { name: "Save preferences" }).click();
  expect(await page.getByRole("status").textContent()).toBe("Preferences saved.");
  expect(await page.getByLabel("Daily").isChecked()).toBe(true);
  expect(await page.getByLabel(/Keywords/).inputValue()).toBe("agent, reinforcement");

  // What the 06:00 UTC cron does, for the seeded day.
  await page.goto(`${baseUrl}/dev/outbox`);
  await page.getByLabel(/Send the digests of day/).fill("2026-06-12");
  await page.getByRole("button", { name: "Queue digests" }).click();
  expect(await page.locator("main").textContent()).toMatch(/digest\(s\) for daily:2026-06-12 queued/);

  await openMail(page, /top ML papers? of Jun 12, 2026/);
  expect(await page.locator("body").textContent()).toContain("keywords agent, reinforcement");
  await follow(page, "Unsubscribe");
  await page.getByRole("button", { name: "Unsubscribe" }).click();
  expect(await page.locator("h1").textContent()).toBe("You are unsubscribed");

  // The old confirmation link cannot bring the subscription back: an unsubscribe wins.
  await openMail(page, /Confirm your Paperboy subscription/);
  await follow(page, "Confirm subscription");
  await page.getByRole("button", { name: "Confirm subscription" }).click();
  expect(await page.locator("main").textContent()).toContain("This subscription was cancelled.");
  expect(errors).toEqual([]);
  await context.close();
});
