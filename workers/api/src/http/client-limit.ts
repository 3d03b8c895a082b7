import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { tooManyRequests } from "../errors";

/** The rate limiter's budget and window: wrangler.toml [[ratelimits]] simple.limit and simple.period (a test checks they agree). */
export const RATE_LIMIT_REQUESTS = 120;
export const RATE_LIMIT_PERIOD_S = 60;

/**
 * Who a client is, for every rate limit: the address Cloudflare saw (CF-Connecting-IP). An IPv6
 * client usually holds a whole /64, so its key is the /64: otherwise one client could rotate
 * through 2^64 keys. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is its IPv4 address.
 */
export function clientKey(request: Request): string {
  return addressKey(request.headers.get("CF-Connecting-IP"));
}

/** clientKey of one address, for callers that hold the address itself. */
export function addressKey(header: string | null | undefined): string {
  const address = (header ?? "").trim().toLowerCase().replace(/%.*$/, "");
  if (!address) return "local";
  if (!address.includes(":")) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join(".");
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (with "::" and a dotted IPv4 tail), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address;
  const v4 = /(?<=:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((n) => n > 255)) return null;
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(":") : []);
  const left = part(halves[0]);
  const right = part(halves[1]);
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

/**
 * Counts one request of this client against the Workers rate-limiting binding, or answers 429.
 * The binding counts per location and is eventually consistent: a guard against floods, not an
 * exact quota.
 */
export async function limitClient(c: Context<AppEnv>): Promise<void> {
  const { success } = await c.env.API_RATE_LIMIT.limit({ key: clientKey(c.req.raw) });
  if (!success)
    throw tooManyRequests(`too many requests; try again in ${RATE_LIMIT_PERIOD_S} seconds`, RATE_LIMIT_PERIOD_S);
}

/** Every /api and /feeds request counts against its client's budget (limitClient). */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "OPTIONS") await limitClient(c);
  await next();
};
