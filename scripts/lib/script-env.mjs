// Small pieces the benchmark and evaluation scripts share: their options, their seeded samples and
// a port for the workers they start.
import { createServer } from "node:net";

/** A non-negative integer from the environment, or `fallback`; anything else stops the run. */
export function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, not "${raw}"`);
  return Number(raw);
}

/** A deterministic generator of numbers in [0, 1) from a seed (an LCG: the walks and samples of every script). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}
