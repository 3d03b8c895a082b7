// Peak memory of parsing one listing, in a fresh Node process (the same V8 as workerd).
import { readFileSync } from "node:fs";
import { parseArxivRss } from "../../workers/ingest/src/sources/arxiv-rss";

const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
const xml = readFileSync(process.argv[2]!, "utf8");
const before = peakRss();
const batch = parseArxivRss(xml, ["cs.AI"]);
const after = peakRss();
console.log(
  JSON.stringify({
    papers: batch.papers.length,
    peakRssGrowth: after - before,
    peakRss: after,
    heapUsed: process.memoryUsage().heapUsed,
  }),
);
