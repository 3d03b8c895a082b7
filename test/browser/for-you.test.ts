import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { axeLightAndDark, launchChromium, signInThroughOutbox } from "./browser-support";

// For you in Chromium against the local stack (its catalog and the local default's vectors, as
// `npm run dev` seeds them): a person signs in, upvotes three papers, follows an author from the
// author's page, opens For you and reads why each paper is there; then, without JavaScript, marks
// one "not for me".
const baseUrl = inject("baseUrl");
const DAY = "/papers/date/2026-06-12";
const stamp = Date.now().toString(36);
const SHOTS = join(import.meta.dirname, "../../test-results/screenshots");

let browser: Browser;
let signedIn: BrowserContext;
const errors: string[] = [];

function watch(page: Page) {
  page.on("pageerror", (err) => errors.push(`${page.url()}: ${err.message}`));
  return page;
}

beforeAll(async () => {
  browser = await launchChromium();
  signedIn = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await signInThroughOutbox(watch(await signedIn.newPage()), baseUrl, `foryou-${stamp}@example.com`, `reader-${stamp}`);
});

afterAll(async () => {
  await browser?.close();
});

describe("For you in Chromium", () => {
  let followed: { name: string; paperId: string };

  it("upvotes three papers and follows an author from their page", async () => {
    const page = watch(await signedIn.newPage());
    await page.goto(`${baseUrl}${DAY}`);
    const cards = page.locator("ol.cards > li.card");
    for (let n = 0; n < 3; n++) {
      const button = cards.nth(n).locator("button[data-paper]");
      await expect.poll(() => button.getAttribute("aria-pressed")).toBe("false");
      await button.click();
      await expect.poll(() => button.getAttribute("aria-pressed")).toBe("true");
    }
    // the fifth card's first author: a paper not upvoted, so For you can list it for its author
    const fifth = cards.nth(4);
    const paperId = (await fifth.getAttribute("id"))!.replace(/^paper-/, "");
    const author = fifth.locator("p.meta a[href^='/authors/']").first();
    const name = await author.innerText();
    await author.click();
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe(name);
    await page.getByRole("button", { name: "Follow this author" }).click();
    expect(await page.getByRole("status").innerText()).toContain(`You now follow the author ${name}`);
    followed = { name, paperId };
    expect(errors).toEqual([]);
    await page.close();
  });

  it("opens For you and sees why each paper is there", async () => {
    const page = watch(await signedIn.newPage());
    await page.goto(`${baseUrl}/for-you`);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("For you");
    expect(await page.getByText("Pick three papers or topics first").count()).toBe(0);
    const cards = page.locator("ol.cards > li.card");
    expect(await cards.count()).toBeGreaterThan(3);
    // the followed author's paper first, saying so
    expect(await cards.first().getAttribute("id")).toBe(`paper-${followed.paperId}`);
    expect(await cards.first().getByRole("list", { name: "Why it is here" }).innerText()).toContain(
      `By ${followed.name}, an author you follow`,
    );
    // every card says why, and the others are like an upvoted paper
    for (let n = 0; n < (await cards.count()); n++)
      expect(await cards.nth(n).getByRole("list", { name: "Why it is here" }).locator("li").count()).toBeGreaterThan(0);
    expect(await page.getByText(/which you upvoted/).count()).toBeGreaterThan(0);
    expect(await axeLightAndDark(page)).toEqual([]);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "for-you.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("without JavaScript, a paper marked not for me leaves the list", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, storageState: await signedIn.storageState() });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/for-you`);
    const second = page.locator("ol.cards > li.card").nth(1);
    const id = await second.getAttribute("id");
    await second.getByRole("button", { name: /^Not for me: / }).click();
    await page.waitForURL(`${baseUrl}/for-you`);
    expect(await page.locator(`[id="${id}"]`).count()).toBe(0);
    await context.close();
  });
});
