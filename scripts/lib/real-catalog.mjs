// The real corpus of ../shared/corpus (its README.md and PROVENANCE.md) as a catalog in a local D1:
// the union by id of arxiv-ml.jsonl.gz (151,387 arXiv ML papers) and hf-daily-2024-2025.jsonl.gz
// (8,839 featured papers), the featured ones also as daily entries on their featuredDay with their
// upvotes. The D1 is made by the real migrations (migrateLocal) and filled straight through its
// SQLite file, so the FTS triggers fill the index, as scripts/lib/synthetic-catalog.mjs does.
// Hugging Face's ai_summary and ai_keywords are never stored: search-quality queries are made
// from them (scripts/eval-search.mjs) and would otherwise find themselves.
// The corpus stays where it is: nothing of it is copied into the repository; the built database is
// kept under .bench/real-catalog/ (ignored by git), keyed by the corpus files' contents, the
// migrations and this file, so that a second run skips the load.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { createGunzip } from "node:zlib";
import { ensureDevVars, migrateLocal, ROOT } from "./local-stack.mjs";

export const CORPUS_DIR = join(ROOT, "..", "shared", "corpus");
export const ARXIV_FILE = join(CORPUS_DIR, "arxiv-ml.jsonl.gz");
export const DAILY_FILE = join(CORPUS_DIR, "hf-daily-2024-2025.jsonl.gz");
const CACHE_DIR = join(ROOT, ".bench/real-catalog");

/** Stops the process with a clear message (exit code 1) when the corpus is not beside the repository. */
export function requireCorpus() {
  const missing = [ARXIV_FILE, DAILY_FILE].filter((f) => !existsSync(f));
  if (!missing.length) return;
  console.error(
    `The real corpus is missing: ${missing.join(", ")}.\n` +
      "This script reads ../shared/corpus beside the repository (arxiv-ml.jsonl.gz and " +
      "hf-daily-2024-2025.jsonl.gz; see that folder's README.md); it is not part of the repository " +
      "and is never copied into it.",
  );
  process.exit(1);
}

/** Every record of a gzip-compressed JSON-lines file. */
export async function readJsonl(file) {
  const out = [];
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) out.push(JSON.parse(line));
  return out;
}

/** The D1 database file under a persistTo folder that migrateLocal filled. */
export function d1File(persistTo) {
  const dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const name = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!name) throw new Error(`no D1 database in ${dir}`);
  return join(dir, name);
}

const iso = (s) => new Date(s).toISOString();
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Writes the corpus into the migrated D1 file: the papers oldest-published first (as ingest adds
 * them over time, so the ones added last are the newest), then the featured days.
 */
export async function fillRealCatalog(dbFile) {
  const started = Date.now();
  const daily = await readJsonl(DAILY_FILE);
  const arxiv = await readJsonl(ARXIV_FILE);
  /**
   * @type {Map<string, {id: string, title: string, abstract: string, authors: string[],
   *   categories: string[], published: string, updated: string}>}
   */
  const papers = new Map();
  for (const r of arxiv) {
    const published = iso(r.published);
    const updated = r.updated ? iso(r.updated) : published;
    const categories = r.categories ?? [];
    const { id, title, summary: abstract, authors } = r;
    papers.set(id, { id, title, abstract, authors, categories, published, updated });
  }
  for (const r of daily) {
    if (papers.has(r.id)) continue;
    const published = iso(r.publishedAt);
    const { id, title, summary: abstract, authors } = r;
    papers.set(id, { id, title, abstract, authors, categories: [], published, updated: published });
  }
  const ordered = [...papers.values()].sort((a, b) => cmp(a.published, b.published) || cmp(a.id, b.id));

  const db = new DatabaseSync(dbFile);
  db.exec("PRAGMA synchronous = OFF");
  const insertPaper = db.prepare(
    `INSERT INTO papers
       (id, version, title, abstract, authors, categories, primary_category, published, updated)
     VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEntry = db.prepare(
    `INSERT INTO daily_entries (paper_id, day, source, upstream_upvotes, num_comments)
     VALUES (?, ?, 'hf-daily', ?, ?)`,
  );
  db.exec("BEGIN");
  for (const p of ordered) {
    const [authors, categories] = [JSON.stringify(p.authors), JSON.stringify(p.categories)];
    const primary = p.categories[0] ?? null;
    insertPaper.run(p.id, p.title, p.abstract, authors, categories, primary, p.published, p.updated);
  }
  const byDay = [...daily].sort((a, b) => cmp(a.featuredDay, b.featuredDay) || cmp(a.id, b.id));
  for (const r of byDay) insertEntry.run(r.id, r.featuredDay, r.upvotes ?? 0, r.numComments ?? 0);
  db.exec("COMMIT");
  const count = Number(db.prepare("SELECT count(*) AS n FROM papers").get()?.n);
  const featured = Number(db.prepare("SELECT count(*) AS n FROM daily_entries").get()?.n);
  const days = Number(db.prepare("SELECT count(DISTINCT day) AS n FROM daily_entries").get()?.n);
  db.close();
  return { count, featured, days, ms: Date.now() - started };
}

/**
 * What the built database depends on: the corpus files' contents (not their times: a machine
 * provisioned anew has the same files with new ones; hashing both takes a fraction of a second),
 * the migrations and this loader.
 */
function cacheKey() {
  const hash = createHash("sha256");
  for (const file of [ARXIV_FILE, DAILY_FILE])
    hash
      .update(`${basename(file)}\0`)
      .update(readFileSync(file))
      .update("\0");
  const migrations = join(ROOT, "migrations");
  for (const name of readdirSync(migrations)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash
      .update(`${name}\0`)
      .update(readFileSync(join(migrations, name)))
      .update("\0");
  }
  hash.update(readFileSync(new URL(import.meta.url)));
  return hash.digest("hex").slice(0, 16);
}

/**
 * The real catalog's D1, built once per cache key under .bench/real-catalog/<key> (older builds
 * are removed: each is about half a gigabyte). Resolves to { persistTo, dbFile, key, cached, stats }.
 */
export async function realCatalog(log = console.log) {
  requireCorpus();
  const key = cacheKey();
  const persistTo = join(CACHE_DIR, key);
  const statsFile = join(persistTo, "catalog.json");
  if (existsSync(statsFile)) {
    const stats = JSON.parse(readFileSync(statsFile, "utf8"));
    return { persistTo, dbFile: d1File(persistTo), key, cached: true, stats };
  }
  const old = existsSync(CACHE_DIR) ? readdirSync(CACHE_DIR) : [];
  for (const name of old) rmSync(join(CACHE_DIR, name), { recursive: true, force: true });
  const building = join(CACHE_DIR, `building-${process.pid}`);
  log(`building the real catalog from ${CORPUS_DIR} (once; kept in ${persistTo})`);
  ensureDevVars();
  migrateLocal(building);
  const stats = await fillRealCatalog(d1File(building));
  writeFileSync(join(building, "catalog.json"), `${JSON.stringify(stats)}\n`);
  renameSync(building, persistTo);
  return { persistTo, dbFile: d1File(persistTo), key, cached: false, stats };
}
