import { getTableColumns } from "drizzle-orm";
import { Resend } from "resend";
import { chunk, rowsPerStatement } from "#shared/db/chunk";
import { type Db, runBatch } from "#shared/db/client";
import { outbox } from "#shared/db/schema";

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/** Per mail of a batch call: the provider's id, or why that one mail was refused. */
export type ItemResult = { ok: true; id: string } | { ok: false; error: string };

export type BatchOutcome =
  | { ok: true; items: ItemResult[] }
  /** The call as a whole failed: nothing is known to be sent, unless `alreadyAccepted`. */
  | { ok: false; status: number | null; error: string; retryAfterSeconds?: number; alreadyAccepted?: boolean };

export interface Transport {
  /** Sends up to 100 mails in one call; `idempotencyKey` makes a repeated call a no-op. */
  sendBatch(mails: OutgoingMail[], idempotencyKey: string): Promise<BatchOutcome>;
}

function retryAfter(headers: Record<string, string> | null): number | undefined {
  const value = headers?.["retry-after"] ?? headers?.["ratelimit-reset"];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/** The real Resend SDK; it returns errors instead of throwing, so every branch is checked here. */
export function resendTransport(opts: { apiKey: string; baseUrl: string; from: string; timeoutMs: number }): Transport {
  const resend = new Resend(opts.apiKey, { baseUrl: opts.baseUrl });
  return {
    async sendBatch(mails, idempotencyKey) {
      const { data, error, headers } = await resend.batch.send(
        mails.map((m) => ({
          from: opts.from,
          to: [m.to],
          subject: m.subject,
          html: m.html,
          text: m.text,
          headers: m.headers,
        })),
        { idempotencyKey, batchValidation: "permissive", signal: AbortSignal.timeout(opts.timeoutMs) },
      );
      if (error) {
        return {
          ok: false,
          status: error.statusCode,
          error: `${error.name}: ${error.message}`,
          retryAfterSeconds: retryAfter(headers),
          // The key was used before with other bytes: that earlier call was accepted and sent.
          alreadyAccepted: error.name === "invalid_idempotent_request",
        };
      }
      const refused = new Map((data.errors ?? []).map((e) => [e.index, e.message]));
      const ids = [...(data.data ?? [])];
      const items: ItemResult[] = mails.map((_, index) => {
        const message = refused.get(index);
        if (message !== undefined) return { ok: false, error: message };
        const id = ids.shift()?.id;
        return id ? { ok: true, id } : { ok: false, error: "no id in Resend's answer" };
      });
      return { ok: true, items };
    },
  };
}

/** Local runs without a Resend key: mails land in the outbox table that /dev/outbox shows. */
export function outboxTransport(db: Db): Transport {
  return {
    async sendBatch(mails, idempotencyKey) {
      const rows = mails.map((m) => ({ ...m, idempotencyKey }));
      const inserts = chunk(rows, rowsPerStatement(Object.keys(getTableColumns(outbox)).length)).map((part) =>
        db.insert(outbox).values(part),
      );
      await runBatch(db, inserts);
      return { ok: true, items: mails.map((_, i) => ({ ok: true, id: `outbox-${idempotencyKey.slice(0, 12)}-${i}` })) };
    },
  };
}
