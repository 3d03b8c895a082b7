import { createDb } from "#shared/db/client";
import { SuppressionConfig } from "#shared/mail/address";
import { vectorIndexFrom } from "#shared/vectors/from-env";
import { handleDeadLetters } from "./dead-letters";
import { DEAD_LETTER_QUEUE, type Env, readConfig } from "./env";
import { handleMailBatch } from "./handle-batch";
import { pacedTransport } from "./pacer";
import { PACE_MAX_WAIT_MS } from "./retry-policy";
import { outboxTransport, resendTransport } from "./transport";

export async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) return handleDeadLetters(batch, env.DB);
  const config = readConfig(env);
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const transport = config.RESEND_API_KEY
    ? pacedTransport(
        resendTransport({
          apiKey: config.RESEND_API_KEY,
          baseUrl: config.RESEND_BASE_URL,
          from: config.MAIL_FROM,
          timeoutMs: config.RESEND_TIMEOUT_MS,
        }),
        {
          d1: env.DB,
          requestsPerSecond: config.RESEND_REQUESTS_PER_SECOND,
          maxWaitMs: PACE_MAX_WAIT_MS,
          sleep,
        },
      )
    : outboxTransport(createDb(env.DB));
  await handleMailBatch(batch, {
    db: createDb(env.DB),
    d1: env.DB,
    config,
    suppression: SuppressionConfig.parse(config),
    transport,
    sleep,
    random: Math.random,
    vectors: vectorIndexFrom(env, createDb(env.DB)),
  });
}

export default { queue } satisfies ExportedHandler<Env>;
