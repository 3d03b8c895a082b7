import type { DailyEntryRow, PaperRow } from "#shared/db/schema";
import type { ListedPaper } from "#shared/papers/queries";
import type { HfAuthor, HfDailyPaper, HfPaper, HfUser } from "./hf-schema";

/** A catalog paper, its daily entry when it was featured, and the upvotes shown (local + upstream). */
export type PaperWithEntry = Pick<ListedPaper, "paper" | "entry" | "upvotes" | "localUpvotes" | "numComments">;

/**
 * Hub-style 24-hex ids, derived from stable names so that the same author or discussion keeps its
 * id across responses (clients use them as keys). Not secret and not unique across the universe:
 * FNV-1a over three seeds.
 */
export function objectId(name: string): string {
  let out = "";
  for (const seed of [0x811c9dc5, 0x01000193, 0x2545f491]) {
    let h = seed >>> 0;
    for (let i = 0; i < name.length; i++) {
      h ^= name.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, "0");
  }
  return out;
}

/** The exact timestamp form the captures use; `+00:00` would break Python's client. */
export const hfTime = (iso: string) => new Date(iso).toISOString();
export const dayStart = (day: string) => `${day}T00:00:00.000Z`;

const CURATORS = "paperboy";

type Submitter = Pick<DailyEntryRow, "submitterName" | "submitterFullname" | "submitterAvatarUrl">;

/** Always an object: a curator's or a catalog paper's entry is "submitted" by the curators. */
function submitter(entry: Submitter | null): HfUser {
  const name = entry?.submitterName ?? CURATORS;
  return {
    _id: objectId(`user:${name}`),
    avatarUrl: entry?.submitterAvatarUrl ?? "",
    fullname: entry?.submitterFullname ?? (entry?.submitterName ? name : "Paperboy curators"),
    name,
    type: "user",
    isPro: false,
    isHf: false,
    isHfAdmin: false,
    isMod: false,
    isUserFollowing: false,
  };
}

function authors(paper: PaperRow): HfAuthor[] {
  return paper.authors.map((name, i) => ({ _id: objectId(`author:${paper.id}:${i}`), name, hidden: false }));
}

/** `GET /api/papers/{id}`: the paper object; the daily fields only when it was featured. */
export function toHfPaper({ paper, entry, upvotes, localUpvotes }: PaperWithEntry): HfPaper {
  const out: HfPaper = {
    id: paper.id,
    authors: authors(paper),
    publishedAt: hfTime(paper.published),
    title: paper.title,
    summary: paper.abstract,
    upvotes,
    localUpvotes,
    upstreamUpvotes: upvotes - localUpvotes,
    discussionId: objectId(`discussion:${paper.id}`),
  };
  if (entry) {
    out.submittedOnDailyAt = dayStart(entry.day);
    out.submittedOnDailyBy = submitter(entry);
  }
  // Optional fields are left out, never null: clients test for presence.
  if (paper.codeUrl) out.githubRepo = paper.codeUrl;
  if (paper.githubStars != null) out.githubStars = paper.githubStars;
  if (paper.projectUrl) out.projectPage = paper.projectUrl;
  if (paper.aiSummary) out.ai_summary = paper.aiSummary;
  if (paper.aiKeywords?.length) out.ai_keywords = paper.aiKeywords;
  return out;
}

/**
 * One item of `GET /api/daily_papers` (and of search): the item repeats the paper's title and
 * abstract, carries the comment count and the submitter, and its `publishedAt` is when the paper
 * reached the daily list (huggingface_hub reads it as `submitted_at`).
 */
export function toHfDailyPaper(row: PaperWithEntry): HfDailyPaper {
  const paper = toHfPaper(row);
  const { entry } = row;
  return {
    paper,
    publishedAt: entry ? dayStart(entry.day) : paper.publishedAt,
    title: paper.title,
    summary: paper.summary,
    thumbnail: entry?.thumbnail ?? "",
    numComments: row.numComments,
    submittedBy: submitter(entry),
    isAuthorParticipating: false,
  };
}
