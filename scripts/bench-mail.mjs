// npm run bench:mail — 10,000 confirmed subscribers' daily digests, enqueued and sent by the
// production code inside workerd (Miniflare, local D1 with the real migrations), through the real
// Resend SDK to a stub Resend on this machine that allows 5 requests a second (a token bucket of
// 5, refilled at 5 a second; 429 with retry-after beyond it). The bound is 10,000 / 100 / 5 = 20 s.
// Half the subscribers choose a digest "ranked for me" (issue 23): accounts with 10 upvotes each,
// the day's papers with vectors, so that every queue batch reads and ranks by their models.
// Sizes: BENCH_MAIL_SUBSCRIBERS (default 10000), BENCH_MAIL_RPS (default 5).
import { createServer } from "node:http";
import { bundle, startBenchWorker } from "./lib/bench-worker.mjs";

const N = Number(process.env.BENCH_MAIL_SUBSCRIBERS ?? 10_000);
const RPS = Number(process.env.BENCH_MAIL_RPS ?? 5);

// The stub Resend: token bucket, Idempotency-Key store, every recipient counted.
const delivered = new Map();
const keys = new Map();
let tokens = RPS;
let last = performance.now();
let calls = 0;
let limited = 0;
let nextId = 1;
let ranked = 0;
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    calls++;
    const now = performance.now();
    tokens = Math.min(RPS, tokens + ((now - last) / 1000) * RPS);
    last = now;
    const headers = { "Content-Type": "application/json", "ratelimit-limit": String(RPS) };
    if (req.url !== "/emails/batch" || req.method !== "POST") {
      res.writeHead(404, headers).end(JSON.stringify({ name: "not_found", message: "no such route", statusCode: 404 }));
      return;
    }
    if (tokens < 1) {
      limited++;
      res
        .writeHead(429, { ...headers, "retry-after": "1", "ratelimit-remaining": "0" })
        .end(JSON.stringify({ name: "rate_limit_exceeded", message: "Too many requests", statusCode: 429 }));
      return;
    }
    tokens -= 1;
    const key = req.headers["idempotency-key"];
    if (key && keys.has(key)) {
      res.writeHead(200, headers).end(keys.get(key));
      return;
    }
    const mails = JSON.parse(body);
    if (mails.length > 100) {
      res
        .writeHead(422, headers)
        .end(JSON.stringify({ name: "validation_error", message: "at most 100 mails", statusCode: 422 }));
      return;
    }
    const data = mails.map((m) => {
      for (const to of m.to) delivered.set(to, (delivered.get(to) ?? 0) + 1);
      if (String(m.text).startsWith("Your papers")) ranked++;
      return { id: `bench-${nextId++}` };
    });
    const answer = JSON.stringify({ data, errors: [] });
    if (key) keys.set(key, answer);
    res.writeHead(200, { ...headers, "ratelimit-remaining": String(Math.floor(tokens)) }).end(answer);
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
const stubUrl = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`;

const mf = await startBenchWorker(await bundle("scripts/bench/mail-bench-worker.ts"), {
  SITE_URL: "https://paperboy.example",
  MAIL_FROM: "Paperboy <digest@paperboy.example>",
  RESEND_BASE_URL: stubUrl,
  RESEND_API_KEY: "re_bench",
  TOKEN_SECRET: "bench-token-secret-0123456789",
  SUPPRESSION_SECRET: "bench-suppression-secret-0123456789",
  RESEND_REQUESTS_PER_SECOND: String(RPS),
});
try {
  await mf.dispatchFetch(`http://bench/seed?n=${N}`);
  const res = await mf.dispatchFetch("http://bench/run");
  const out = /** @type {{ enqueueMs: number, sendMs: number, batches: number, retries: number, ledger: unknown }} */ (
    await res.json()
  );
  if (!res.ok) throw new Error(JSON.stringify(out));

  const bound = N / 100 / RPS;
  const seconds = out.sendMs / 1000;
  const twice = [...delivered.values()].filter((n) => n > 1).length;
  console.log(
    `\nMail benchmark (${new Date().toISOString()}, node ${process.version}): ${N} subscribers, stub Resend at ${RPS} requests/s\n`,
  );
  console.log(
    "| subscribers | enqueue | send (enqueue excluded) | bound N/100/rps | ratio | Resend calls | 429s | queue batches | retried messages | mails delivered | delivered twice |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  console.log(
    `| ${N} | ${(out.enqueueMs / 1000).toFixed(2)} s | ${seconds.toFixed(2)} s | ${bound.toFixed(1)} s | ${(seconds / bound).toFixed(3)}x | ${calls} | ${limited} | ${out.batches} | ${out.retries} | ${delivered.size} | ${twice} |`,
  );
  console.log(
    `\nRanked for me: ${ranked} of the mails. Ledger: ${JSON.stringify(out.ledger)}. Target: within 1.25x of the bound (${(bound * 1.25).toFixed(1)} s): ${seconds <= bound * 1.25 ? "met" : "NOT met"}.`,
  );
  if (delivered.size !== N || twice)
    throw new Error(`expected ${N} distinct recipients once each, got ${delivered.size} (${twice} twice)`);
} finally {
  await mf.dispose();
  server.close();
}
