import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { axeLightAndDark, launchChromium, signInThroughOutbox } from "./browser-support";

// A curator (CURATOR_EMAILS in .dev.vars: curator@example.com) at the desk, in Chromium against
// the local stack: hides a paper and shows it again, edits its links, hides a comment, sees the
// ingest runs and the dead letters; every page axe-clean in light and dark.
const baseUrl = inject("baseUrl");
const PAPER = "2606.08039"; // featured on 2026-06-12 in the captures
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  await signInThroughOutbox(page, baseUrl, "curator@example.com", `curator-${Date.now().toString(36)}`);
});

afterAll(async () => {
  await browser?.close();
});

it("curates a paper from the desk, every action in the audit log", { timeout: 180_000 }, async () => {
  await page.goto(`${baseUrl}/admin`);
  expect(await page.locator("h1").textContent()).toBe("Curators' desk");
  expect(await axeLightAndDark(page)).toEqual([]);

  await page.getByLabel("Curate a paper (arXiv id or address)").fill(`https://arxiv.org/abs/${PAPER}v1`);
  await page.getByRole("button", { name: "Open" }).click();
  expect(new URL(page.url()).pathname).toBe(`/admin/papers/${PAPER}`);
  expect(await axeLightAndDark(page)).toEqual([]);

  await page.getByRole("button", { name: "Hide the paper" }).click();
  expect((await page.request.get(`${baseUrl}/papers/${PAPER}`)).status()).toBe(404);
  await page.getByRole("button", { name: "Show the paper again" }).click();
  expect((await page.request.get(`${baseUrl}/papers/${PAPER}`)).status()).toBe(200);

  await page.getByLabel("Code").fill("https://github.com/example/curated");
  await page.getByRole("button", { name: "Save links" }).click();
  expect(await (await page.request.get(`${baseUrl}/papers/${PAPER}`)).text()).toContain(
    "https://github.com/example/curated",
  );

  const log = page.locator("table.admin").last();
  for (const action of ["hide-paper", "show-paper", "edit-links"]) expect(await log.textContent()).toContain(action);

  await page.goto(`${baseUrl}/admin/ingest-runs`);
  expect(await page.locator("table.admin tbody tr").count()).toBeGreaterThan(0);
  expect(await axeLightAndDark(page)).toEqual([]);
  await page.goto(`${baseUrl}/admin/dead-letters`);
  expect(await axeLightAndDark(page)).toEqual([]);
});

it("hides a comment from the paper's desk: the thread says it was hidden, and shows its text no more", {
  timeout: 120_000,
}, async () => {
  const text = `An off-topic remark ${Date.now().toString(36)}`;
  await page.goto(`${baseUrl}/papers/${PAPER}`);
  await page.getByLabel("Add a comment").fill(text);
  await page.getByRole("button", { name: "Post", exact: true }).click();
  // The click returns once the next page starts loading: count() does not wait for it, waitFor() does.
  await page.locator(".comment", { hasText: text }).waitFor();
  expect(await page.locator(".comment", { hasText: text }).count()).toBe(1);

  await page.goto(`${baseUrl}/admin/papers/${PAPER}`);
  await page.locator("li", { hasText: text }).getByRole("button", { name: "Hide this comment" }).click();
  const show = page.locator("li", { hasText: text }).getByRole("button", { name: "Show this comment" });
  await show.waitFor();
  expect(await show.count()).toBe(1);
  expect(await page.locator("table.admin").last().textContent()).toContain("hide-comment");
  expect(await axeLightAndDark(page)).toEqual([]);

  const thread = await (await page.request.get(`${baseUrl}/papers/${PAPER}`)).text();
  expect(thread).not.toContain(text);
  expect(thread).toContain("[hidden by a curator]");
});

it("turns away someone who is not a curator, with a page", async () => {
  const stranger = await (await browser.newContext()).newPage();
  const res = await stranger.goto(`${baseUrl}/admin`);
  expect(res!.status()).toBe(401);
  expect(await stranger.locator("main").textContent()).toContain("curators only");
});
