// A local stand-in for arXiv and Hugging Face's daily papers API, serving the real captures in
// test/fixtures/upstream. `npm run dev` and the browser tests point the ingest worker at it, so
// local runs work offline and go through the production parsers and upsert code. Thumbnails
// (cdn-thumbnails.huggingface.co/social-thumbnails/...) are pictures it draws itself.
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

const FIXTURES = new URL("../../test/fixtures/upstream/", import.meta.url).pathname;
const read = (path) => readFileSync(join(FIXTURES, path), "utf8");

const RSS_FEEDS = [
  "arxiv/rss_cs.AI_2026-04-27.xml",
  "arxiv/rss_cs.CL_2026-04-27.xml",
  "arxiv/rss_cs.LG_2026-04-27.xml",
].map(read);
const ATOM_FILES = [
  "arxiv/api_query_transformer_cs.LG_2026-06-14.xml",
  ...readdirSync(join(FIXTURES, "arxiv/api_recorded"))
    .filter((f) => f.endsWith(".body.xml"))
    .map((f) => `arxiv/api_recorded/${f}`),
].map(read);
const DAILY = {
  "2026-06-12": read("hf/daily_papers_2026-06-12.json"),
  "2024-10-25": read("hf/daily_papers_2024-10-25_old_schema_excerpt.json"),
};

/** Every Atom entry of the captures, by arXiv id without version. */
const ATOM_ENTRIES = new Map();
for (const feed of ATOM_FILES) {
  for (const entry of feed.match(/<entry>[\s\S]*?<\/entry>/g) ?? []) {
    const id = /<id>https?:\/\/arxiv\.org\/abs\/(.+?)(v\d+)?<\/id>/.exec(entry)?.[1];
    if (id) ATOM_ENTRIES.set(id, entry);
  }
}
const ATOM_HEAD = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/local-stub</id><title>arXiv Query (local stub)</title><updated>2026-06-14T00:00:00Z</updated>`;

function atomFeed(entries) {
  return `${ATOM_HEAD}
  <opensearch:itemsPerPage>${entries.length}</opensearch:itemsPerPage>
  <opensearch:totalResults>${entries.length}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
${entries.join("\n")}
</feed>`;
}

/** The three captured listings merged into one, as rss.arxiv.org/rss/cs.AI+cs.CL+cs.LG answers. */
function combinedListing() {
  const first = RSS_FEEDS[0];
  const seen = new Set();
  const items = RSS_FEEDS.flatMap((feed) => feed.match(/<item>[\s\S]*?<\/item>/g) ?? []).filter((item) => {
    const guid = /<guid[^>]*>(.*?)<\/guid>/.exec(item)?.[1];
    if (seen.has(guid)) return false;
    seen.add(guid);
    return true;
  });
  return first.slice(0, first.indexOf("<item>")) + items.join("\n    ") + "\n  </channel>\n</rss>\n";
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Hugging Face's thumbnail of a paper stands in as a picture of our own: a bar chart in colours
 * drawn from the id, 600x315 like a social card, so that pages show thumbnails offline and each
 * paper's differs.
 */
function standInThumbnail(id) {
  const [w, h] = [600, 315];
  let seed = [...id].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) >>> 0, 7);
  const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
  const hue = [60 + next() * 140, 60 + next() * 140, 60 + next() * 140];
  const bars = Array.from({ length: 6 }, () => 0.2 + next() * 0.7);
  const raw = Buffer.alloc((w * 3 + 1) * h, 0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const bar = Math.floor((x - 60) / 80);
      const inBar = x >= 60 && bar < 6 && (x - 60) % 80 < 56 && y > 40 + (1 - bars[bar]) * 235 && y < 275;
      const at = y * (w * 3 + 1) + 1 + x * 3;
      for (let c = 0; c < 3; c++) raw[at + c] = inBar ? hue[c] : 244 - (y / h) * 20;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function respond(url) {
  if (url.pathname.startsWith("/rss/")) return [200, "application/rss+xml", combinedListing()];
  if (url.pathname === "/api/query") {
    const ids = url.searchParams.get("id_list");
    if (ids)
      return [
        200,
        "application/atom+xml",
        atomFeed(ids.split(",").flatMap((id) => ATOM_ENTRIES.get(id.replace(/v\d+$/, "")) ?? [])),
      ];
    return [
      200,
      "application/atom+xml",
      atomFeed(url.searchParams.get("start") === "0" ? [...ATOM_ENTRIES.values()] : []),
    ];
  }
  if (url.pathname === "/api/daily_papers") {
    return [200, "application/json", DAILY[url.searchParams.get("date")] ?? "[]"];
  }
  const thumbnail = /^\/social-thumbnails\/papers\/(.+)\.png$/.exec(url.pathname);
  if (thumbnail) return [200, "image/png", standInThumbnail(thumbnail[1])];
  return [404, "text/plain", "no such capture"];
}

/** Starts the stub on 127.0.0.1:port (0 picks a free port); resolves to { url, close }. */
export function startUpstreamStub(port = 0) {
  const server = createServer((req, res) => {
    const [status, type, body] = respond(new URL(req.url ?? "/", "http://stub"));
    res.writeHead(status, { "Content-Type": type });
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = /** @type {import("node:net").AddressInfo} */ (server.address());
      resolve({ url: `http://127.0.0.1:${bound}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}
