/** A MAIL_QUEUE that keeps what is sent, and fails the test on a sendBatch over Queues' limits. */
export function captureQueue() {
  const sent: unknown[] = [];
  const batchSizes: number[] = [];
  const q = {
    async send(body: unknown) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest>) {
      const list = [...messages];
      if (list.length > 100) throw new Error(`sendBatch with ${list.length} messages (Queues allows 100)`);
      batchSizes.push(list.length);
      for (const m of list) sent.push(m.body);
    },
  };
  return { queue: q as unknown as Queue, sent, batchSizes };
}
