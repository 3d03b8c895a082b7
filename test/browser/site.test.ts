import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { axeViolations, launchChromium } from "./browser-support";

const baseUrl = inject("baseUrl");
const SHOTS = join(import.meta.dirname, "../../docs/screenshots");

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** A page that records console errors and uncaught exceptions. */
async function open(path: string, opts: { colorScheme?: "light" | "dark"; width?: number } = {}) {
  const context = await browser.newContext({
    colorScheme: opts.colorScheme ?? "light",
    viewport: { width: opts.width ?? 1280, height: 900 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  const response = await page.goto(`${baseUrl}${path}`);
  return { page, errors, status: response?.status(), close: () => context.close() };
}

const PAGE_TYPES = [
  "/",
  "/papers/date/2026-06-12",
  "/papers/date/2026-06-14",
  "/papers/week/2026-W24",
  "/papers/month/2026-06",
  "/papers/trending",
  "/papers/2606.00467",
  "/search?q=language+model",
  "/search?q=%22unbalanced+((+%F0%9F%A6%99",
  "/about",
];

describe("every page type in Chromium", () => {
  for (const scheme of ["light", "dark"] as const) {
    // Ten pages with axe each: ~40 s on a quiet box, past the default 60 s when the box is shared.
    it(`loads with no console error and no serious or critical axe violation (${scheme})`, {
      timeout: 180_000,
    }, async () => {
      for (const path of PAGE_TYPES) {
        const { page, errors, status, close } = await open(path, { colorScheme: scheme });
        expect(status, path).toBe(200);
        expect(errors, path).toEqual([]);
        expect(await axeViolations(page), `${path} (${scheme})`).toEqual([]);
        await close();
      }
    });
  }

  it("shows error pages readably and accessibly", async () => {
    for (const [path, want] of [
      ["/papers/date/2026-02-30", 400],
      ["/papers/2699.99999", 404],
    ] as const) {
      const { page, status, close } = await open(path);
      expect(status).toBe(want);
      expect(await page.locator("main").innerText()).toMatch(/must be|not in the catalog/);
      expect(await axeViolations(page)).toEqual([]);
      await close();
    }
  });

  it("fits a phone screen without sideways scrolling", async () => {
    for (const path of ["/papers/date/2026-06-12", "/papers/2606.00467", "/search?q=agents"]) {
      const { page, close } = await open(path, { width: 375 });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
      if (path.startsWith("/papers/date/")) {
        mkdirSync(join(import.meta.dirname, "../../test-results/screenshots"), { recursive: true });
        await page.screenshot({ path: join(import.meta.dirname, "../../test-results/screenshots/day-phone.png") });
      }
      await close();
    }
  });
});

describe("navigation without JavaScript", () => {
  it("moves between days with the previous and next links", async () => {
    const { page, close } = await open("/papers/date/2026-06-12");
    await page.locator('a[rel="prev"]').first().click();
    await page.waitForURL(/\/papers\/date\/\d{4}-\d{2}-\d{2}$/);
    const prevUrl = page.url();
    expect(prevUrl).not.toContain("2026-06-12");
    await page.locator('a[rel="next"]').first().click();
    await page.waitForURL(/2026-06-12$/);
    expect(await page.locator("h1").innerText()).toContain("Jun 12, 2026");
    await close();
  });

  it("searches from the header form and highlights the matches", async () => {
    const { page, close } = await open("/");
    await page.getByLabel("Search papers").fill("annotation priors");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/\/search\?q=annotation\+priors/);
    const first = page.locator("ol.cards li").first();
    expect(await first.locator("h2").innerText()).toContain("On the Limits of LLM Adaptability");
    expect(await page.locator("mark").count()).toBeGreaterThan(0);
    await close();
  });

  it("opens a paper from its card", async () => {
    const { page, close } = await open("/papers/date/2026-06-12");
    const link = page.locator("ol.cards h2 a").first();
    const title = await link.innerText();
    await link.click();
    await page.waitForURL(/\/papers\/\d{4}\.\d{4,5}$/);
    expect(await page.locator("h1").innerText()).toBe(title);
    expect(await page.getByRole("link", { name: "PDF" }).getAttribute("href")).toMatch(/^https:\/\/arxiv\.org\/pdf\//);
    await close();
  });
});

describe("pictures", () => {
  /** Opens a day page, scrolls down it, and answers what its images were and did. */
  async function scrollThrough(javaScriptEnabled: boolean) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
    const page = await context.newPage();
    const requested: string[] = [];
    page.on("request", (r) => {
      if (r.resourceType() === "image") requested.push(r.url());
    });
    await page.goto(`${baseUrl}/papers/date/2026-06-12`, { waitUntil: "networkidle" });
    const firstScreen = requested.length;
    const shots = join(import.meta.dirname, "../../test-results/screenshots");
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `day-thumbnails${javaScriptEnabled ? "" : "-no-js"}.png`) });
    const cards = await page.locator("ol.cards > li").count();
    for (let i = 0; i < cards; i++) {
      await page.locator("ol.cards > li").nth(i).scrollIntoViewIfNeeded();
      await page.waitForTimeout(20);
    }
    await page.waitForLoadState("networkidle");
    const images = await page.locator("ol.cards img").evaluateAll((imgs) =>
      (imgs as HTMLImageElement[]).map((img) => {
        const box = img.getBoundingClientRect();
        return {
          src: img.getAttribute("src"),
          loaded: img.complete && img.naturalWidth > 0,
          width: img.getAttribute("width"),
          height: img.getAttribute("height"),
          alt: img.alt,
          shape: box.width / box.height,
        };
      }),
    );
    return { page, context, cards, firstScreen, images, requested };
  }

  it("loads every thumbnail of a day page from this site, sized and described, no more than six on the first screen", async () => {
    const { context, cards, firstScreen, images, requested } = await scrollThrough(true);
    expect(firstScreen).toBeGreaterThan(0);
    expect(firstScreen).toBeLessThanOrEqual(6);
    expect(images).toHaveLength(cards);
    for (const img of images) {
      expect(img, img.src ?? "").toMatchObject({ loaded: true, width: "1200", height: "630" });
      expect(img.alt).toMatch(/^Preview of arXiv /);
      expect(img.shape).toBeCloseTo(40 / 21, 1);
    }
    expect(new Set(requested).size).toBe(cards);
    expect(
      requested.every((url) => url.startsWith(`${baseUrl}/media/thumbnails/`)),
      requested.join(" "),
    ).toBe(true);
    await context.close();
  });

  it("loads them without JavaScript too, as the browser's lazy loading does", async () => {
    const { context, cards, images } = await scrollThrough(false);
    expect(images).toHaveLength(cards);
    expect(images.filter((img) => !img.loaded).map((img) => img.src)).toEqual([]);
    await context.close();
  });

  it("shows the thumbnail on the paper page", async () => {
    const { page, close } = await open("/papers/2606.00467");
    await page.waitForLoadState("networkidle");
    const preview = page.locator("article.paper > img");
    expect(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await preview.getAttribute("alt")).toBe("Preview of arXiv 2606.00467");
    await close();
  });
});

describe("light and dark", () => {
  // `npm run screenshots` refreshes the README's pictures; a plain run keeps its own in test-results.
  const dir = process.env.UPDATE_SCREENSHOTS ? SHOTS : join(import.meta.dirname, "../../test-results/screenshots");

  it("follows the system colour scheme, and screenshots the home page in both, a paper page and its share card", async () => {
    mkdirSync(dir, { recursive: true });
    for (const scheme of ["light", "dark"] as const) {
      const { page, close } = await open("/", { colorScheme: scheme });
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background, scheme).toBe(scheme === "dark" ? "rgb(15, 17, 21)" : "rgb(255, 255, 255)");
      await page.screenshot({ path: join(dir, `home-${scheme}.png`) });
      await close();
    }
    const { page, close } = await open("/papers/2606.00467");
    await page.screenshot({ path: join(dir, "paper-light.png") });
    // the page's share card, as a link to it unfurls
    const card = new URL((await page.locator('meta[property="og:image"]').getAttribute("content")) ?? "").pathname;
    const png = await fetch(`${baseUrl}${card}`);
    expect(png.headers.get("Content-Type")).toBe("image/png");
    writeFileSync(join(dir, "card-paper.png"), new Uint8Array(await png.arrayBuffer()));
    await close();
  });
});
