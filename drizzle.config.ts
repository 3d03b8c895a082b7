import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/db/schema.ts",
  out: "./migrations",
  // drizzle-kit must leave wrangler's ledger and the hand-written FTS tables alone.
  tablesFilter: ["!d1_migrations", "!papers_fts*", "!_cf_*"],
});
