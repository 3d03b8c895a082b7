// Bundles the three workers offline exactly as `wrangler deploy` would (--dry-run): a worker that
// would not deploy fails here, in CI, instead of on deploy day.
import { CONFIGS, ROOT, wrangler } from "./lib/local-stack.mjs";

for (const config of CONFIGS) {
  const name = config === "wrangler.toml" ? "api" : config.split("/")[1];
  // --outdir is resolved against the config's folder: make it absolute.
  wrangler(["deploy", "--dry-run", "--outdir", `${ROOT}dist/${name}`, "-c", config]);
}
