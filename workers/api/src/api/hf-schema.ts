import { z } from "zod";
import { collapseWhitespace } from "#shared/papers/text";

/**
 * Hugging Face's daily-papers JSON, written from the real captures in
 * test/fixtures/upstream/hf/ (June 2026 schema and the October 2024 one). Our API answers in this
 * shape so that clients written for huggingface.co work unchanged; the contract tests run the
 * captures and every response of ours through it.
 *
 * Strict where clients break: timestamps in exactly `2026-06-12T00:00:00.000Z` form (Python's
 * `huggingface_hub` parses them with a fixed format), optional fields absent rather than null,
 * `upvotes` on the paper, `numComments` on the item, `submittedBy` always an object.
 * Loose elsewhere: fields we do not describe (organization, mediaUrls, ...) may be present.
 */

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`, what `Date.prototype.toISOString` writes; no offsets, no bare dates. */
export const HfTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, "must look like 2026-06-12T00:00:00.000Z")
  .refine((s) => !Number.isNaN(Date.parse(s)), "not a real time")
  .meta({ description: "UTC time, always in the form 2026-06-12T00:00:00.000Z", example: "2026-06-12T00:00:00.000Z" });

/** A Hub-style object id: 24 lowercase hex digits. */
export const HfObjectId = z.string().regex(/^[0-9a-f]{24}$/, "must be 24 hex digits");

export const HfUser = z
  .object({
    _id: HfObjectId.optional(),
    avatarUrl: z.string(),
    fullname: z.string(),
    name: z.string(),
    type: z.string(),
    isPro: z.boolean(),
    isHf: z.boolean().optional(),
    isHfAdmin: z.boolean().optional(),
    isMod: z.boolean().optional(),
    followerCount: z.number().int().min(0).optional(),
    isUserFollowing: z.boolean().optional(),
  })
  .meta({ id: "User", description: "Who submitted the paper to the daily list." });

export const HfAuthor = z
  .object({
    _id: HfObjectId,
    name: z.string().min(1),
    hidden: z.boolean(),
    status: z.string().optional(),
    statusLastChangedAt: HfTimestamp.optional(),
    user: z.object({ user: z.string(), fullname: z.string(), avatarUrl: z.string() }).loose().optional(),
  })
  .meta({ id: "Author" });

export const HfPaper = z
  .object({
    id: z.string().min(1).meta({ description: "arXiv id without version", example: "2606.00467" }),
    authors: z.array(HfAuthor),
    publishedAt: HfTimestamp.meta({ description: "first published on arXiv" }),
    /** Missing in the 2024 schema; always present in ours for a featured paper. */
    submittedOnDailyAt: HfTimestamp.optional().meta({ description: "the Daily Papers day, at 00:00Z" }),
    submittedOnDailyBy: HfUser.optional(),
    title: z.string().min(1),
    summary: z.string().meta({ description: "the abstract" }),
    upvotes: z.number().int().min(0).meta({ description: "upvotes shown: localUpvotes + upstreamUpvotes" }),
    /** Paperboy's extension (clients ignore unknown fields): which part of `upvotes` is whose. */
    localUpvotes: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: "Paperboy extension: upvotes cast on Paperboy" }),
    upstreamUpvotes: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: "Paperboy extension: the upstream (Hugging Face) count last seen" }),
    discussionId: HfObjectId,
    githubRepo: z.url().optional(),
    githubStars: z.number().int().min(0).optional(),
    projectPage: z.url().optional(),
    ai_summary: z.string().optional(),
    ai_keywords: z.array(z.string()).optional(),
  })
  .meta({ id: "Paper" });

export const HfDailyPaper = z
  .object({
    paper: HfPaper,
    publishedAt: HfTimestamp.meta({ description: "when the paper was submitted to the daily list" }),
    title: z.string().min(1).meta({ description: "the paper's title (clients read this one)" }),
    /** Absent from the 2024 schema; ours always repeats the abstract here. */
    summary: z.string().optional(),
    thumbnail: z.string(),
    numComments: z.number().int().min(0),
    submittedBy: HfUser,
    /** Absent from the 2024 schema; always present in ours. */
    isAuthorParticipating: z.boolean().optional(),
  })
  // Upstream's 2024 items re-wrap arXiv's hard line breaks in the item title: equal up to whitespace.
  .refine((item) => collapseWhitespace(item.title) === collapseWhitespace(item.paper.title), {
    message: "item title differs from paper.title",
    path: ["title"],
  })
  .meta({ id: "DailyPaper" });

export const HfDailyPapers = z.array(HfDailyPaper).meta({ id: "DailyPapers" });

export type HfUser = z.infer<typeof HfUser>;
export type HfAuthor = z.infer<typeof HfAuthor>;
export type HfPaper = z.infer<typeof HfPaper>;
export type HfDailyPaper = z.infer<typeof HfDailyPaper>;
