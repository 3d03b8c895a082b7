import { applyD1Migrations, env } from "cloudflare:test";

// Each test file gets a fresh D1; this applies the real migrations to it (a no-op when applied).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
