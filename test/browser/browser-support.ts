import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import type { Page } from "playwright-core";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export { launchChromium } from "./chromium";

/**
 * Serious and critical axe-core findings on the current page. axe is injected through the
 * DevTools protocol: the page's CSP forbids script tags, rightly.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            ctx: unknown,
            opts: unknown,
          ) => Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }>;
        };
      }
    ).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}

/** A free TCP port on 127.0.0.1, for a local stack of a test's own. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Opens the sign-in mail for `address` in the local outbox (once the mailer has sent it) and goes
 * to its link on the test server: the page with the "Sign in to Paperboy" button.
 */
export async function followSigninMail(page: Page, baseUrl: string, address: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await page.goto(`${baseUrl}/dev/outbox`);
    const item = page
      .locator("li", { hasText: address })
      .filter({ hasText: /Sign in to Paperboy/ })
      .first();
    if (await item.count()) {
      await item.locator("a").click();
      const href = await page.getByRole("link", { name: "Sign in" }).first().getAttribute("href");
      const url = new URL(href!);
      await page.goto(`${baseUrl}${url.pathname}${url.search}`);
      return;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`no sign-in mail for ${address} in the outbox`);
}

/**
 * Signs `address` in on the local stack through its outbox (the mailed link, then the button),
 * and, on a first sign-in, picks `handle`. Leaves the page on /account.
 */
export async function signInThroughOutbox(page: Page, baseUrl: string, address: string, handle: string) {
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel("Email address").fill(address);
  await page.getByRole("button", { name: "Mail me a sign-in link" }).click();
  await followSigninMail(page, baseUrl, address);
  await page.getByRole("button", { name: "Sign in to Paperboy" }).click();
  if (await page.getByText("Choose a handle").count()) {
    await page.getByLabel("Handle").fill(handle);
    await page.getByRole("button", { name: "Save" }).click();
  }
}

/** axe on the current page in the light and the dark colour scheme: the findings of both, labelled. */
export async function axeLightAndDark(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    found.push(...(await axeViolations(page)).map((v) => `${colorScheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: null });
  return found;
}
