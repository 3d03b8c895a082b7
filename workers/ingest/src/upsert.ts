import { and, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunk, rowsPerStatement, selectInChunks } from "#shared/db/chunk";
import { type Db, runBatch } from "#shared/db/client";
import { isUniqueViolation } from "#shared/db/errors";
import { announcements, type DailyEntryRow, dailyEntries, type PaperFields, papers } from "#shared/db/schema";
import { type DailyEntryRecord, note, type PaperRecord, type ParsedBatch } from "#shared/papers/records";
import { mergePaper, storedPaper, toValues } from "./merge";

export interface UpsertResult {
  inserted: number;
  updated: number;
  /** Daily entries moved to the later day on which upstream featured their paper again. */
  moved: number;
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
export async function upsertBatch(db: Db, batch: ParsedBatch, now: string): Promise<UpsertResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeBatch(db, batch, now);
    } catch (err) {
      if (attempt >= WRITE_ATTEMPTS || !isUniqueViolation(err)) throw err;
      console.warn(`ingest write met a concurrent insert, planning again (attempt ${attempt + 1})`);
    }
  }
}

async function writeBatch(db: Db, batch: ParsedBatch, now: string): Promise<UpsertResult> {
  const incoming = dedupePapers(batch.papers);
  const ids = incoming.map((p) => p.id);
  const existingPapers = new Map(
    (await selectInChunks(ids, (part) => db.select().from(papers).where(inArray(papers.id, part)).all())).map(
      (row) => [row.id, storedPaper(row)] as const,
    ),
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
    writes.push(
      db
        .update(papers)
        .set({ ...merged, changedAt: now })
        .where(eq(papers.id, record.id)),
    );
    changedPapers.add(record.id);
    updated++;
  }
  for (const rows of chunk(newPapers, rowsPerStatement(PAPER_COLUMNS))) writes.push(db.insert(papers).values(rows));
  inserted += newPapers.length;

  const entryResult = await planEntries(db, batch, now);
  writes.push(...entryResult.writes);
  inserted += entryResult.inserted;
  updated += entryResult.updated;
  for (const e of entryResult.changed) {
    changedPapers.add(e.paperId);
    changedDays.add(e.day);
  }

  const seenAnnouncements = new Set(
    (
      await selectInChunks(
        batch.announcements.map((a) => a.paperId),
        (part) =>
          db
            .select({ day: announcements.day, paperId: announcements.paperId })
            .from(announcements)
            .where(inArray(announcements.paperId, part))
            .all(),
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

  await runBatch(db, writes);
  const { moved } = entryResult;
  return { inserted, updated, moved, changedPapers: [...changedPapers], changedDays: [...changedDays] };
}

/**
 * Daily entries: an entry of upstream's follows upstream. When the daily feed lists a paper on a
 * later day than its entry's (Hugging Face features papers again), the entry moves there with that
 * day's submitter and counts; votes and comments belong to the paper and follow it. A record of an
 * earlier day never moves it back (that day's feed may still list it): it only updates the counts,
 * as does any record for an entry a curator or a submission put on its day, or a hidden paper's,
 * which stays where it is (the run notes it). A submission never touches an entry that exists (its
 * zero counts are not upstream's).
 */
async function planEntries(db: Db, batch: ParsedBatch, now: string) {
  // One entry a paper; should a batch list it on two days, the later one.
  const byPaper = new Map<string, DailyEntryRecord>();
  for (const e of batch.entries) if ((byPaper.get(e.paperId)?.day ?? "") <= e.day) byPaper.set(e.paperId, e);
  const unique = [...byPaper.values()];
  const existing = new Map(
    (
      await selectInChunks(
        unique.map((e) => e.paperId),
        (part) =>
          db
            .select({ entry: dailyEntries, hiddenAt: papers.hiddenAt })
            .from(dailyEntries)
            .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
            .where(inArray(dailyEntries.paperId, part))
            .all(),
      )
    ).map((row) => [row.entry.paperId, row]),
  );
  const writes: BatchItem<"sqlite">[] = [];
  const changed: { paperId: string; day: string }[] = [];
  const fresh: (DailyEntryRecord & { createdAt: string })[] = [];
  let updated = 0;
  let moved = 0;
  for (const e of unique) {
    const known = existing.get(e.paperId);
    if (!known) {
      fresh.push({ ...e, createdAt: now });
      changed.push(e);
      continue;
    }
    const { entry: row, hiddenAt } = known;
    if (e.source === "submission") continue;
    if (e.day > row.day) {
      const held = whyItStays(row.source, hiddenAt);
      if (!held) {
        writes.push(
          db
            .update(dailyEntries)
            .set({
              day: e.day,
              submitterName: e.submitterName ?? null,
              submitterFullname: e.submitterFullname ?? null,
              submitterAvatarUrl: e.submitterAvatarUrl ?? null,
              upstreamUpvotes: e.upstreamUpvotes,
              numComments: e.numComments,
              thumbnail: e.thumbnail ?? null,
              createdAt: now,
            })
            // Only forward, and only upstream's entry, whatever another run or a curator did since the read.
            .where(
              and(
                eq(dailyEntries.paperId, e.paperId),
                eq(dailyEntries.source, "hf-daily"),
                lt(dailyEntries.day, e.day),
              ),
            ),
        );
        changed.push({ paperId: e.paperId, day: row.day }, { paperId: e.paperId, day: e.day });
        moved++;
        continue;
      }
      note(batch, `${e.paperId}: listed upstream on ${e.day}, kept on ${row.day} (${held})`);
    }
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
  return { writes, inserted: fresh.length, updated, moved, changed };
}

/** Why an entry stays on its day when upstream lists its paper on a later one, or null when it moves. */
function whyItStays(source: DailyEntryRow["source"], hiddenAt: string | null): string | null {
  if (hiddenAt !== null) return "its paper is hidden";
  if (source === "curator") return "a curator featured it there";
  if (source === "submission") return "it was submitted there";
  return null;
}
