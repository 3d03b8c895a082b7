// The three workers in one Miniflare, without `wrangler dev`: no ProxyWorker (a second workerd
// process that runs every text/html response through an HTMLRewriter for its live-reload script)
// and no per-request work in wrangler's Node process. Each worker is bundled as `wrangler deploy`
// bundles it (--dry-run), configured from its wrangler.toml (unstable_getMiniflareWorkerOptions) and
// its .dev.vars, and uses the same persisted state as `wrangler dev --persist-to` (v3/, D1 keyed
// by the same database id), so both modes read the same seeded database.
// Used by `npm run bench:site` (unless BENCH_WRANGLER_DEV=1).
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { CONFIGS, ensureDevVars, ROOT, wrangler } from "./local-stack.mjs";

/** KEY=value lines of a .dev.vars file (comments and blank lines skipped; surrounding quotes removed). */
function readDevVars(file) {
  if (!existsSync(file)) return {};
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

/** Starts the workers on 127.0.0.1:`port`; resolves to the Miniflare (dispose() it after). */
export async function startDirect({ port, persistTo }) {
  ensureDevVars();
  const workers = CONFIGS.map((config) => {
    const name = config === "wrangler.toml" ? "api" : config.split("/")[1];
    const outdir = join(ROOT, ".bench/direct", name);
    rmSync(outdir, { recursive: true, force: true });
    // --outdir is resolved against the config's folder: make it absolute.
    wrangler(["deploy", "--dry-run", "--outdir", outdir, "-c", config], { stdio: ["ignore", "ignore", "inherit"] });
    const files = readdirSync(outdir);
    const main = files.find((f) => f.endsWith(".js") && !f.endsWith(".map.js"));
    if (!main) throw new Error(`no bundle in ${outdir}`);
    // The bundle's other modules, as wrangler's rules typed them (a .wasm compiled, a .ttf data).
    const extra = files.flatMap((f) => {
      const type = f.endsWith(".wasm") ? "CompiledWasm" : f.endsWith(".ttf") ? "Data" : null;
      return type ? [{ type, path: join(outdir, f) }] : [];
    });
    const configPath = join(ROOT, config);
    const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
    const raw = readFileSync(configPath, "utf8");
    const workerName = /^name\s*=\s*"([^"]+)"/m.exec(raw)?.[1];
    return {
      ...workerOptions,
      name: workerName,
      rootPath: undefined,
      modulesRules: undefined,
      modules: [{ type: "ESModule", path: join(outdir, main) }, ...extra],
      modulesRoot: outdir,
      bindings: {
        .../** @type {Record<string, unknown>} */ (workerOptions.bindings),
        ...readDevVars(join(configPath, "..", ".dev.vars")),
      },
    };
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: /** @type {any} */ (workers),
      host: "127.0.0.1",
      port,
      // Miniflare's entry worker would otherwise copy every response (new Response) to log it
      logRequests: false,
      // as `wrangler dev --persist-to` and `wrangler d1 migrations apply --persist-to` set it
      resourcePersistencePath: join(persistTo, "v3"),
    }),
  );
  await mf.ready;
  return mf;
}

/** The workerd processes Miniflare started (children of this Node process), for their CPU time. */
export function workerdPids() {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[1]);
      if (ppid === process.pid && comm.startsWith("workerd")) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
