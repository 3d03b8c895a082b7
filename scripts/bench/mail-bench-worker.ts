// The mail benchmark's worker: the production enqueue (shared/mail/digest-schedule.ts) and the
// production queue handler (workers/mailer/src/index.ts, the real Resend SDK), inside workerd.
// The queue itself is played here: one consumer at a time, batches of up to 100, a retried
// message comes back after its delaySeconds, as Cloudflare Queues with max_concurrency = 1 does.

import type { MailMessage } from "#shared/contracts";
import { chunk } from "#shared/db/chunk";
import { enqueueDigests } from "#shared/mail/digest-schedule";
import { quantise } from "#shared/vectors/int8";
import type { Env } from "../../workers/mailer/src/env";
import { queue } from "../../workers/mailer/src/index";

const PERIOD = "daily:2026-06-12";

async function seed(db: D1Database, subscribers: number) {
  const papers = Array.from({ length: 30 }, (_, i) => `2606.${10000 + i}`);
  const statements = [];
  // 5 columns a row: 20 rows a statement keeps to D1's 100 bound parameters.
  for (const part of chunk(papers, 20))
    statements.push(
      db
        .prepare(
          `INSERT INTO papers (id, version, title, abstract, authors, categories, published, updated) VALUES ${part.map(() => "(?, 1, ?, ?, '[\"A. Author\"]', ?, '2026-06-12T00:00:00Z', '2026-06-12T00:00:00Z')").join(", ")}`,
        )
        .bind(
          ...part.flatMap((id, i) => [
            id,
            `Benchmark paper ${id}`,
            `Abstract ${i} about diffusion and transformers.`,
            JSON.stringify([i % 2 ? "cs.CL" : "cs.LG"]),
          ]),
        ),
    );
  for (const part of chunk(papers, 50))
    statements.push(
      db
        .prepare(
          `INSERT INTO daily_entries (paper_id, day, source, upstream_upvotes) VALUES ${part.map(() => "(?, '2026-06-12', 'hf-daily', ?)").join(", ")}`,
        )
        .bind(...part.flatMap((id, i) => [id, 100 - i])),
    );
  const ids = Array.from({ length: subscribers }, (_, i) => i);
  for (const part of chunk(ids, 33))
    statements.push(
      db
        .prepare(
          `INSERT INTO subscribers (id, email, status, frequency, categories, keywords) VALUES ${part.map(() => "(?, ?, 'confirmed', 'daily', ?, '[]')").join(", ")}`,
        )
        .bind(...part.flatMap((i) => [`sub-${i}`, `reader${i}@bench.example`, i % 3 ? "[]" : '["cs.CL"]'])),
    );
  // Half the subscribers (the even ones) choose "ranked for me": each is an account of the same
  // address with 10 upvotes among the day's papers (issue 23), and every paper has a 64-dimension
  // vector in a completed local space, so that the mailer reads and scores vectors as in production.
  const space = "bench@64";
  statements.push(
    db
      .prepare(
        "INSERT INTO local_models (space, dimensions, terms, sample, catalog, centroids, clusters, trained_at, ready_at) VALUES (?, 64, 0, 30, 30, '', 1, ?, ?)",
      )
      .bind(space, "2026-06-12T00:00:00Z", "2026-06-12T00:00:00Z"),
    db
      .prepare("INSERT INTO vector_spaces (space, started_at, completed_at) VALUES (?, ?, ?)")
      .bind(space, "2026-06-12T00:00:00Z", "2026-06-12T00:00:00Z"),
  );
  for (const part of chunk(papers, 12))
    statements.push(
      db
        .prepare(
          `INSERT INTO local_vectors (space, paper_id, cluster, probes, scale, vector, month, category) VALUES ${part.map(() => "(?, ?, 0, '[0]', ?, ?, '2026-06', 'cs.LG')").join(", ")}`,
        )
        .bind(
          ...part.flatMap((id, i) => {
            const v = Array.from({ length: 64 }, (_, d) => Math.sin((Number(id.slice(5)) + 1) * (d + 1) + i));
            const { scale, data } = quantise(v);
            return [space, id, scale, data];
          }),
        ),
    );
  const ranked = ids.filter((i) => i % 2 === 0);
  for (const part of chunk(ranked, 33)) {
    statements.push(
      db
        .prepare(`INSERT INTO accounts (id, email) VALUES ${part.map(() => "(?, ?)").join(", ")}`)
        .bind(...part.flatMap((i) => [`account-${i}`, `reader${i}@bench.example`])),
      db
        .prepare(`UPDATE subscribers SET ranked_for_me = 1 WHERE id IN (${part.map(() => "?").join(", ")})`)
        .bind(...part.map((i) => `sub-${i}`)),
    );
  }
  for (const part of chunk(ranked, 4))
    statements.push(
      db
        .prepare(
          `INSERT INTO upvotes (account_id, paper_id, created_at) VALUES ${part.flatMap(() => Array.from({ length: 10 }, () => "(?, ?, '2026-06-12T01:00:00Z')")).join(", ")}`,
        )
        .bind(
          ...part.flatMap((i) =>
            Array.from({ length: 10 }, (_, k) => [`account-${i}`, papers[(i + k * 3) % 30]!]).flat(),
          ),
        ),
    );
  for (const part of chunk(statements, 50)) await db.batch(part);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/seed") {
      await seed(env.DB, Number(url.searchParams.get("n")));
      return new Response("seeded");
    }
    const messages: unknown[] = [];
    const mailQueue = {
      async send(body: unknown) {
        messages.push(body);
      },
      async sendBatch(list: Iterable<MessageSendRequest>) {
        for (const m of list) messages.push(m.body);
      },
    } as unknown as Queue;
    const t0 = Date.now();
    const enqueued = await enqueueDigests({ DB: env.DB, MAIL_QUEUE: mailQueue }, "daily", PERIOD);
    const t1 = Date.now();
    let pending = messages.map((body, i) => ({ id: `m${i}`, attempts: 1, body: body as MailMessage, readyAt: 0 }));
    let batches = 0;
    let retries = 0;
    while (pending.length) {
      const now = Date.now();
      const ready = pending.filter((m) => m.readyAt <= now).slice(0, 100);
      if (!ready.length) {
        await new Promise((r) => setTimeout(r, Math.max(1, Math.min(...pending.map((m) => m.readyAt)) - now)));
        continue;
      }
      const taken = new Set(ready);
      pending = pending.filter((m) => !taken.has(m));
      const outcome = new Map<string, number | null>();
      const batch = {
        queue: "paperboy-mail",
        metadata: {},
        messages: ready.map((m) => ({
          id: m.id,
          timestamp: new Date(),
          body: m.body,
          attempts: m.attempts,
          ack: () => outcome.set(m.id, null),
          retry: (o?: QueueRetryOptions) => outcome.set(m.id, o?.delaySeconds ?? 0),
        })),
        ackAll: () => ready.forEach((m) => outcome.set(m.id, null)),
        retryAll: () => ready.forEach((m) => outcome.set(m.id, 0)),
      } as unknown as MessageBatch<unknown>;
      await queue(batch, env);
      batches++;
      for (const m of ready) {
        const delay = outcome.get(m.id);
        if (delay === undefined) throw new Error(`message ${m.id} neither acked nor retried`);
        if (delay !== null) {
          retries++;
          pending.push({ ...m, attempts: m.attempts + 1, readyAt: Date.now() + delay * 1000 });
        }
      }
    }
    const t2 = Date.now();
    const ledger = await env.DB.prepare("SELECT status, count(*) AS n FROM deliveries GROUP BY status").all<{
      status: string;
      n: number;
    }>();
    return Response.json({
      enqueued: enqueued.enqueued,
      enqueueMs: t1 - t0,
      sendMs: t2 - t1,
      batches,
      retries,
      ledger: Object.fromEntries(ledger.results.map((r) => [r.status, r.n])),
    });
  },
};
