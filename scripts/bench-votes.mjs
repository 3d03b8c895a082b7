// npm run bench:votes — votes per second through the API worker into D1, and a vote's latency,
// against a local `wrangler dev` of the three workers (the lead's local stack, seeded with the real
// captures through POST /admin/ingest). BENCH_VOTES_ACCOUNTS accounts with live sessions are written
// straight into the local D1 first (a session row holds the SHA-256 hex of its cookie's value, as
// workers/api/src/http/sessions.ts does). wrk then drives PUT and DELETE /api/me/upvotes/{id}
// (Cookie and Origin set) over BENCH_CONNECTIONS connections: each address of the walk is one
// account's next step (vote the hot paper every account votes on, vote two other papers, take one
// back, ...), accounts interleaved so that one account's steps are a whole account list apart and
// each stays far under its 60 votes a minute (VOTE_LIMIT). The trivial route (/healthz) takes turns
// with the votes in the same run, for a ratio. At the end, with the workers stopped, every paper's
// local_upvotes must equal its rows in upvotes (correctness under load).
// Options: BENCH_VOTES_ACCOUNTS (3000), BENCH_SECONDS (10 per round), BENCH_ROUNDS (3),
// BENCH_CONNECTIONS (16), BENCH_RAW=1 to print wrk's own output.

import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { migrateLocal, ROOT, startLocalStack } from "./lib/local-stack.mjs";
import { freePort } from "./lib/script-env.mjs";

const ACCOUNTS = Number(process.env.BENCH_VOTES_ACCOUNTS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** VOTE_LIMIT in workers/api/src/votes/vote-routes.tsx. */
const VOTES_PER_MINUTE = 60;
const BLOCK = 200;
const WORK = join(ROOT, ".bench");
const persistTo = join(WORK, "votes-state");

function d1File() {
  const dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  return join(dir, readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite") ?? "");
}

/** N accounts, each with one live session; returns their Cookie headers. */
function seedAccounts(n) {
  const db = new DatabaseSync(d1File());
  const account = db.prepare("INSERT INTO accounts (id, email, handle) VALUES (?, ?, ?)");
  const session = db.prepare(
    "INSERT INTO sessions (id_hash, account_id, expires_at, user_agent) VALUES (?, ?, ?, 'bench')",
  );
  // A fresh 30-day expiry: the sliding expiry is not rewritten during the run.
  const expires = Date.now() + 30 * 86_400_000;
  const cookies = [];
  db.exec("BEGIN");
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const value = randomBytes(32).toString("base64url");
    account.run(id, `voter${i}@bench.example`, `voter-${i}`);
    session.run(createHash("sha256").update(value).digest("hex"), id, expires);
    cookies.push(`__Host-session=${value}`);
  }
  db.exec("COMMIT");
  db.close();
  return cookies;
}

function catalogIds() {
  const db = new DatabaseSync(d1File(), { readOnly: true });
  const rows = db.prepare("SELECT id FROM papers ORDER BY id").all();
  const hot = db
    .prepare("SELECT paper_id AS id FROM daily_entries WHERE day = '2026-06-12' ORDER BY upstream_upvotes DESC LIMIT 1")
    .get();
  db.close();
  return { ids: rows.map((r) => String(r.id)), hot: String(hot?.id ?? rows[0]?.id) };
}

/**
 * The walk, BLOCK accounts at a time: step s of each account of the block, then step s + 1, ...
 * Each account votes the hot paper, votes two others, takes one of them back, takes the hot vote
 * back and casts it again: half the writes go to the hot paper's row, the rest spread over the
 * catalog, and one account's steps are BLOCK requests apart (far more than the connections).
 */
function voteWalk(cookies, ids, hot) {
  const others = ids.filter((id) => id !== hot);
  let s = 11;
  const rand = (n) => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n;
  const plans = cookies.map((cookie) => {
    const a = others[rand(others.length)];
    const b = others[rand(others.length)];
    return [
      ["PUT", hot],
      ["PUT", a],
      ["PUT", b],
      ["DELETE", a],
      ["DELETE", hot],
      ["PUT", hot],
    ].map(([method, id]) => `${method} /api/me/upvotes/${id} ${cookie}`);
  });
  const lines = [];
  for (let from = 0; from < plans.length; from += BLOCK) {
    const block = plans.slice(from, from + BLOCK);
    for (let step = 0; step < block[0].length; step++) for (const plan of block) lines.push(plan[step]);
  }
  return lines;
}

/** wrk over `lines` ("METHOD path cookie") from `start`, thread t of T taking start + t, + T, ...; or GET /healthz. */
function wrk(base, lines, start, name, connections) {
  const threads = Math.min(2, connections);
  const args = [`-t${threads}`, `-c${connections}`, `-d${SECONDS}s`, "--latency"];
  if (lines) {
    const list = join(WORK, `${name}.txt`);
    writeFileSync(list, `${lines.join("\n")}\n`);
    const script = join(WORK, `${name}.lua`);
    writeFileSync(
      script,
      `local n = 0
local threads = {}
setup = function(thread) thread:set("tid", n); n = n + 1; threads[#threads + 1] = thread end
init = function(args)
  steps = {}
  for line in io.lines("${list}") do
    local method, path, cookie = line:match("^(%S+) (%S+) (%S+)$")
    steps[#steps + 1] = { method, path, cookie }
  end
  i = ${start} + tid
  ok, limited, unauthorized, other = 0, 0, 0, 0
end
request = function()
  local step = steps[(i % #steps) + 1]
  i = i + ${threads}
  return wrk.format(step[1], step[2], { ["Cookie"] = step[3], ["Origin"] = "${base}", ["Accept"] = "application/json" })
end
response = function(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 429 then limited = limited + 1 elseif status == 401 then unauthorized = unauthorized + 1 else other = other + 1 end
end
done = function(summary, latency, requests)
  local t = { 0, 0, 0, 0 }
  for _, thread in ipairs(threads) do
    t[1] = t[1] + thread:get("ok"); t[2] = t[2] + thread:get("limited"); t[3] = t[3] + thread:get("unauthorized"); t[4] = t[4] + thread:get("other")
  end
  io.write(string.format("STATUS ok=%d limited=%d unauthorized=%d other=%d\\n", t[1], t[2], t[3], t[4]))
end
`,
    );
    args.push("-s", script);
  }
  const out = execFileSync("wrk", [...args, base + (lines ? "" : "/healthz")], { encoding: "utf8" });
  const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
  const ms = (label) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
  };
  const status = /STATUS ok=(\d+) limited=(\d+) unauthorized=(\d+) other=(\d+)/.exec(out);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50: ms(50),
    p99: ms(99),
    requests: num(/(\d+) requests in/),
    non2xx: Number.isNaN(non2xx) ? 0 : non2xx,
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    status: status
      ? { ok: Number(status[1]), limited: Number(status[2]), unauthorized: Number(status[3]), other: Number(status[4]) }
      : null,
    raw: out,
  };
}

/** Papers whose local_upvotes is not their number of rows in upvotes, and the totals. */
function checkCounts(hot) {
  const db = new DatabaseSync(d1File());
  const wrong = db
    .prepare(
      `SELECT p.id, p.local_upvotes AS counted, (SELECT count(*) FROM upvotes u WHERE u.paper_id = p.id) AS rows
       FROM papers p WHERE p.local_upvotes != (SELECT count(*) FROM upvotes u WHERE u.paper_id = p.id)`,
    )
    .all();
  const totals = /** @type {{ rows: number, counted: number, papers: number, hot: number }} */ (
    db
      .prepare(
        "SELECT (SELECT count(*) FROM upvotes) AS rows, (SELECT sum(local_upvotes) FROM papers) AS counted, (SELECT count(*) FROM papers WHERE local_upvotes > 0) AS papers, (SELECT local_upvotes FROM papers WHERE id = ?) AS hot",
      )
      .get(hot)
  );
  db.close();
  return { wrong, totals };
}

mkdirSync(WORK, { recursive: true });
rmSync(persistTo, { recursive: true, force: true });
migrateLocal(persistTo);
const cookies = seedAccounts(ACCOUNTS);
const port = await freePort();
const stack = await startLocalStack({ port, persistTo, quiet: true, log: () => {} });
const base = stack.baseUrl;
let results;
let hotId = "";
try {
  const { ids, hot } = catalogIds();
  hotId = hot;
  const walk = voteWalk(cookies, ids, hot);
  console.log(
    `\n# Votes (${new Date().toISOString()}, node ${process.version}): ${ACCOUNTS} accounts, ${ids.length} papers from the captures, hot paper ${hot}`,
  );
  console.log(
    `walk: ${walk.length} votes (${walk.length / ACCOUNTS} steps an account), wrk -t2 -c${CONNECTIONS}, ${SECONDS} s a round, ${ROUNDS} rounds`,
  );

  // One of each first, so that neither pays the isolate's start.
  await fetch(`${base}/healthz`);
  const probe = await fetch(`${base}/api/me`, { headers: { Cookie: cookies[0] } });
  const me = await probe.json();
  if (!me.account) throw new Error(`a seeded session is not signed in: ${JSON.stringify(me)}`);

  // The vote walks share one cursor, so that no account repeats a step while the walk lasts.
  /** @type {[string, string[] | null, number][]} */
  const runs = [
    [`baseline: GET /healthz, ${CONNECTIONS} connections`, null, CONNECTIONS],
    [`vote: PUT/DELETE /api/me/upvotes/{id}, ${CONNECTIONS} connections`, walk, CONNECTIONS],
    ["vote, one connection (no queueing)", walk, 1],
  ];
  let cursor = 0;
  const rounds = runs.map(() => /** @type {ReturnType<typeof wrk>[]} */ ([]));
  const started = Date.now();
  for (let r = 0; r < ROUNDS; r++) {
    runs.forEach(([, lines, connections], i) => {
      const res = wrk(base, lines, cursor, `votes${i}`, connections);
      if (lines) cursor += res.requests + connections * 2;
      rounds[i].push(res);
    });
  }
  const minutes = (Date.now() - started) / 60_000;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  results = runs.map(([name], i) => {
    const rs = rounds[i];
    const sum = (f) => rs.reduce((a, x) => a + f(x), 0);
    return {
      name,
      rps: median(rs.map((x) => x.rps)),
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      requests: sum((x) => x.requests),
      errors: sum((x) => x.non2xx + x.socketErrors),
      status: rs[0].status
        ? {
            ok: sum((x) => x.status.ok),
            limited: sum((x) => x.status.limited),
            unauthorized: sum((x) => x.status.unauthorized),
            other: sum((x) => x.status.other),
          }
        : null,
      rounds: rs.map((x) => x.rps.toFixed(0)).join(", "),
      raw: rs.map((x) => x.raw).join("\n"),
    };
  });
  const [baseline, votes, single] = results;
  console.log(
    `\n| route | req/s (median of ${ROUNDS}) | rounds | p50 ms | p99 ms | requests | non-2xx or socket errors |\n|---|---:|---|---:|---:|---:|---:|`,
  );
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.rps.toFixed(0)} | ${r.rounds} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.requests} | ${r.errors} |`,
    );
  console.log(`\nvotes/s / healthz req/s: ${(votes.rps / baseline.rps).toFixed(3)}`);
  const cast = votes.requests + single.requests;
  // Each pass over the walk gives an account 6 votes; the passes took `minutes` in all.
  const perAccount = 6 * Math.ceil(cursor / walk.length);
  console.log(
    `vote answers: ${JSON.stringify(votes.status)} and ${JSON.stringify(single.status)}; ${cast} votes in ${minutes.toFixed(1)} min, at most ${perAccount} from one account (limit ${VOTES_PER_MINUTE} a minute)`,
  );
  if (walk.length < cursor) console.log(`(the walk of ${walk.length} votes was repeated: ${cursor} votes in all)`);
  if (process.env.BENCH_RAW) for (const r of results) console.log(`\n## ${r.name}\n${r.raw}`);
} finally {
  const exited = new Promise((r) => stack.child.once("exit", r));
  await stack.stop();
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
}

const { wrong, totals } = checkCounts(hotId);
console.log(
  `\ncorrectness: ${totals.rows} upvote rows on ${totals.papers} papers, sum of papers.local_upvotes ${totals.counted} (the hot paper ${totals.hot}); papers whose count differs from their rows: ${wrong.length}`,
);
if (wrong.length) console.log(JSON.stringify(wrong.slice(0, 10)));
if (wrong.length || totals.rows !== totals.counted)
  throw new Error("papers.local_upvotes does not equal the upvote rows");
for (const r of results?.slice(1) ?? []) {
  if (!r.status || r.status.limited || r.status.unauthorized || r.status.other)
    throw new Error(`votes answered other than 200: ${JSON.stringify(r.status)}`);
}
