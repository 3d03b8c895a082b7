import { reserveSlot, reserveSlotWithin } from "#shared/db/pacer";

/** What went wrong on the last attempt: a timeout, a network failure, or an HTTP status. */
export type UpstreamFailure = "timeout" | "network" | "http";

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly failure: UpstreamFailure = "http",
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface FetchOptions {
  userAgent: string;
  /** Attempts in all, the first included. */
  attempts?: number;
  timeoutMs?: number;
  /** Accepted statuses besides 2xx (arXiv answers a malformed id with 400 and an Atom error). */
  acceptStatus?: number[];
  /** First backoff; doubles with each attempt. */
  backoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Waits for this host's turn before every attempt, retries included (see arxivPacer). */
  pace?: () => Promise<void>;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, as Retry-After allows; capped so that a run cannot hang on it. */
function retryAfterMs(header: string | null, fallback: number): number {
  if (!header) return fallback;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Math.min(Math.max(ms, 0) || fallback, 60_000);
}

/**
 * GET with a User-Agent, a timeout, and exponential backoff on 429, 5xx and network failures
 * (Retry-After honoured). Anything else that is not 2xx fails at once.
 */
export async function fetchText(url: string, opts: FetchOptions): Promise<{ status: number; body: string }> {
  const attempts = opts.attempts ?? 3;
  const sleep = opts.sleep ?? realSleep;
  let lastError = "";
  let failure: UpstreamFailure = "http";
  let lastStatus: number | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const backoff = (opts.backoffBaseMs ?? 1000) * 2 ** (attempt - 1);
    let response: Response;
    await opts.pace?.();
    try {
      response = await fetch(url, {
        headers: {
          "User-Agent": opts.userAgent,
          Accept: "application/atom+xml, application/rss+xml, application/json;q=0.9, */*;q=0.1",
        },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      failure = err instanceof Error && err.name === "TimeoutError" ? "timeout" : "network";
      lastError = failure === "timeout" ? "timed out" : `network error: ${String(err)}`;
      if (attempt < attempts) await sleep(backoff);
      continue;
    }
    if (response.ok || opts.acceptStatus?.includes(response.status)) {
      return { status: response.status, body: await response.text() };
    }
    await response.body?.cancel();
    lastError = `HTTP ${response.status}`;
    failure = "http";
    lastStatus = response.status;
    const transient = response.status === 429 || response.status >= 500;
    if (!transient) break;
    if (attempt < attempts) await sleep(retryAfterMs(response.headers.get("Retry-After"), backoff));
  }
  throw new UpstreamError(`${new URL(url).host}: ${lastError}`, failure, lastStatus);
}

/** arXiv's next turn is further away than the caller will wait: nothing was sent. */
export class ArxivBusy extends Error {
  constructor(readonly waitMs: number) {
    super(`arXiv is busy: the next turn to ask it is ${Math.ceil(waitMs / 1000)} s away`);
  }
}

/**
 * Spaces every request of this worker to arXiv, across all its invocations (a run, concurrent
 * submissions): arXiv asks for one request every 3 seconds. Each call takes the next turn in D1
 * (send_pacer "arxiv") and sleeps until it; with `maxWaitMs`, a turn further away is not taken
 * and ArxivBusy is thrown instead.
 */
export function arxivPacer(
  d1: D1Database,
  intervalMs: number,
  opts: { sleep?: (ms: number) => Promise<void>; now?: () => number; maxWaitMs?: number } = {},
) {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  return async () => {
    const at = now();
    let slot: number;
    if (opts.maxWaitMs === undefined) {
      slot = await reserveSlot(d1, "arxiv", intervalMs, at);
    } else {
      const turn = await reserveSlotWithin(d1, "arxiv", intervalMs, opts.maxWaitMs, at);
      if (!turn.ok) throw new ArxivBusy(turn.freeAt - at);
      slot = turn.at;
    }
    if (slot > at) await sleep(slot - at);
  };
}
