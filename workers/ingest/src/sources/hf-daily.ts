import { z } from "zod";
import { DAY_MS } from "#shared/domain/periods";
import {
  accept,
  acceptPaper,
  DailyEntryRecord,
  emptyBatch,
  isoTime,
  type ParsedBatch,
  reject,
} from "#shared/papers/records";
import { MalformedUpstream } from "./xml";

const HF_HOST = "https://huggingface.co";

// Loose on purpose: only what we keep is described, and each item is validated on its own so
// that one odd item is skipped instead of failing the day.
const UpstreamItem = z.object({
  paper: z.object({
    id: z.string(),
    title: z.string().optional(),
    summary: z.string().optional(),
    authors: z.array(z.object({ name: z.string(), hidden: z.boolean().optional() })).default([]),
    publishedAt: z.string().optional(),
    submittedOnDailyAt: z.string().optional(),
    upvotes: z.number().optional(),
    // Enrichment: a malformed value is dropped by acceptPaper, the paper kept.
    githubRepo: z.unknown().optional(),
    githubStars: z.unknown().optional(),
    projectPage: z.unknown().optional(),
    ai_summary: z.unknown().optional(),
    ai_keywords: z.unknown().optional(),
  }),
  title: z.string().optional(),
  summary: z.string().optional(),
  thumbnail: z.string().optional(),
  numComments: z.number().optional(),
  submittedBy: z
    .object({ name: z.string().optional(), fullname: z.string().optional(), avatarUrl: z.string().optional() })
    .optional(),
});

const absolute = (u: string | undefined) => (u?.startsWith("/") ? `${HF_HOST}${u}` : u);
/**
 * How far an item's day may be from the day asked for: the Daily Papers day is not quite the UTC
 * day. An item further off is skipped, so that one bad item cannot be featured on another day
 * (a future one would head the home page, the trending page and the feeds).
 */
const DAY_SLACK_MS = DAY_MS;

/** The UTC day of an ISO time, or null when it is not one. */
function dayOf(iso: string): string | null {
  const time = isoTime.safeParse(iso);
  return time.success ? time.data.slice(0, 10) : null;
}
/** Empty strings stand for "none" upstream; we store absence. */
const present = (s: unknown) => (typeof s === "string" && !s.trim() ? undefined : s);

/**
 * Parses Hugging Face's /api/daily_papers JSON, in the current schema and the 2024 one (no
 * submittedOnDailyAt: the entry's day is then the day that was asked for).
 */
export function parseHfDaily(json: string, requestedDay: string | undefined): ParsedBatch {
  let items: unknown;
  try {
    items = JSON.parse(json);
  } catch {
    throw new MalformedUpstream("daily papers feed is not JSON");
  }
  if (!Array.isArray(items)) throw new MalformedUpstream("daily papers feed is not an array");
  const batch = emptyBatch();
  for (const raw of items) {
    batch.read++;
    const item = accept(batch, UpstreamItem, raw, "item");
    if (!item) continue;
    const p = item.paper;
    const label = p.id;
    const paper = acceptPaper(
      batch,
      {
        id: p.id,
        version: 0,
        title: p.title ?? item.title,
        abstract: p.summary ?? item.summary ?? "",
        authors: p.authors.filter((a) => !a.hidden).map((a) => a.name),
        categories: [],
        published: p.publishedAt,
        updated: p.publishedAt,
        codeUrl: present(p.githubRepo),
        githubStars: p.githubStars,
        projectUrl: present(p.projectPage),
        aiSummary: p.ai_summary,
        aiKeywords: p.ai_keywords,
      },
      label,
    );
    if (!paper) continue;
    const day =
      p.submittedOnDailyAt === undefined ? (requestedDay ?? paper.published.slice(0, 10)) : dayOf(p.submittedOnDailyAt);
    if (!day) {
      reject(batch, label, "submittedOnDailyAt is not an ISO time");
      continue;
    }
    if (requestedDay && Math.abs(Date.parse(day) - Date.parse(requestedDay)) > DAY_SLACK_MS) {
      reject(batch, label, `featured on ${day}, not on the requested day ${requestedDay}`);
      continue;
    }
    const entry = accept(
      batch,
      DailyEntryRecord,
      {
        day,
        paperId: paper.id,
        source: "hf-daily",
        submitterName: item.submittedBy?.name,
        submitterFullname: item.submittedBy?.fullname,
        submitterAvatarUrl: absolute(item.submittedBy?.avatarUrl),
        upstreamUpvotes: p.upvotes ?? 0,
        numComments: item.numComments ?? 0,
        thumbnail: item.thumbnail,
      },
      label,
    );
    if (!entry) continue;
    batch.papers.push(paper);
    batch.entries.push(entry);
  }
  return batch;
}
