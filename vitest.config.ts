import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        main: "./test/support/test-worker.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token",
            ARXIV_API_URL: "https://export.arxiv.test/api/query",
            ARXIV_RSS_URL: "https://rss.arxiv.test/rss",
            HF_DAILY_PAPERS_URL: "https://hf.test/api/daily_papers",
            ARXIV_CATEGORIES: "cs.AI,cs.CL,cs.CV,cs.LG,stat.ML",
            CONTACT_EMAIL: "tests@paperboy.example",
            ARXIV_MIN_INTERVAL_MS: "0",
            UPSTREAM_BACKOFF_MS: "0",
            TOKEN_SECRET: "test-token-secret-0123456789abcdef",
            SUPPRESSION_SECRET: "test-suppression-secret-0123456789",
            // base64 of "test-webhook-signing-key-32bytes!"
            RESEND_WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNpZ25pbmcta2V5LTMyYnl0ZXMh",
            // test/support/accounts.ts signedInAccount("curator") holds this address.
            CURATOR_EMAILS: "Curator@Example.com, other-curator@example.com",
            // the production host, whatever a local .dev.vars points it at; tests stub fetch
            THUMBNAIL_ORIGIN: "https://cdn-thumbnails.huggingface.co",
          },
          // The API and ingest workers reach each other's RPC entrypoints; in tests both live in
          // the one test worker (test/support/test-worker.ts), so the bindings point back at it.
          serviceBindings: {
            INGEST: { name: "paperboy-api", entrypoint: "IngestEntrypoint" },
            SITE: { name: "paperboy-api", entrypoint: "SiteEntrypoint" },
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
      exclude: ["test/browser/**", "test/stack/**"],
      setupFiles: ["./test/support/apply-migrations.ts"],
      // Integration tests in workerd on a shared 2-core machine: 5 s (vitest's default) fails
      // busy runs of the 1,000-subscriber and 600-item tests; a test that hangs still fails.
      testTimeout: 30_000,
      // CI sums both test runs into one closing line (.ci/run).
      reporters: process.env.CI ? ["default", "json"] : ["default"],
      outputFile: { json: "test-results/workerd.json" },
    },
  };
});
