import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { axeViolations, launchChromium, signInThroughOutbox } from "./browser-support";

// Upvotes in Chromium against `wrangler dev`: signed in through the outbox, with the page script
// (aria-pressed, no reload) and without JavaScript (the form's 303 back to the card), the profile
// and /api/me, axe in both colour schemes, and sign-out everywhere at the end.
const baseUrl = inject("baseUrl");
const DAY = "/papers/date/2026-06-12";
const stamp = Date.now().toString(36);
const address = `votes-${stamp}@example.com`;
const handle = `voter-${stamp}`;
const SHOTS = join(import.meta.dirname, "../../test-results/screenshots");

let browser: Browser;
/** The signed-in context with JavaScript, whose storage state the other contexts copy. */
let signedIn: BrowserContext;
let cookie: string;
const errors: string[] = [];

function watch(page: Page) {
  page.on("console", (msg) => {
    // The sign-in-to-upvote page answers 401 on purpose, the not-saved test fakes a 503; the site has no favicon.
    const from = msg.location().url;
    if (msg.type() === "error" && !/status of (401|503)/.test(msg.text()) && !from.endsWith("/favicon.ico"))
      errors.push(`${from}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`${page.url()}: ${err.message}`));
  return page;
}

async function signIn(page: Page) {
  await signInThroughOutbox(page, baseUrl, address, handle);
  expect(await page.getByRole("status").textContent()).toBe("Saved.");
}

/** The n-th card of the day page: its paper id, title, button and count. */
async function card(page: Page, n: number) {
  const li = page.locator("ol.cards > li.card").nth(n);
  const id = (await li.locator("button[data-paper]").getAttribute("data-paper"))!;
  const title = await li.locator("h2 a").innerText();
  return widget(page, id, title);
}

function widget(page: Page, id: string, title: string) {
  const button = page.getByRole("button", { name: `Upvote ${title}`, exact: true });
  const form = page.locator("form.votes", { has: page.locator(`button[data-paper="${id}"]`) });
  return {
    id,
    title,
    button,
    count: async () => Number(await form.locator(".count").innerText()),
    label: () => form.locator("small").innerText(),
  };
}

async function axeBoth(page: Page, what: string) {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await axeViolations(page), `${what} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

async function me() {
  const res = await fetch(`${baseUrl}/api/me`, { headers: { Cookie: cookie } });
  expect(res.headers.get("Cache-Control")).toBe("private, no-store");
  return (await res.json()) as { account: { handle: string } | null; upvoted: string[] };
}

const pressed = (button: Locator) => button.getAttribute("aria-pressed");

// Paper ids the steps share, in order: voted with the script, voted without it.
let first: { id: string; title: string };
let second: { id: string; title: string };

beforeAll(async () => {
  browser = await launchChromium();
  signedIn = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await signIn(watch(await signedIn.newPage()));
  const session = (await signedIn.cookies(baseUrl)).find((c) => c.name === "__Host-session");
  expect(session).toBeDefined();
  cookie = `${session!.name}=${session!.value}`;
});

afterAll(async () => {
  await browser?.close();
});

describe("upvotes in Chromium", () => {
  it("with JavaScript: votes and unvotes without a reload, by mouse and by keyboard", async () => {
    const page = watch(await signedIn.newPage());
    await page.goto(`${baseUrl}${DAY}`);
    const a = await card(page, 0);
    first = a;
    // The script has asked /api/me and marked the buttons of a signed-in person.
    await expect.poll(() => pressed(a.button)).toBe("false");
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const before = await a.count();

    await a.button.click();
    await expect.poll(() => pressed(a.button)).toBe("true");
    expect(await a.count()).toBe(before + 1);
    expect(await a.label()).toBe(before + 1 === 1 ? "vote" : "votes");
    await a.button.click();
    await expect.poll(() => pressed(a.button)).toBe("false");
    expect(await a.count()).toBe(before);

    await a.button.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => pressed(a.button)).toBe("true");
    expect(await a.count()).toBe(before + 1);
    await page.keyboard.press("Space");
    await expect.poll(() => pressed(a.button)).toBe("false");
    expect(await a.count()).toBe(before);
    await page.keyboard.press("Space");
    await expect.poll(() => pressed(a.button)).toBe("true");
    expect(await a.count()).toBe(before + 1);

    mkdirSync(SHOTS, { recursive: true });
    await page
      .locator("li.card")
      .first()
      .screenshot({ path: join(SHOTS, "votes-card-focused.png") });
    expect(page.url()).toBe(`${baseUrl}${DAY}`);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect((await me()).upvoted).toContain(a.id);

    // A fresh load shows the vote (the voter's copy of the page was freshened) and marks it.
    await page.reload();
    await expect.poll(() => pressed(a.button)).toBe("true");
    expect(await a.count()).toBe(before + 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("with JavaScript, a vote the server did not save says so and changes nothing on the page", async () => {
    const page = watch(await signedIn.newPage());
    await page.route("**/api/me/upvotes/**", (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: '{"error":"down","code":"internal_error"}' }),
    );
    await page.goto(`${baseUrl}${DAY}`);
    const c = await card(page, 2);
    await expect.poll(() => pressed(c.button)).toBe("false");
    const before = await c.count();
    await c.button.click();
    await expect.poll(() => page.locator(".vote-error").first().textContent()).toBe("Not saved, try again");
    expect(page.url()).toBe(`${baseUrl}${DAY}`);
    expect(await pressed(c.button)).toBe("false");
    expect(await c.count()).toBe(before);
    await page.close();
  });

  it("without JavaScript: the form toggles and comes back to the card", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, storageState: await signedIn.storageState() });
    const page = watch(await context.newPage());
    await page.goto(`${baseUrl}${DAY}`);
    const b = await card(page, 1);
    second = b;
    expect(b.id).not.toBe(first.id);
    expect(await pressed(b.button)).toBeNull();
    const before = await b.count();

    await b.button.click();
    await page.waitForURL((url) => url.hash === `#paper-${b.id}`);
    expect(page.url()).toBe(`${baseUrl}${DAY}#paper-${b.id}`);
    expect(await b.count()).toBe(before + 1);
    expect((await me()).upvoted).toContain(b.id);

    await Promise.all([page.waitForEvent("load"), b.button.click()]);
    expect(page.url()).toBe(`${baseUrl}${DAY}#paper-${b.id}`);
    expect(await b.count()).toBe(before);
    expect((await me()).upvoted).not.toContain(b.id);

    // On the paper's own page the form comes back there.
    await page.goto(`${baseUrl}/papers/${b.id}`);
    const onPaper = widget(page, b.id, b.title);
    expect(await onPaper.count()).toBe(before);
    await onPaper.button.click();
    await page.waitForURL((url) => url.hash === `#paper-${b.id}`);
    expect(page.url()).toBe(`${baseUrl}/papers/${b.id}#paper-${b.id}`);
    expect(await onPaper.count()).toBe(before + 1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("lists the upvoted papers on the profile and in /api/me", async () => {
    const mine = await me();
    expect(mine.account?.handle).toBe(handle);
    expect(mine.upvoted.slice(0, 2)).toEqual([second.id, first.id]);

    const page = watch(await signedIn.newPage());
    const res = await page.goto(`${baseUrl}/u/${handle}`);
    expect(res?.status()).toBe(200);
    expect(await page.locator("h1").innerText()).toBe(`@${handle}`);
    const titles = await page.locator("ol.cards h3 a").allInnerTexts();
    expect(titles).toEqual([second.title, first.title]);
    // The public profile is the same for everyone; the script marks the viewer's own votes.
    await expect.poll(() => pressed(widget(page, first.id, first.title).button)).toBe("true");
    expect(errors).toEqual([]);
    await page.close();
  });

  // Five pages, axe twice on each: ~25 s on a quiet box.
  it("has no serious or critical axe violation, light or dark, signed in or asked to sign in", {
    timeout: 180_000,
  }, async () => {
    const page = watch(await signedIn.newPage());
    await page.goto(`${baseUrl}${DAY}`);
    const a = widget(page, first.id, first.title);
    await expect.poll(() => pressed(a.button)).toBe("true");
    expect(await page.locator('button[aria-pressed="false"]').count()).toBeGreaterThan(0);
    await axeBoth(page, DAY);

    mkdirSync(SHOTS, { recursive: true });
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await page.screenshot({ path: join(SHOTS, `votes-day-${colorScheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 375, height: 800 });
    await page
      .locator("li.card")
      .first()
      .screenshot({ path: join(SHOTS, "votes-card-phone.png") });
    await page.setViewportSize({ width: 1280, height: 900 });

    for (const path of [`/papers/${first.id}`, `/u/${handle}`, "/account"]) {
      await page.goto(`${baseUrl}${path}`);
      if (path.startsWith("/papers/")) {
        await expect.poll(() => pressed(a.button)).toBe("true");
        for (const colorScheme of ["light", "dark"] as const) {
          await page.emulateMedia({ colorScheme });
          await page.screenshot({ path: join(SHOTS, `votes-paper-${colorScheme}.png`) });
        }
      }
      await axeBoth(page, path);
    }
    await page.close();

    // Signed out, the form posts as it is, with or without the script (which leaves it alone).
    for (const javaScriptEnabled of [false, true]) {
      const signedOut = await browser.newContext({ javaScriptEnabled });
      const asked = watch(await signedOut.newPage());
      await asked.goto(`${baseUrl}${DAY}`);
      const [response] = await Promise.all([
        asked.waitForResponse((r) => r.request().method() === "POST"),
        widget(asked, first.id, first.title).button.click(),
      ]);
      expect(response.status()).toBe(401);
      await asked.waitForLoadState();
      expect(await asked.locator("h1").innerText()).toBe("Sign in to upvote");
      expect(await asked.getByRole("link", { name: "Sign in with your email address" }).getAttribute("href")).toBe(
        "/signin",
      );
      // axe runs in the page, so it needs JavaScript.
      if (javaScriptEnabled) await axeBoth(asked, "Sign in to upvote");
      await signedOut.close();
    }
    expect(errors).toEqual([]);
  });

  it("signs out everywhere, after which the votes need a sign-in again", async () => {
    const page = watch(await signedIn.newPage());
    await page.goto(`${baseUrl}/account`);
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.waitForURL(`${baseUrl}/`);
    expect(await me()).toEqual({ account: null, upvoted: [] });
    const res = await fetch(`${baseUrl}/api/me/upvotes/${first.id}`, {
      method: "DELETE",
      headers: { Cookie: cookie, Origin: baseUrl },
    });
    expect(res.status).toBe(401);
    // The profile keeps the votes: they belong to the account, not the session.
    await page.goto(`${baseUrl}/u/${handle}`);
    expect(await page.locator("ol.cards h3 a").allInnerTexts()).toEqual([second.title, first.title]);
    expect(errors).toEqual([]);
    await signedIn.close();
  });
});
