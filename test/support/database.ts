import { env } from "cloudflare:test";

// Children before the tables they reference; d1_migrations and the FTS index (kept by triggers) stay.
const TABLES = [
  "audit_log",
  "comments",
  "upvotes",
  "sessions",
  "follows",
  "not_for_me",
  "reader_rankings",
  "accounts",
  "signin_tokens",
  "consents",
  "deliveries",
  "subscribers",
  "suppressions",
  "mail_dead_letters",
  "outbox",
  "rate_limits",
  "send_pacer",
  "announcements",
  "paper_vectors",
  "local_vectors",
  "local_packs",
  "local_model_terms",
  "local_models",
  "vector_spaces",
  "daily_entries",
  "papers",
  "ingest_runs",
  "line_revisions",
  "switches",
];

/** Empties every table of the file's D1, so that a test starts from a known state whatever ran before it. */
export async function emptyDatabase() {
  await env.DB.batch(TABLES.map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
}

/** The `n` a counting query answers (`SELECT count(*) AS n ...`), as a number. */
export async function countOf(query: string, ...binds: unknown[]): Promise<number> {
  return Number(
    (
      await env.DB.prepare(query)
        .bind(...binds)
        .first<{ n: number }>()
    )?.n,
  );
}
