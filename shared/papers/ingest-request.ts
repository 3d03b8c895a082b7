import { z } from "zod";
import { INGEST_SOURCES } from "../db/schema";
import { arxivCategory, arxivId } from "./records";

/** What the cron and a curator (POST /admin/ingest) ask the ingest worker for. */
export const IngestRequest = z
  .object({
    source: z.enum(INGEST_SOURCES),
    /**
     * hf-daily: the Daily Papers day (default: today, UTC). arxiv-api: the papers submitted on that
     * UTC day in the categories. arxiv-rss: not used (a listing is always the latest announcement).
     */
    date: z.iso.date().optional(),
    /** arxiv-api: fetch these papers by id (at most 100). Without ids nor date: the backfill of papers only the daily feed described. */
    ids: z.array(arxivId).min(1).max(100).optional(),
    /** arxiv-rss, and arxiv-api with a date: the categories to list instead of ARXIV_CATEGORIES. hf-daily: not used. */
    categories: z.array(arxivCategory).min(1).max(20).optional(),
  })
  .strict();
export type IngestRequest = z.output<typeof IngestRequest>;
