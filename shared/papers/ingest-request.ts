import { z } from "zod";
import { arxivCategory, arxivId } from "./records";

export const INGEST_SOURCES = ["arxiv-rss", "arxiv-api", "hf-daily"] as const;
export type IngestSource = (typeof INGEST_SOURCES)[number];

/** What the cron and a curator (POST /admin/ingest) ask the ingest worker for. */
export const IngestRequest = z
  .object({
    source: z.enum(INGEST_SOURCES),
    /** hf-daily: the Daily Papers day; arxiv-api: submissions since that day in the categories. */
    date: z.iso.date().optional(),
    /** arxiv-api: fetch these papers by id (at most 100); without ids nor date, backfill. */
    ids: z.array(arxivId).min(1).max(100).optional(),
    /** arxiv-rss: override the configured categories. */
    categories: z.array(arxivCategory).min(1).max(20).optional(),
  })
  .strict();
export type IngestRequest = z.output<typeof IngestRequest>;

export interface IngestRunRecord {
  id: number;
  source: IngestSource;
  target: string | null;
  startedAt: string;
  finishedAt: string | null;
  status: "running" | "ok" | "failed";
  read: number;
  inserted: number;
  updated: number;
  skipped: number;
  error: string | null;
}
