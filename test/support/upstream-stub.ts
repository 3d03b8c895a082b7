import { vi } from "vitest";

type Responder = (url: URL, init?: RequestInit) => Response | Promise<Response>;

/**
 * Replaces fetch with the given routes, matched on the URL without its query when no exact match
 * exists. Any other request fails the test loudly: tests never touch the network.
 */
export function stubUpstream(routes: Record<string, Responder>) {
  const calls: string[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    calls.push(url.toString());
    const respond = routes[url.toString()] ?? routes[`${url.origin}${url.pathname}`];
    if (!respond) throw new Error(`unexpected request in a test: ${url}`);
    return respond(url, init);
  });
  return { calls, spy };
}

export const xml = (body: string, status = 200) =>
  new Response(body, { status, headers: { "Content-Type": "application/atom+xml" } });
export const json = (body: unknown, status = 200) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
