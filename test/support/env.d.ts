import type { D1Migration } from "cloudflare:test";
import type { Env as ApiEnv } from "../../workers/api/src/env";
import type { Env as IngestEnv } from "../../workers/ingest/src/env";

declare global {
  namespace Cloudflare {
    interface Env extends ApiEnv, IngestEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
