import { defineConfig } from "vitest/config";

// Tests against a running local stack, in plain Node (not workerd): Chromium (test/browser) and
// clients such as the MCP SDK's (test/stack). The global setup starts a local `wrangler dev` of the
// three workers on a free port with its own state, filled from the real captures through POST /admin/ingest.
export default defineConfig({
  test: {
    name: "browser",
    environment: "node",
    include: ["test/browser/**/*.test.ts", "test/stack/**/*.test.ts"],
    globalSetup: ["./test/browser/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    // CI sums both test runs into one closing line (.ci/run).
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-results/browser.json" },
  },
});
