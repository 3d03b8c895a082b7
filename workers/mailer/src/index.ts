import { createDb } from "../../../shared/db/client";
import { SuppressionConfig } from "../../../shared/mail/address";
import { handleDeadLetters } from "./dead-letters";
import { DEAD_LETTER_QUEUE, readConfig, type Env } from "./env";
import { handleMailBatch } from "./handle-batch";
import { outboxTransport, resendTransport } from "./transport";

export async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) return handleDeadLetters(batch, env.DB);
  const config = readConfig(env);
  const transport = config.RESEND_API_KEY
    ? resendTransport({ apiKey: config.RESEND_API_KEY, baseUrl: config.RESEND_BASE_URL, from: config.MAIL_FROM, timeoutMs: config.RESEND_TIMEOUT_MS })
    : outboxTransport(createDb(env.DB));
  await handleMailBatch(batch, {
    db: createDb(env.DB),
    d1: env.DB,
    config,
    suppression: SuppressionConfig.parse(config),
    transport,
    paced: Boolean(config.RESEND_API_KEY),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    random: Math.random,
  });
}

export default { queue } satisfies ExportedHandler<Env>;
