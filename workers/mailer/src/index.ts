import { createDb } from "../../../shared/db/client";
import { readConfig, type Env } from "./env";
import { createDeps, handleMailBatch } from "./handle-batch";
import { outboxTransport, resendTransport } from "./transport";

export async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const config = readConfig(env);
  const transport = config.RESEND_API_KEY
    ? resendTransport({ apiKey: config.RESEND_API_KEY, baseUrl: config.RESEND_BASE_URL, from: config.MAIL_FROM, timeoutMs: config.RESEND_TIMEOUT_MS })
    : outboxTransport(createDb(env.DB));
  await handleMailBatch(batch, createDeps(env, config, transport, Boolean(config.RESEND_API_KEY)));
}

export default { queue } satisfies ExportedHandler<Env>;
