/**
 * What the workers promise each other: the RPC entrypoints behind their service bindings and the
 * mail queue's message. Each side imports this module, never the other worker's source.
 */
import { z } from "zod";
import type { IngestRunRow } from "./db/schema";
import { type DeliveryKey, DigestPeriodKey } from "./mail/ledger";
import type { IngestRequest } from "./papers/ingest-request";
import { DailyEntryRecord, PaperRecord } from "./papers/records";

/** The mail queue's one message schema: the API and the ingest worker produce it, the mailer parses it. */
export const MailMessage = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("confirm"), subscriberId: z.string().min(1), requestedAt: z.iso.datetime() }),
  z.object({ kind: z.literal("digest"), subscriberId: z.string().min(1), period: DigestPeriodKey }),
  /** A sign-in link; its ledger is the signin_tokens row (see shared/mail/signin.ts). */
  z.object({ kind: z.literal("signin"), tokenId: z.string().min(1).max(64) }),
]);
export type MailMessage = z.infer<typeof MailMessage>;
/** The mails to a subscriber, whose ledger is the deliveries table. */
export type SubscriberMail = Exclude<MailMessage, { kind: "signin" }>;

const CONFIRM = "confirm:";

/** The ledger row of a subscriber's mail: a digest's period, or the confirmation request's time. */
export const deliveryKeyOf = (m: SubscriberMail): DeliveryKey => ({
  subscriberId: m.subscriberId,
  period: m.kind === "digest" ? m.period : `${CONFIRM}${m.requestedAt}`,
});

/** The message a ledger row stands for (the inverse of deliveryKeyOf). */
export const messageOf = (k: DeliveryKey): SubscriberMail =>
  k.period.startsWith(CONFIRM)
    ? { kind: "confirm", subscriberId: k.subscriberId, requestedAt: k.period.slice(CONFIRM.length) }
    : { kind: "digest", subscriberId: k.subscriberId, period: k.period };

/**
 * The ingest worker's `IngestEntrypoint`, bound as INGEST in the API worker: POST /admin/ingest,
 * and a submission (/papers/submit), which looks the paper up on arXiv and then writes it.
 */
import type { TrainOutcome } from "./vectors/local-model";
import type { EmbedOutcome } from "./vectors/paper-vectors";

export type { EmbedOutcome, TrainOutcome };

/** A local model learnt, or why not (Workers AI makes the vectors here; too few papers). */
export type TrainAnswer = ({ status: "trained" } & TrainOutcome) | { status: "refused"; reason: string };

export interface IngestService {
  runIngest(request: IngestRequest): Promise<IngestOutcome>;
  /** One paper from arXiv's API (`id_list`), through the ingest worker's polite fetch and parser. Writes nothing. */
  lookupArxivPaper(id: string): Promise<ArxivLookup>;
  /**
   * Writes a submitted paper, its daily entry and the submitter's comment in one transaction. Of the
   * rules it holds only the two a concurrent write can break: featured once and the daily cap.
   */
  recordSubmission(submission: SubmissionWrite): Promise<SubmissionRecorded>;
  /**
   * One bounded chunk of the vector backfill (shared/vectors/paper-vectors.ts): up to `limit`
   * papers that wait for a vector get one. Null when vectors are off (no AI or VECTORIZE binding,
   * and no local model learnt yet).
   */
  embedWaiting(limit: number): Promise<EmbedOutcome | null>;
  /** Learns a new local model now (POST /admin/vectors/train), where Workers AI is not bound. */
  trainLocalModel(): Promise<TrainAnswer>;
}

/**
 * not-found: arXiv knows no such paper; slow: it timed out; down: 5xx, 429, a network failure or a
 * feed we cannot read; busy: arXiv's next turn (one request every 3 s) is too far away, nothing sent.
 */
export type ArxivLookupFailure = "not-found" | "slow" | "down" | "busy";
export type ArxivLookup = { ok: true; paper: PaperRecord } | { ok: false; failure: ArxivLookupFailure };

/** The longest comment a submission carries: the API refuses a longer one with a message, the ingest worker's parse throws. */
export const SUBMISSION_COMMENT_MAX = 1_000;

/** What the API worker sends to recordSubmission; the ingest worker parses it. */
export const SubmissionWrite = z
  .object({
    paper: PaperRecord,
    entry: DailyEntryRecord.extend({ source: z.literal("submission"), submitterAccountId: z.string().min(1).max(100) }),
    /** The submitter's comment, the first of the paper's discussion. */
    comment: z
      .object({ accountId: z.string().min(1).max(100), body: z.string().min(1).max(SUBMISSION_COMMENT_MAX) })
      .optional(),
    /** Submissions per account per UTC day: counted in the statement that inserts the entry. */
    dailyCap: z.number().int().min(0),
  })
  .refine((s) => s.paper.id === s.entry.paperId, "the entry is not the paper's");
export type SubmissionWrite = z.input<typeof SubmissionWrite>;

/**
 * Not recorded when the paper was featured meanwhile (a submission or a feed run at the same
 * moment), or when the account's other submissions of the day reached the cap meanwhile.
 */
export type SubmissionRecorded =
  | { ok: true }
  | { ok: false; refused: "featured-once"; featuredOn: string }
  | { ok: false; refused: "daily-cap"; submitted: number };

/** One run as recorded in ingest_runs, with what it changed. */
export interface IngestOutcome extends IngestRunRow {
  changedPapers: string[];
  changedDays: string[];
  /** The first 20 skipped records, dropped fields and entries kept on their day, and why; logged, not stored. */
  problems: string[];
}

/** The API worker's `SiteEntrypoint`, bound as SITE in the ingest worker: purges what a run changed. */
export interface SiteService {
  purge(request: PurgeRequest): Promise<PurgeResult>;
}

export interface PurgeRequest {
  /** arXiv ids whose row or daily entry changed. */
  papers: string[];
  /** Days (YYYY-MM-DD) whose listing changed. */
  days: string[];
}

export interface PurgeResult {
  /** Cache API entries looked up and deleted (one data centre), and the Cache-Tags purged everywhere. */
  urls: number;
  deleted: number;
  tags: string[];
}
