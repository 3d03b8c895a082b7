import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { axeViolations, launchChromium, signInThroughOutbox } from "./browser-support";

// A discussion in Chromium against `wrangler dev`: sign in through the local outbox, then comment
// and reply on a paper of the captures with JavaScript on and off; axe in light and dark.
const baseUrl = inject("baseUrl");
const address = `commenter-${Date.now()}@example.com`;
const handle = `commenter-${Date.now().toString(36)}`;
const PAPER = "2606.00467";
let browser: Browser;
let signedIn: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  signedIn = await browser.newContext();
  const page = await signedIn.newPage();
  await signInThroughOutbox(page, baseUrl, address, handle);
  expect(await page.getByRole("status").textContent()).toBe("Saved.");
  await page.close();
});

afterAll(async () => {
  await signedIn?.close();
  await browser?.close();
});

/** Posts a comment, then a reply to it, on the paper's page; returns the page on the reply. */
async function commentAndReply(page: Page, text: string) {
  await page.goto(`${baseUrl}/papers/${PAPER}`);
  await page.getByLabel("Add a comment").fill(`${text}: *emphasis* and https://example.com/${text}`);
  await page.getByRole("button", { name: "Post", exact: true }).click();
  expect(new URL(page.url()).hash).toMatch(/^#comment-[0-9a-f-]{36}$/);
  const comment = page.locator(new URL(page.url()).hash);
  expect(await comment.locator(".comment-body").innerHTML()).toContain(
    `${text}: <em>emphasis</em> and <a href="https://example.com/${text}" rel="nofollow ugc noopener">`,
  );
  await comment.locator("summary", { hasText: "Reply" }).first().click();
  await comment.getByLabel(`Reply to @${handle}`).fill(`A reply to ${text}`);
  await comment.locator("form.comment-form").getByRole("button", { name: "Reply", exact: true }).click();
  const reply = page.locator(new URL(page.url()).hash);
  expect(await reply.locator(".comment-body").textContent()).toContain(`A reply to ${text}`);
  // one level of replies: the reply sits in its comment's list
  expect(await comment.locator(`ol.replies > li${new URL(page.url()).hash}`).count()).toBe(1);
  return { comment, reply };
}

it("comments and replies without JavaScript; Edit works from its own page", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await signedIn.storageState() });
  const page = await context.newPage();
  const { reply } = await commentAndReply(page, "nojs");
  // without the script every live comment shows its controls; the server refuses other people's
  await reply.getByRole("link", { name: "Edit" }).click();
  expect(await page.locator("h1").textContent()).toBe("Edit your comment");
  await page.getByLabel("Your comment").fill("An edited reply");
  await page.getByRole("button", { name: "Save" }).click();
  const edited = page.locator(new URL(page.url()).hash);
  expect(await edited.locator(".comment-body").textContent()).toContain("An edited reply");
  expect(await edited.locator(".comment-meta").textContent()).toContain("edited");
  await context.close();
});

it("comments and replies with JavaScript; the script shows Edit and Delete on the author's comments only", async () => {
  const page = await signedIn.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const { comment } = await commentAndReply(page, "withjs");
  await page.waitForFunction(() => document.querySelector(".own.mine") !== null);
  expect(await comment.locator(":scope > .comment-actions > .own").isVisible()).toBe(true);
  await comment.locator(":scope > .comment-actions summary", { hasText: "Delete" }).click();
  await comment.getByRole("button", { name: "Delete this comment" }).click();
  const deleted = page.locator(new URL(page.url()).hash);
  expect(await deleted.locator(":scope > .comment-body").textContent()).toBe("[deleted]");
  // its reply stays in place
  expect(await deleted.locator("ol.replies .comment-body").first().textContent()).toContain("A reply to withjs");

  // an anonymous reader sees the thread, and no one's Edit or Delete once the script ran
  const anonymous = await browser.newContext();
  const other = await anonymous.newPage();
  await other.goto(`${baseUrl}/papers/${PAPER}`);
  await other.waitForFunction(() => document.documentElement.classList.contains("js"));
  expect(await other.locator(".comment").count()).toBeGreaterThanOrEqual(4);
  expect(await other.locator(".own").first().isVisible()).toBe(false);
  // posting signed out answers with the page that says to sign in
  await other.getByLabel("Add a comment").fill("Anonymous words");
  await other.getByRole("button", { name: "Post", exact: true }).click();
  expect(await other.locator("h1").textContent()).toBe("Sign in to comment");
  await anonymous.close();
  expect(errors).toEqual([]);
  await page.close();
});

// axe runs in the page, so JavaScript stays on; the page without the script (every comment's
// controls showing) is had by taking away the class the script adds.
for (const colorScheme of ["light", "dark"] as const) {
  it(`has no serious or critical axe findings on a paper page with a thread, ${colorScheme}, with and without the script's state`, async () => {
    const context = await browser.newContext({ colorScheme, storageState: await signedIn.storageState() });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/papers/${PAPER}#comments`);
    expect(await page.locator(".comment").count()).toBeGreaterThan(0);
    await page.waitForFunction(() => document.querySelector(".own.mine") !== null);
    // open a Reply and a Delete, so that their forms are checked too
    await page.locator(".comment summary:visible", { hasText: "Reply" }).first().click();
    await page.locator(".comment summary:visible", { hasText: "Delete" }).first().click();
    expect(await axeViolations(page), "with the script").toEqual([]);
    await page.evaluate(() => document.documentElement.classList.remove("js"));
    expect(await page.locator(".own").first().isVisible()).toBe(true);
    expect(await axeViolations(page), "as without the script").toEqual([]);
    await context.close();
  }, 120_000);
}
