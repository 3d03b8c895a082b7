import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT, startLocalStack } from "../../scripts/lib/local-stack.mjs";
import { axeViolations, followSigninMail, freePort, launchChromium } from "./browser-support";

// A newcomer submits a paper of the real captures against `wrangler dev`: sign in through the
// local outbox, choose a handle when asked, submit, see it on today's page and in the API. The
// local arXiv is scripts/lib/upstream-stub.mjs; .dev.vars.example opens the window to the captures.
//
// On a stack of its own: a submission makes today the latest featured day, which changes the home
// page and trending for every other file that shares the global one.
let baseUrl: string;
let stack: { stop: () => Promise<void> } | undefined;
const persistTo = join(ROOT, ".wrangler/browser-submit-state");

const stamp = Date.now().toString(36);
const address = `submit-${stamp}@example.com`;
const handle = `submitter-${stamp}`;
/** In the arXiv API capture of 2026-06-14 (the local seed puts it in the catalog), not in the daily feed of 2026-06-12. */
const PAPER = "2606.13677";
let browser: Browser;

beforeAll(async () => {
  rmSync(persistTo, { recursive: true, force: true });
  const started = await startLocalStack({ port: await freePort(), persistTo, quiet: true, log: () => {} });
  stack = started;
  baseUrl = started.baseUrl;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it("submits a paper of the captures from the day page's link and shows it on today's page and in the API", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));

  // Signed out, the day page's link leads to sign-in.
  await page.goto(`${baseUrl}/papers/date/2026-06-12`);
  await page.getByRole("link", { name: "Submit a paper" }).click();
  expect(new URL(page.url()).pathname).toBe("/signin");
  await page.getByLabel("Email address").fill(address);
  await page.getByRole("button", { name: "Mail me a sign-in link" }).click();
  await followSigninMail(page, baseUrl, address);
  await page.getByRole("button", { name: "Sign in to Paperboy" }).click();

  // No handle yet: the form sends us to choose one.
  await page.goto(`${baseUrl}/papers/submit`);
  expect(new URL(page.url()).pathname).toBe("/account");
  expect(await page.getByRole("status").textContent()).toContain("Choose a handle first");
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Display name").fill("Submitting Reader");
  await page.getByRole("button", { name: "Save" }).click();

  await page.goto(`${baseUrl}/`);
  await page.getByRole("link", { name: "Submit a paper" }).click();
  expect(new URL(page.url()).pathname).toBe("/papers/submit");
  expect(await page.locator("h1").textContent()).toBe("Submit a paper");
  expect(await axeViolations(page)).toEqual([]);

  // A paper of the daily feed is featured already: the message names the rule and links to it.
  await page.getByLabel("arXiv id or address").fill("https://arxiv.org/abs/2606.00467v1");
  await page.getByRole("button", { name: "Submit" }).click();
  const alert = page.getByRole("alert");
  expect(await alert.textContent()).toContain("Not submitted. Featured once:");
  expect(await alert.getByRole("link").getAttribute("href")).toBe("/papers/2606.00467");
  expect(await axeViolations(page)).toEqual([]);

  await page.getByLabel("arXiv id or address").fill(`arxiv.org/pdf/${PAPER}v1.pdf`);
  await page.getByLabel(/Comment/).fill("Submitted from the browser test.");
  await page.getByRole("button", { name: "Submit" }).click();
  expect(new URL(page.url()).pathname).toBe(`/papers/${PAPER}`);
  expect(await page.locator("dl.facts").textContent()).toContain("Submitted by Submitting Reader");

  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`${baseUrl}/papers/date/${today}`);
  const card = page.locator(`#paper-${PAPER.replace(".", "\\.")}`);
  expect(await card.count()).toBe(1);
  expect(await card.getByRole("link", { name: "Submitting Reader" }).getAttribute("href")).toBe(`/u/${handle}`);
  await page.goto(`${baseUrl}/`);
  expect(await page.locator(`#paper-${PAPER.replace(".", "\\.")}`).count()).toBe(1);

  const api = await fetch(`${baseUrl}/api/daily_papers?submitter=${handle}`);
  expect(api.status).toBe(200);
  const items = (await api.json()) as {
    paper: { id: string };
    publishedAt: string;
    submittedBy: { name: string; fullname: string };
  }[];
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({
    paper: { id: PAPER },
    publishedAt: `${today}T00:00:00.000Z`,
    submittedBy: { name: handle, fullname: "Submitting Reader" },
  });
  expect(errors).toEqual([]);
  await context.close();
});
