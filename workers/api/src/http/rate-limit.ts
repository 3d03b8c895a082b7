import { sha256Hex } from "#shared/crypto";
import { tooManyRequests } from "../errors";
import { clientKey } from "./client-limit";

export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters in D1 (table rate_limits), all bumped in one batch. Works the same in
 * tests, `wrangler dev` and production; the keys are hashes, never raw addresses or IPs.
 */
export async function enforceLimits(
  d1: D1Database,
  limits: Limit[],
  /** What the 429 says: each use names what was refused. */
  message: string,
  now = Date.now(),
) {
  const windowStart = (l: Limit) => Math.floor(now / 1000 / l.windowSeconds) * l.windowSeconds;
  const statements = limits.map((l) =>
    d1
      .prepare(
        `INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1)
         ON CONFLICT(key) DO UPDATE SET
           count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
           window_start = excluded.window_start
         RETURNING count`,
      )
      .bind(l.key, windowStart(l)),
  );
  const results = await d1.batch<{ count: number }>(statements);
  limits.forEach((l, i) => {
    const count = results[i]?.results[0]?.count ?? 0;
    if (count > l.max) throw tooManyRequests(message, windowStart(l) + l.windowSeconds - now / 1000);
  });
}

/** A limit per client (an IPv6 /64 is one), its key hashed: `prefix:client:<hash>`. */
export async function clientLimit(
  request: Request,
  prefix: string,
  max: number,
  windowSeconds: number,
): Promise<Limit> {
  return { key: `${prefix}:client:${await sha256Hex(clientKey(request))}`, max, windowSeconds };
}

/**
 * The two limits of a form that mails an address (subscribe, sign in): per client (its key
 * hashed) and per address (`addressHash`, a keyed hash of it), in one window.
 */
export async function clientAndAddressLimits(
  request: Request,
  prefix: string,
  addressHash: string,
  rule: { perClient: number; perAddress: number; windowSeconds: number },
): Promise<Limit[]> {
  return [
    await clientLimit(request, prefix, rule.perClient, rule.windowSeconds),
    { key: `${prefix}:address:${addressHash}`, max: rule.perAddress, windowSeconds: rule.windowSeconds },
  ];
}
