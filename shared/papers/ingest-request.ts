import { z } from "zod";
import { INGEST_SOURCES } from "../db/schema";
import { arxivCategory, arxivId } from "./records";

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

