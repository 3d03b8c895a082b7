import type { Env } from "./env";

export default {
  async queue(batch: MessageBatch<unknown>, _env: Env): Promise<void> {
    // Mail sending arrives with the subscriptions work; until then nothing is acknowledged, so
    // nothing is lost.
    for (const message of batch.messages) message.retry({ delaySeconds: 300 });
  },
} satisfies ExportedHandler<Env>;
