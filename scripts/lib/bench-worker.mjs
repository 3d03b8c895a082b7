// What the in-workerd benchmarks share: bundling a bench entry with the production code, and a
// Miniflare worker with a local D1 migrated by the real migrations.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const WORK = join(ROOT, ".bench");

/** Bundles `entry` (relative to the repository) for workerd ("worker") or Node ("node"). */
export async function bundle(entry, platform = "worker") {
  mkdirSync(WORK, { recursive: true });
  const outfile = join(WORK, `${entry.split("/").pop()}.${platform}.mjs`);
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: "esm",
    platform: platform === "node" ? "node" : "neutral",
    outfile,
    logLevel: "error",
    mainFields: ["module", "main"],
  });
  return outfile;
}

function migrationStatements() {
  return readdirSync(join(ROOT, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(join(ROOT, "migrations", f), "utf8").split("--> statement-breakpoint"))
    .filter((sql) => sql.trim());
}

/** A Miniflare worker running the bundled `scriptPath`, with binding DB migrated; dispose() it after. */
export async function startBenchWorker(scriptPath, bindings = {}) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      scriptPath,
      modulesRoot: WORK,
      compatibilityDate: "2026-08-20",
      d1Databases: ["DB"],
      bindings,
    }),
  );
  const db = await mf.getD1Database("DB");
  for (const sql of migrationStatements()) await db.prepare(sql).run();
  return mf;
}
