import { and, count, eq } from "drizzle-orm";
import {
  type ArxivLookupFailure,
  SUBMISSION_COMMENT_MAX as COMMENT_MAX,
  type IngestService,
  type SubmissionWrite,
} from "#shared/contracts";
import type { Db } from "#shared/db/client";
import { type AccountRow, dailyEntries, papers } from "#shared/db/schema";
import { addDays, formatDay, formatPeriod, parseMonth, todayUtc } from "#shared/domain/periods";
import { parseArxivId } from "#shared/papers/records";
import { plural } from "#shared/papers/text";

/** The submission rules, as on Hugging Face; the API worker's configuration sets them (env.ts). */
export interface SubmissionRules {
  /** A paper first published on arXiv more than this many days before today is too old. */
  windowDays: number;
  /** Submissions per account per UTC day. */
  dailyCap: number;
  /** Whether Saturday and Sunday (UTC) take submissions. */
  weekends: boolean;
}

export type RefusalCode =
  | "invalid-id"
  | "comment-too-long"
  | "weekdays-only"
  | "daily-cap"
  | "featured-once"
  | "too-old"
  | ArxivLookupFailure;

export interface Refusal {
  ok: false;
  code: RefusalCode;
  status: 400 | 404 | 409 | 502 | 503 | 504;
  /** The rule broken, or what failed, in a few words: "Featured once". */
  rule: string;
  message: string;
  /** Where to go next (the featured paper's page). */
  link?: { href: string; text: string };
}

export type SubmitResult = { ok: true; paperId: string; day: string } | Refusal;

export interface SubmitDeps {
  db: Db;
  ingest: IngestService;
  rules: SubmissionRules;
  now: Date;
}

const refuse = (
  code: RefusalCode,
  status: Refusal["status"],
  rule: string,
  message: string,
  link?: Refusal["link"],
): Refusal => ({ ok: false, code, status, rule, message, link });

const ARXIV_FAILURES: Record<ArxivLookupFailure, (id: string) => Refusal> = {
  "not-found": (id) =>
    refuse("not-found", 404, "Not on arXiv", `arXiv has no paper ${id}. Check the id or the address you pasted.`),
  slow: () =>
    refuse(
      "slow",
      504,
      "arXiv is slow",
      "arXiv took too long to answer. Nothing was submitted: please try again in a minute.",
    ),
  down: () =>
    refuse(
      "down",
      502,
      "arXiv is unavailable",
      "arXiv is not answering right now. Nothing was submitted: please try again later.",
    ),
  busy: () =>
    refuse(
      "busy",
      503,
      "arXiv is busy",
      "Paperboy is asking arXiv for other papers right now. Nothing was submitted: please try again in a minute.",
    ),
};

/**
 * Puts a paper on today's page for `account`. The rules that need no arXiv answer come first
 * (weekdays, the daily cap, featured once), then the lookup through the ingest worker, then the
 * window; only then the write, in one transaction. Every refusal writes nothing.
 *
 * The cap and featured-once are read here to spare arXiv a lookup, and held again by the write
 * (recordSubmission), which counts and inserts in one statement: submissions at the very same
 * moment cannot pass them.
 */
export async function submitPaper(
  deps: SubmitDeps,
  account: AccountRow & { handle: string },
  form: { paper: string; comment: string },
): Promise<SubmitResult> {
  const { db, rules, now } = deps;
  const parsed = parseArxivId(form.paper);
  if (!parsed) {
    return refuse(
      "invalid-id",
      400,
      "Not an arXiv id",
      "Paste an arXiv id or address, like 2606.00467, 2606.00467v2, arxiv.org/abs/2606.00467, arxiv.org/pdf/2606.00467.pdf or hep-th/9901001.",
    );
  }
  const comment = form.comment.trim();
  if (comment.length > COMMENT_MAX) {
    return refuse(
      "comment-too-long",
      400,
      "Comment too long",
      `A comment has at most ${COMMENT_MAX.toLocaleString("en-US")} characters; yours has ${comment.length.toLocaleString("en-US")}.`,
    );
  }
  const id = parsed.id;
  const today = todayUtc(now);
  const weekday = now.getUTCDay();
  if (!rules.weekends && (weekday === 0 || weekday === 6)) {
    return refuse(
      "weekdays-only",
      409,
      "Weekdays only",
      "Papers are submitted from Monday to Friday (UTC). Come back on Monday.",
    );
  }
  const oldest = addDays(today, -rules.windowDays) ?? today;
  // The id alone can tell a paper too old: no lookup for it.
  const assigned = idMonth(id);
  if (assigned && assigned.lastDay < oldest) {
    return refuse(
      "too-old",
      409,
      "Recent papers only",
      `A paper can be submitted within ${plural(rules.windowDays, "day")} of its first version on arXiv; ` +
        `${id} was first published in ${assigned.name} or before.`,
    );
  }
  const submitted =
    (
      await db
        .select({ n: count() })
        .from(dailyEntries)
        .where(and(eq(dailyEntries.submitterAccountId, account.id), eq(dailyEntries.day, today)))
        .get()
    )?.n ?? 0;
  if (submitted >= rules.dailyCap) return dailyCap(rules.dailyCap, submitted);
  const featured = await featuredEntry(db, id);
  if (featured) return featuredOnce(id, featured.day, featured.title);

  const lookup = await deps.ingest.lookupArxivPaper(id);
  if (!lookup.ok) return ARXIV_FAILURES[lookup.failure](id);
  const { paper } = lookup;
  if (paper.published.slice(0, 10) < oldest) {
    return refuse(
      "too-old",
      409,
      "Recent papers only",
      `A paper can be submitted within ${plural(rules.windowDays, "day")} of its first version on arXiv; ${id} was first published on ${formatDay(paper.published.slice(0, 10))}.`,
    );
  }

  const entry: SubmissionWrite["entry"] = {
    day: today,
    paperId: id,
    source: "submission",
    submitterName: account.handle,
    submitterFullname: account.displayName ?? undefined,
    submitterAvatarUrl: undefined,
    submitterAccountId: account.id,
    thumbnail: undefined,
    upstreamUpvotes: 0,
    numComments: 0,
  };
  const written = await deps.ingest.recordSubmission({
    paper,
    entry,
    comment: comment ? { accountId: account.id, body: comment } : undefined,
    dailyCap: rules.dailyCap,
  });
  if (!written.ok) {
    return written.refused === "daily-cap"
      ? dailyCap(rules.dailyCap, written.submitted)
      : featuredOnce(id, written.featuredOn, paper.title);
  }
  return { ok: true, paperId: id, day: today };
}

/**
 * The month an arXiv id was given in (its YYMM: 2606.13677, hep-th/9901001; old-style years 91 to
 * 07). arXiv gives the id when it announces the paper, on or after its first version: the first
 * version is on or before the month's last day.
 */
export function idMonth(id: string): { lastDay: string; name: string } | null {
  const m = /^(\d{2})(\d{2})\.\d{4,5}$/.exec(id) ?? /\/(\d{2})(\d{2})\d{3}$/.exec(id);
  if (!m) return null;
  const yy = Number(m[1]);
  const year = id.includes("/") && yy >= 91 ? 1900 + yy : 2000 + yy;
  const period = parseMonth(`${year}-${m[2]}`);
  return period ? { lastDay: period.to, name: formatPeriod(period) } : null;
}

async function featuredEntry(db: Db, id: string) {
  return db
    .select({ day: dailyEntries.day, title: papers.title })
    .from(dailyEntries)
    .innerJoin(papers, eq(papers.id, dailyEntries.paperId))
    .where(eq(dailyEntries.paperId, id))
    .get();
}

function dailyCap(cap: number, submitted: number): Refusal {
  const message = `Each account submits at most ${plural(cap, "paper")} a day (UTC), and you have submitted ${submitted} today. Come back tomorrow.`;
  return refuse("daily-cap", 409, "Daily limit", message);
}

function featuredOnce(id: string, day: string, title: string): Refusal {
  return refuse(
    "featured-once",
    409,
    "Featured once",
    `A paper is featured on one day only, and ${id} was featured on ${formatDay(day)}.`,
    {
      href: `/papers/${id}`,
      text: `See “${title}”`,
    },
  );
}
