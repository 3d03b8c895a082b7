import { rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
// The lead's local stack (scripts/lib/local-stack.mjs): migrate, upstream stub, wrangler dev, seed.
import { ROOT, startLocalStack } from "../../scripts/lib/local-stack.mjs";
import { freePort } from "./browser-support";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const persistTo = join(ROOT, ".wrangler/browser-state");
  rmSync(persistTo, { recursive: true, force: true });
  const port = await freePort();
  const stack = await startLocalStack({ port, persistTo, quiet: true, log: () => {} });
  project.provide("baseUrl", stack.baseUrl);
  return async () => {
    await stack.stop();
  };
}
