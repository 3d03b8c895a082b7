// Runs the three workers locally in one wrangler process, sharing D1 and the queue, with the
// ingest worker pointed at the upstream stub. Used by `npm run dev`, the browser tests and the
// site benchmark.
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startUpstreamStub } from "./upstream-stub.mjs";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const CONFIGS = ["wrangler.toml", "workers/ingest/wrangler.toml", "workers/mailer/wrangler.toml"];
export const STUB_PORT = 8790;

const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
export const OFFLINE_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

const varNames = (file) => new Set([...readFileSync(file, "utf8").matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));

/**
 * Each worker reads the .dev.vars beside its config; a fresh clone gets them from the examples,
 * and an older copy gets the variables the examples gained since (its own values are kept).
 */
export function ensureDevVars() {
  for (const config of CONFIGS) {
    const dir = join(ROOT, config, "..");
    const vars = join(dir, ".dev.vars");
    const example = `${vars}.example`;
    if (!existsSync(example)) continue;
    if (!existsSync(vars)) {
      copyFileSync(example, vars);
      continue;
    }
    const have = varNames(vars);
    const missing = readFileSync(example, "utf8")
      .split("\n")
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line) && !have.has(line.slice(0, line.indexOf("="))));
    if (missing.length) appendFileSync(vars, `\n${missing.join("\n")}\n`);
  }
}

export function readDevVar(name, file = join(ROOT, ".dev.vars")) {
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1).replace(/^"|"$/g, "");
}

export function wrangler(args, options = {}) {
  return execFileSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: OFFLINE_ENV,
    stdio: "inherit",
    ...options,
  });
}

export function migrateLocal(persistTo) {
  wrangler(["d1", "migrations", "apply", "paperboy", "--local", "--persist-to", persistTo, "-c", "wrangler.toml"], {
    env: { ...OFFLINE_ENV, CI: "true" },
  });
}

/** The stub is stateless and serves the same captures, so one already listening is reused. */
export async function ensureUpstreamStub(port = STUB_PORT) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/daily_papers?date=2026-06-12`);
    if (res.ok) return { url: `http://127.0.0.1:${port}`, close: async () => {} };
  } catch {
    // nothing listening: start one
  }
  return startUpstreamStub(port);
}

export function startWorkers({ port, persistTo, quiet = false }) {
  /** @type {import("node:child_process").ChildProcess & { log?: () => string }} */
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      ...CONFIGS.flatMap((c) => ["-c", c]),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistTo,
      "--show-interactive-dev-session=false",
    ],
    { cwd: ROOT, env: OFFLINE_ENV, stdio: quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"] },
  );
  if (quiet) {
    let log = "";
    const keep = (chunk) => (log = (log + chunk).slice(-20_000));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.log = () => log;
  }
  return child;
}

export async function waitUntilUp(baseUrl, child, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`wrangler dev exited (${child.exitCode})${child.log ? `:\n${child.log()}` : ""}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not answer on ${baseUrl} within ${timeoutMs / 1000} s`);
}

/** The local seed: the real captures, through POST /admin/ingest and so the production code. */
export const SEED_RUNS = [
  { source: "hf-daily", date: "2026-06-12" },
  { source: "hf-daily", date: "2024-10-25" },
  { source: "arxiv-rss" },
  { source: "arxiv-api", date: "2026-06-11" },
  { source: "arxiv-api" },
];

export async function seed(baseUrl, adminToken, log = console.log) {
  const runs = [];
  for (const request of SEED_RUNS) {
    const res = await fetch(`${baseUrl}/admin/ingest`, {
      method: "POST",
      headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
    const run = await res.json();
    runs.push(run);
    log(
      `ingest ${request.source}${request.date ? ` ${request.date}` : ""}: ${run.status ?? res.status} (read ${run.read}, inserted ${run.inserted}, updated ${run.updated}, skipped ${run.skipped})${run.error ? ` ${run.error}` : ""}`,
    );
    if (!res.ok) throw new Error(`seeding failed: ${JSON.stringify(run)}`);
  }
  return runs;
}

/**
 * The local default's vectors (no Workers AI here): the backfill until no paper waits, after
 * learning a model from the seeded catalog when there is none yet (a restart keeps the one it has).
 * Resolves to what it did: the model learnt (or null), the papers embedded and the backfill's time.
 */
export async function seedVectors(baseUrl, adminToken, log = console.log) {
  const headers = { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" };
  const post = async (path, body) => {
    const res = await fetch(`${baseUrl}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    return { res, body: await res.json() };
  };
  let embedded = 0;
  /** @type {{ space: string, sample: number, terms: number, clusters: number, ms: number } | null} */
  let learnt = null;
  const started = Date.now();
  for (;;) {
    const chunk = await post("/admin/vectors/backfill", { limit: 1000 });
    if (chunk.res.status === 503) {
      const model = await post("/admin/vectors/train", {});
      if (!model.res.ok) throw new Error(`learning the local model failed: ${JSON.stringify(model.body)}`);
      const m = model.body;
      learnt = m;
      log(
        `vectors: learnt ${m.space} from ${m.sample} papers (${m.terms} terms, ${m.clusters} clusters) in ${m.ms} ms`,
      );
      continue;
    }
    if (!chunk.res.ok) throw new Error(`the vectors' backfill failed: ${JSON.stringify(chunk.body)}`);
    embedded += chunk.body.embedded;
    if (!chunk.body.remaining) break;
  }
  const backfillMs = Date.now() - started - (learnt?.ms ?? 0);
  log(`vectors: ${embedded} papers embedded in ${(backfillMs / 1000).toFixed(1)} s; every paper has one`);
  return { learnt, embedded, backfillMs };
}

/**
 * The search's term index over the catalog: POST /admin/search/index until nothing remains (a
 * restart finds it built and returns at once). Resolves to the steps taken and their time.
 */
export async function seedSearchIndex(baseUrl, adminToken, log = console.log) {
  const headers = { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" };
  const started = Date.now();
  let steps = 0;
  for (;;) {
    const res = await fetch(`${baseUrl}/admin/search/index`, {
      method: "POST",
      headers,
      body: JSON.stringify({ steps: 50 }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`building the search index failed: ${JSON.stringify(body)}`);
    steps += body.steps.length;
    if (!body.remaining) {
      const ms = Date.now() - started;
      if (steps) log(`search index: ${body.indexed} papers in ${steps} steps, ${(ms / 1000).toFixed(1)} s`);
      return { steps, ms, indexed: body.indexed };
    }
  }
}

/** Everything a local run needs; resolves to { baseUrl, stop }. */
export async function startLocalStack({
  port = 8787,
  persistTo = ".wrangler/state",
  quiet = false,
  log = console.log,
} = {}) {
  ensureDevVars();
  migrateLocal(persistTo);
  const stub = await ensureUpstreamStub();
  const child = startWorkers({ port, persistTo, quiet });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill("SIGTERM");
    await stub.close();
  };
  try {
    await waitUntilUp(baseUrl, child);
    await seed(baseUrl, readDevVar("ADMIN_TOKEN"), log);
    await seedVectors(baseUrl, readDevVar("ADMIN_TOKEN"), log);
    await seedSearchIndex(baseUrl, readDevVar("ADMIN_TOKEN"), log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, stop, child };
}
