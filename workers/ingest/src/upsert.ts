import { eq, inArray, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { runBatch, type Db } from "#shared/db/client";
import { chunk, rowsPerStatement, selectInChunks } from "#shared/db/chunk";
import { announcements, dailyEntries, papers, type PaperFields } from "#shared/db/schema";
import type { DailyEntryRecord, PaperRecord, ParsedBatch } from "#shared/papers/records";
import { mergePaper, toValues } from "./merge";

export interface UpsertResult {
  inserted: number;
  updated: number;
  /** Papers whose row or daily entry changed, and the days whose listing changed: what to purge. */
  changedPapers: string[];
  changedDays: string[];
}

const PAPER_COLUMNS = 20; // the columns an insert binds, timestamps included (local_upvotes is written as a literal 0)
const ENTRY_COLUMNS = 11;
const ANNOUNCEMENT_COLUMNS = 4;

/** One record per paper: the highest version wins, later enrichment fills in. */
function dedupePapers(records: PaperRecord[]): PaperRecord[] {
  const byId = new Map<string, PaperRecord>();
  for (const r of records) {
    const seen = byId.get(r.id);
    if (!seen || r.version > seen.version) byId.set(r.id, { ...seen, ...r });
  }
  return [...byId.values()];
}

/** Plans in all when other runs keep inserting the same rows between our read and our write. */
const WRITE_ATTEMPTS = 3;

/**
 * Writes a parsed batch: new rows inserted, changed rows updated, unchanged rows left alone (a
 * rerun writes nothing). Every write goes into one D1 batch, a transaction: a failure leaves the
 * database as it was. Inserts are chunked under D1's 100-parameter limit.
 *
 * Two runs of one source at once (the cron and a curator's) read the same missing rows and both
 * insert them; the second batch then breaks a UNIQUE key and rolls back whole. It is planned
 * again from a fresh read, which finds the other run's rows and merges into them.
 */
export async function upsertBatch(db: Db, batch: ParsedBatch, now: string, extraWrites: BatchItem<"sqlite">[] = []): Promise<UpsertResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeBatch(db, batch, now, extraWrites);
    } catch (err) {
      if (attempt >= WRITE_ATTEMPTS || !isUniqueViolation(err)) throw err;
      console.warn(`ingest write met a concurrent insert, planning again (attempt ${attempt + 1})`);
    }
  }
}

function isUniqueViolation(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (/UNIQUE constraint failed/.test(e.message)) return true;
  return false;
}

/** `extraWrites` go last in the same transaction (a submission's comment, which needs the paper's row). */
async function writeBatch(db: Db, batch: ParsedBatch, now: string, extraWrites: BatchItem<"sqlite">[]): Promise<UpsertResult> {
  const incoming = dedupePapers(batch.papers);
  const ids = incoming.map((p) => p.id);
  // Only what sources describe: Paperboy's own columns (votes, a curator's marks) are never written back.
  const existingPapers = new Map(
    (await selectInChunks(ids, (part) => db.select().from(papers).where(inArray(papers.id, part)).all())).map((row) => {
      const { num: _num, createdAt: _c, changedAt: _ch, localUpvotes: _votes, hiddenAt: _hidden, linksCuratedAt, ...values } = row;
      return [row.id, { fields: values as PaperFields, linksCurated: linksCuratedAt !== null }] as const;
    }),
  );

  const writes: BatchItem<"sqlite">[] = [];
  const changedPapers = new Set<string>();
  const changedDays = new Set<string>();
  let inserted = 0;
  let updated = 0;

  const newPapers: (PaperFields & { changedAt: string; createdAt: string; localUpvotes: SQL })[] = [];
  for (const record of incoming) {
    const known = existingPapers.get(record.id);
    if (!known) {
      // A literal, not drizzle's bound default: five rows still fit a statement's 100 parameters.
      newPapers.push({ ...toValues(record, now), createdAt: now, changedAt: now, localUpvotes: sql`0` });
      changedPapers.add(record.id);
      continue;
    }
    const merged = mergePaper(known.fields, record, now, { linksCurated: known.linksCurated });
    if (!merged) continue;
    writes.push(db.update(papers).set({ ...merged, changedAt: now }).where(eq(papers.id, record.id)));
    changedPapers.add(record.id);
    updated++;
  }
  for (const rows of chunk(newPapers, rowsPerStatement(PAPER_COLUMNS))) writes.push(db.insert(papers).values(rows));
  inserted += newPapers.length;

  const entryResult = await planEntries(db, batch.entries, now);
  writes.push(...entryResult.writes);
  inserted += entryResult.inserted;
  updated += entryResult.updated;
  for (const e of entryResult.changed) {
    changedPapers.add(e.paperId);
    changedDays.add(e.day);
  }

  const seenAnnouncements = new Set(
    (
      await selectInChunks(batch.announcements.map((a) => a.paperId), (part) =>
        db.select({ day: announcements.day, paperId: announcements.paperId }).from(announcements).where(inArray(announcements.paperId, part)).all(),
      )
    ).map((a) => `${a.day} ${a.paperId}`),
  );
  const newAnnouncements = batch.announcements.filter((a) => {
    const key = `${a.day} ${a.paperId}`;
    if (seenAnnouncements.has(key)) return false;
    seenAnnouncements.add(key);
    return true;
  });
  for (const rows of chunk(newAnnouncements, rowsPerStatement(ANNOUNCEMENT_COLUMNS))) {
    writes.push(db.insert(announcements).values(rows));
  }
  inserted += newAnnouncements.length;

  writes.push(...extraWrites);
  await runBatch(db, writes);
  return { inserted, updated, changedPapers: [...changedPapers], changedDays: [...changedDays] };
}

/**
 * Daily entries: a paper keeps the first day it was featured, with that entry's source and
 * submitter; upvotes and comments follow upstream. A submission never touches an entry that exists
 * (its zero counts are not upstream's).
 */
async function planEntries(db: Db, entries: DailyEntryRecord[], now: string) {
  const unique = [...new Map(entries.map((e) => [e.paperId, e])).values()];
  const existing = new Map(
    (
      await selectInChunks(
        unique.map((e) => e.paperId),
        (part) => db.select().from(dailyEntries).where(inArray(dailyEntries.paperId, part)).all(),
      )
    ).map((row) => [row.paperId, row]),
  );
  const writes: BatchItem<"sqlite">[] = [];
  const changed: { paperId: string; day: string }[] = [];
  const fresh: (DailyEntryRecord & { createdAt: string })[] = [];
  let updated = 0;
  for (const e of unique) {
    const row = existing.get(e.paperId);
    if (!row) {
      fresh.push({ ...e, createdAt: now });
      changed.push(e);
      continue;
    }
    if (e.source === "submission") continue;
    if (row.upstreamUpvotes === e.upstreamUpvotes && row.numComments === e.numComments) continue;
    writes.push(
      db
        .update(dailyEntries)
        .set({ upstreamUpvotes: e.upstreamUpvotes, numComments: e.numComments })
        .where(eq(dailyEntries.paperId, e.paperId)),
    );
    changed.push({ paperId: e.paperId, day: row.day });
    updated++;
  }
  for (const rows of chunk(fresh, rowsPerStatement(ENTRY_COLUMNS))) writes.push(db.insert(dailyEntries).values(rows));
  return { writes, inserted: fresh.length, updated, changed };
}
