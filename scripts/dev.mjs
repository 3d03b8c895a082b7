// npm run dev: migrate the local D1, start the upstream stub and the three workers, and fill the
// database from the real captures through the ingest worker. Ctrl-C stops everything.
import { startLocalStack } from "./lib/local-stack.mjs";

const { baseUrl, stop, child } = await startLocalStack();
console.log(`\nPaperboy is running at ${baseUrl} (Ctrl-C to stop)\n`);
const shutdown = async () => {
  await stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
child.on("exit", (code) => process.exit(code ?? 0));
