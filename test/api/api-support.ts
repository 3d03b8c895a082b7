import { SELF } from "cloudflare:test";
import { ingestHfDaily } from "../support/catalog";

export { insertPapers, type EdgePaper } from "../support/catalog";

export const ORIGIN = "http://paperboy.test";
let clients = 0;

/** Each call is a different client address, so the per-client rate limit stays out of the way. */
export function get(path: string, headers: Record<string, string> = {}) {
  clients++;
  return SELF.fetch(`${ORIGIN}${path}`, {
    headers: { "CF-Connecting-IP": `203.0.113.${clients % 250}`, "X-Test-Client": String(clients), ...headers },
  });
}

/** Fills the database through the production ingest path with the real 2026-06-12 capture. */
export const ingestRealCapture = () => ingestHfDaily();
