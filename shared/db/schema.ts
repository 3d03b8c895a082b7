import { sql } from "drizzle-orm";
import {
  type AnySQLiteColumn,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

// `num` is an explicit rowid alias: the FTS5 index (migrations/0001_papers_fts.sql) points at it,
// and an implicit rowid could be renumbered by VACUUM.
export const papers = sqliteTable(
  "papers",
  {
    num: integer("num").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    /** Latest arXiv version seen; 0 while only the daily feed has described the paper. */
    version: integer("version").notNull(),
    title: text("title").notNull(),
    abstract: text("abstract").notNull(),
    authors: text("authors", { mode: "json" }).$type<string[]>().notNull(),
    categories: text("categories", { mode: "json" }).$type<string[]>().notNull(),
    primaryCategory: text("primary_category"),
    published: text("published").notNull(),
    updated: text("updated").notNull(),
    comment: text("comment"),
    journalRef: text("journal_ref"),
    doi: text("doi"),
    codeUrl: text("code_url"),
    githubStars: integer("github_stars"),
    projectUrl: text("project_url"),
    aiSummary: text("ai_summary"),
    aiKeywords: text("ai_keywords", { mode: "json" }).$type<string[]>(),
    withdrawnAt: text("withdrawn_at"),
    /** Upvotes cast on Paperboy: kept equal to the paper's rows in `upvotes` by triggers (migrations/0005). */
    localUpvotes: integer("local_upvotes").notNull().default(0),
    /** Set by a curator: the paper disappears from pages, feeds, search, the API and digests. */
    hiddenAt: text("hidden_at"),
    /** Set when a curator edited the code and project links: the daily feed no longer overwrites them. */
    linksCuratedAt: text("links_curated_at"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
    changedAt: text("changed_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  },
  (t) => [index("papers_published_idx").on(t.published)],
);

export const ENTRY_SOURCES = ["hf-daily", "submission", "curator"] as const;
/**
 * When each featured paper's line in the open data (workers/api/src/data/) last changed: `rev`
 * comes from one sequence (the greatest so far, plus one) that triggers advance on every write to
 * the paper, its entry or its comments (migrations/0008_line_revisions.sql).
 */
export const lineRevisions = sqliteTable(
  "line_revisions",
  {
    paperId: text("paper_id").primaryKey(),
    rev: integer("rev").notNull(),
  },
  (t) => [index("line_revisions_rev_idx").on(t.rev)],
);

export const ANNOUNCEMENT_TYPES = ["new", "cross", "replace"] as const;

export const dailyEntries = sqliteTable(
  "daily_entries",
  {
    /** A paper is featured on one day at most. */
    paperId: text("paper_id")
      .primaryKey()
      .references(() => papers.id),
    day: text("day").notNull(),
    source: text("source", { enum: ENTRY_SOURCES }).notNull(),
    submitterName: text("submitter_name"),
    submitterFullname: text("submitter_fullname"),
    submitterAvatarUrl: text("submitter_avatar_url"),
    upstreamUpvotes: integer("upstream_upvotes").notNull().default(0),
    /** Upstream's comment count; Paperboy's own comments are counted from `comments`. */
    numComments: integer("num_comments").notNull().default(0),
    thumbnail: text("thumbnail"),
    /** The account that submitted the paper on Paperboy (source "submission"); null for upstream's. */
    submitterAccountId: text("submitter_account_id").references((): AnySQLiteColumn => accounts.id, {
      onDelete: "set null",
    }),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  },
  (t) => [
    index("daily_entries_day_idx").on(t.day, t.upstreamUpvotes),
    index("daily_entries_submitter_idx").on(t.submitterAccountId, t.day),
  ],
);

export const announcements = sqliteTable(
  "announcements",
  {
    day: text("day").notNull(),
    paperId: text("paper_id")
      .notNull()
      .references(() => papers.id),
    category: text("category").notNull(),
    type: text("type", { enum: ANNOUNCEMENT_TYPES }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.paperId] }), index("announcements_paper_idx").on(t.paperId)],
);

export const INGEST_SOURCES = ["arxiv-rss", "arxiv-api", "hf-daily"] as const;

export const ingestRuns = sqliteTable(
  "ingest_runs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    source: text("source", { enum: INGEST_SOURCES }).notNull(),
    target: text("target"),
    startedAt: text("started_at").notNull(),
    finishedAt: text("finished_at"),
    status: text("status", { enum: ["running", "ok", "failed"] }).notNull(),
    read: integer("read").notNull().default(0),
    inserted: integer("inserted").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    /** Daily entries moved to the later day on which upstream featured their paper again. */
    moved: integer("moved").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    error: text("error"),
    /** Papers given a vector after the run's write (shared/vectors); null when vectors are off. */
    embedded: integer("embedded"),
    /** Papers still without a vector in the embedder's space after the run: they wait for the next. */
    embedWaiting: integer("embed_waiting"),
    /** Why embedding stopped, when the embedder or the index failed (the run itself stays ok). */
    embedError: text("embed_error"),
  },
  (t) => [index("ingest_runs_source_idx").on(t.source, t.startedAt)],
);

/**
 * Which papers have a vector in which space (an embedder's model and size, shared/vectors): the
 * vectors live in the vector index, this table says which exist. A paper whose title or abstract
 * changes loses its rows (a trigger, migrations/0011) and so waits for a new vector.
 */
export const paperVectors = sqliteTable(
  "paper_vectors",
  {
    space: text("space").notNull(),
    paperId: text("paper_id")
      .notNull()
      .references(() => papers.id, { onDelete: "cascade" }),
    embeddedAt: text("embedded_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.space, t.paperId] })],
);

/** Each space vectors were made in: it answers (related papers) once complete, until a newer one is. */
export const vectorSpaces = sqliteTable("vector_spaces", {
  space: text("space").primaryKey(),
  startedAt: text("started_at").notNull(),
  /** When every paper first had a vector here: from then on this space answers. */
  completedAt: text("completed_at"),
  lastRunAt: text("last_run_at"),
  lastRunEmbedded: integer("last_run_embedded"),
  lastRunError: text("last_run_error"),
});

/**
 * The local default's models (shared/vectors/local-model.ts): LSA learnt from a sample of the
 * catalog where Workers AI is not bound. A model is usable once `readyAt` is set (its terms all
 * written); its space then fills like any other (paper_vectors, vector_spaces).
 */
export const localModels = sqliteTable("local_models", {
  space: text("space").primaryKey(),
  dimensions: integer("dimensions").notNull(),
  terms: integer("terms").notNull(),
  /** Papers the model learnt from (a sample spread over the catalog). */
  sample: integer("sample").notNull(),
  /** Papers in the catalog when it learnt: a catalog twice as large learns again. */
  catalog: integer("catalog").notNull(),
  /** The inverted file's centroids (clusters x dimensions float32), base64. */
  centroids: text("centroids").notNull(),
  clusters: integer("clusters").notNull(),
  trainedAt: text("trained_at").notNull(),
  readyAt: text("ready_at"),
});

/** A local model's terms: idf and projection row (int8, scaled; base64). */
export const localModelTerms = sqliteTable(
  "local_model_terms",
  {
    space: text("space")
      .notNull()
      .references(() => localModels.space, { onDelete: "cascade" }),
    term: text("term").notNull(),
    idf: real("idf").notNull(),
    scale: real("scale").notNull(),
    vector: text("vector").notNull(),
  },
  (t) => [primaryKey({ columns: [t.space, t.term] })],
);

/**
 * The local vector index (shared/vectors/local-index.ts): each paper's vector in a local space,
 * int8 with its scale (base64), filed under its nearest centroid so that a query reads a few clusters.
 */
export const localVectors = sqliteTable(
  "local_vectors",
  {
    space: text("space")
      .notNull()
      .references(() => localModels.space, { onDelete: "cascade" }),
    paperId: text("paper_id")
      .notNull()
      .references(() => papers.id, { onDelete: "cascade" }),
    cluster: integer("cluster").notNull(),
    /** The clusters a query by this paper's vector reads (its PROBES nearest centroids, JSON): its neighbours in one statement. */
    probes: text("probes").notNull(),
    scale: real("scale").notNull(),
    vector: text("vector").notNull(),
    day: text("day"),
    month: text("month").notNull(),
    category: text("category").notNull(),
  },
  // Keyed by cluster first, WITHOUT ROWID (migrations/0013): a cluster's rows lie together, so a
  // query reads its probed clusters as a few ranges rather than a row lookup each.
  (t) => [
    primaryKey({ columns: [t.space, t.cluster, t.paperId] }),
    uniqueIndex("local_vectors_paper").on(t.space, t.paperId),
  ],
);

/**
 * The local vector index's packs (shared/vectors/local-index.ts): a cluster's papers and the sign
 * bits of their vectors, a few rows a cluster, so that a query reads tens of rows rather than the
 * thousands of its clusters' vectors. Each upsert appends a part to each cluster it touches; a
 * cluster of more than MAX_PARTS parts is merged into one in the same batch.
 */
export const localPacks = sqliteTable(
  "local_packs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    space: text("space")
      .notNull()
      .references(() => localModels.space, { onDelete: "cascade" }),
    cluster: integer("cluster").notNull(),
    papers: integer("papers").notNull(),
    /** The papers' ids, space-separated. */
    ids: text("ids").notNull(),
    /** Their codes in the same order, joined end to end as one base64 text (local-index.ts, codeOf). */
    codes: text("codes").notNull(),
  },
  (t) => [index("local_packs_cluster").on(t.space, t.cluster, t.id)],
);

/**
 * The search's term index (shared/papers/term-index.ts): the catalog cut into segments of papers by
 * num, each holding, per term, its best papers by their bm25 weight. A segment is `live` (searched),
 * `building` (a merge of `sources` under way, `cursor` the last term written) or `retired` (merged
 * into another; its lists wait to be swept).
 */
export const termSegments = sqliteTable("term_segments", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  level: integer("level").notNull(),
  firstNum: integer("first_num").notNull(),
  lastNum: integer("last_num").notNull(),
  papers: integer("papers").notNull(),
  state: text("state", { enum: ["live", "building", "retired"] }).notNull(),
  sources: text("sources", { mode: "json" }).$type<number[]>(),
  cursor: text("cursor"),
  createdAt: text("created_at").notNull(),
});

/** A term's list in a segment: its document frequency there and its best papers as "num impact" pairs, best first. */
export const termLists = sqliteTable(
  "term_lists",
  {
    term: text("term").notNull(),
    segment: integer("segment").notNull(),
    df: integer("df").notNull(),
    postings: text("postings").notNull(),
  },
  // A rowid table, not WITHOUT ROWID: a list runs to 20 kB, and an index b-tree keeps whole rows in
  // its interior pages (counting 30 words' document frequencies took 9.5 ms that way, 0.6 ms this way)
  (t) => [uniqueIndex("term_lists_term").on(t.term, t.segment), index("term_lists_segment").on(t.segment, t.term)],
);

/**
 * Switches a curator flips at /admin without a deploy, by name (SWITCHES in
 * shared/vectors/query-arm.ts names the one there is): a switch without a row is on.
 */
export const switches = sqliteTable("switches", {
  name: text("name").primaryKey(),
  on: integer("on", { mode: "boolean" }).notNull(),
  changedAt: text("changed_at").notNull(),
  /** The curator who flipped it last (their address, or "token" for a script). */
  changedBy: text("changed_by").notNull(),
});

export type PaperRow = typeof papers.$inferSelect;
/** What a source describes about a paper: never Paperboy's own state (the vote count, a curator's hiding). */
export type PaperFields = Omit<
  PaperRow,
  "num" | "createdAt" | "changedAt" | "localUpvotes" | "hiddenAt" | "linksCuratedAt"
>;
export type DailyEntryRow = typeof dailyEntries.$inferSelect;
export type IngestRunRow = typeof ingestRuns.$inferSelect;

// ---- Email subscriptions (issue 5) ----

const nowIso = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export const FREQUENCIES = ["daily", "weekly"] as const;

export const subscribers = sqliteTable(
  "subscribers",
  {
    id: text("id").primaryKey(),
    /** Normalised (trimmed, lower-cased) address. */
    email: text("email").notNull().unique(),
    status: text("status", { enum: ["pending", "confirmed", "unsubscribed"] }).notNull(),
    frequency: text("frequency", { enum: FREQUENCIES }).notNull(),
    categories: text("categories", { mode: "json" }).$type<string[]>().notNull(),
    keywords: text("keywords", { mode: "json" }).$type<string[]>().notNull(),
    /** The digest's papers in the order of the For-you model of the account of the same address, when there is one. */
    rankedForMe: integer("ranked_for_me", { mode: "boolean" }).notNull().default(false),
    confirmedAt: text("confirmed_at"),
    unsubscribedAt: text("unsubscribed_at"),
    createdAt: text("created_at").notNull().default(nowIso),
    updatedAt: text("updated_at").notNull().default(nowIso),
  },
  (t) => [index("subscribers_due_idx").on(t.status, t.frequency)],
);

/** Consent: when, from which form text, and when confirmed. Deleted with the subscriber on erasure. */
export const consents = sqliteTable(
  "consents",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    formText: text("form_text").notNull(),
    givenAt: text("given_at").notNull(),
    confirmedAt: text("confirmed_at"),
  },
  (t) => [index("consents_subscriber_idx").on(t.subscriberId)],
);

/**
 * Addresses never to be mailed, stored only as a keyed hash (HMAC-SHA-256 under
 * SUPPRESSION_SECRET) of the normalised address: a dump cannot be checked against a guessed one.
 */
export const suppressions = sqliteTable("suppressions", {
  emailHash: text("email_hash").primaryKey(),
  reason: text("reason", { enum: ["erased", "bounced", "complained", "invalid"] }).notNull(),
  createdAt: text("created_at").notNull().default(nowIso),
});

/** A mail's states in a ledger (the deliveries table, and the sign-in tokens' own): docs/reliability.md. */
export const DELIVERY_STATUSES = ["queued", "sending", "sent", "skipped", "failed"] as const;

/**
 * The delivery ledger: one row per (subscriber, mail), and each mail goes out once. `period` names
 * the mail: a digest's period ("daily:2026-06-12", "weekly:2026-W24") or a one-off mail
 * ("confirm:<requested at>"). docs/reliability.md describes the states.
 */
export const deliveries = sqliteTable(
  "deliveries",
  {
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    period: text("period").notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull(),
    detail: text("detail"),
    idempotencyKey: text("idempotency_key"),
    providerId: text("provider_id"),
    attempts: integer("attempts").notNull().default(0),
    /** While a mailer invocation holds the row (epoch ms); a duplicate message waits for it. */
    leaseUntil: integer("lease_until"),
    updatedAt: text("updated_at").notNull().default(nowIso),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.period] }), index("deliveries_period_idx").on(t.period, t.status)],
);

/**
 * Every mail message that could not be delivered: what the dead-letter queue hands over after the
 * last retry, and messages the mailer refused as invalid. A curator re-drives them
 * (POST /admin/dead-letters/redrive). `subscriberId` is an opaque id, never an address.
 */
export const mailDeadLetters = sqliteTable(
  "mail_dead_letters",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: text("message_id").notNull(),
    source: text("source", { enum: ["dead-letter-queue", "invalid-message"] }).notNull(),
    /** The queue message's body as JSON. */
    body: text("body").notNull(),
    subscriberId: text("subscriber_id"),
    period: text("period"),
    error: text("error").notNull(),
    attempts: integer("attempts").notNull(),
    createdAt: text("created_at").notNull().default(nowIso),
    redrivenAt: text("redriven_at"),
  },
  (t) => [index("mail_dead_letters_pending_idx").on(t.redrivenAt, t.id)],
);

/** Mails of local runs without a Resend key, shown by /dev/outbox. */
export const outbox = sqliteTable("outbox", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  html: text("html").notNull(),
  text: text("text").notNull(),
  headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
  idempotencyKey: text("idempotency_key"),
  createdAt: text("created_at").notNull().default(nowIso),
});

/** Fixed-window counters for the subscription forms, keyed by a hashed client or address. */
export const rateLimits = sqliteTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  count: integer("count").notNull(),
});

/** Time slots for calls to Resend, shared by every mailer invocation: one row per limiter. */
export const sendPacer = sqliteTable("send_pacer", {
  name: text("name").primaryKey(),
  nextAtMs: integer("next_at_ms").notNull(),
});

export type SubscriberRow = typeof subscribers.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type MailDeadLetterRow = typeof mailDeadLetters.$inferSelect;

// ---- Accounts (issue 11) ----

/** A person who signed in by email link. `handle` stays null until they choose one. */
export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  /** Normalised (trimmed, lower-cased) address. */
  email: text("email").notNull().unique(),
  handle: text("handle").unique(),
  displayName: text("display_name"),
  /**
   * The random id in the address of the person's private For-you feed (a feed reader has no
   * cookie), which carries it with its HMAC under TOKEN_SECRET (shared/readers/feed-token.ts): a
   * dump of the database opens no feed. Null until they ask for one; a renewal replaces it.
   */
  feedKey: text("feed_key").unique(),
  /**
   * Counts the changes to what the person's For-you model is made of (an upvote, a mark, a follow),
   * each in the write's own batch: a ranking built from an older count is stale, even when the
   * change landed while it was being built.
   */
  readerInputs: integer("reader_inputs").notNull().default(0),
  createdAt: text("created_at").notNull().default(nowIso),
});

/**
 * A sign-in link, and the ledger of its mail: the row is the mail's one delivery (the mailer claims
 * it with a lease, sends under the Idempotency-Key "paperboy-signin-<id>", settles it). The token is
 * HMAC(TOKEN_SECRET, id), so only its SHA-256 is stored and a dump cannot sign anyone in.
 */
export const signinTokens = sqliteTable(
  "signin_tokens",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull().unique(),
    email: text("email").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: text("used_at"),
    mailStatus: text("mail_status", { enum: DELIVERY_STATUSES }).notNull(),
    mailDetail: text("mail_detail"),
    attempts: integer("attempts").notNull().default(0),
    leaseUntil: integer("lease_until"),
    createdAt: text("created_at").notNull().default(nowIso),
  },
  (t) => [index("signin_tokens_expires_idx").on(t.expiresAt)],
);

/** A signed-in browser: only the SHA-256 of the cookie's random id is stored. */
export const sessions = sqliteTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** Epoch ms; slides forward on use. */
    expiresAt: integer("expires_at").notNull(),
    userAgent: text("user_agent"),
    createdAt: text("created_at").notNull().default(nowIso),
    lastSeenAt: text("last_seen_at").notNull().default(nowIso),
  },
  (t) => [index("sessions_account_idx").on(t.accountId)],
);

/** One upvote per account per paper; an account's erasure takes its votes with it. */
export const upvotes = sqliteTable(
  "upvotes",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    paperId: text("paper_id")
      .notNull()
      .references(() => papers.id),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.paperId] }),
    index("upvotes_paper_idx").on(t.paperId),
    index("upvotes_account_created_idx").on(t.accountId, t.createdAt),
  ],
);

/**
 * A paper's discussion: top-level comments and one level of replies. A comment deleted by its
 * author or hidden by a curator keeps its row (its replies stay in place) but shows no text; an
 * erased account's comments lose their text and author.
 */
export const comments = sqliteTable(
  "comments",
  {
    id: text("id").primaryKey(),
    paperId: text("paper_id")
      .notNull()
      .references(() => papers.id),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "set null" }),
    parentId: text("parent_id").references((): AnySQLiteColumn => comments.id),
    /** Markdown as written (a small safe subset is rendered; raw HTML never). */
    body: text("body").notNull(),
    createdAt: text("created_at").notNull(),
    editedAt: text("edited_at"),
    deletedAt: text("deleted_at"),
    hiddenAt: text("hidden_at"),
  },
  (t) => [
    index("comments_paper_idx").on(t.paperId, t.createdAt),
    index("comments_account_idx").on(t.accountId, t.createdAt),
  ],
);

export const AUDIT_ACTIONS = [
  "feature-paper",
  "unfeature-paper",
  "hide-paper",
  "show-paper",
  "edit-links",
  "hide-comment",
  "show-comment",
  "run-ingest",
  "redrive-dead-letters",
  "backfill-vectors",
  "train-vectors",
  "flip-switch",
] as const;

/** Every curator action: who, what, when, and the row before and after. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: text("at").notNull(),
    /** "@handle" of the curator when they acted, or "admin token" for scripts; no address, so an erasure leaves nothing here. */
    actor: text("actor").notNull(),
    /**
     * The curator's account (null for the admin token): who acted, whatever handle that account or
     * anyone else holds later. No foreign key: the row keeps the id after the account's erasure.
     */
    actorAccountId: text("actor_account_id"),
    action: text("action", { enum: AUDIT_ACTIONS }).notNull(),
    target: text("target").notNull(),
    before: text("before", { mode: "json" }),
    after: text("after", { mode: "json" }),
  },
  (t) => [index("audit_log_at_idx").on(t.at)],
);

export type AccountRow = typeof accounts.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type SigninTokenRow = typeof signinTokens.$inferSelect;

// ---- Papers for you (issue 23): a person's follows, "not for me" marks and ranking ----

export const FOLLOW_KINDS = ["author", "category", "topic"] as const;
export type FollowKind = (typeof FOLLOW_KINDS)[number];

/** What a person follows: an author's name, an arXiv category, or a topic (a saved search). */
export const follows = sqliteTable(
  "follows",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: FOLLOW_KINDS }).notNull(),
    /** What is matched: an author's name key (authorKey), a category as arXiv spells it, a topic's words lower-cased. */
    key: text("key").notNull(),
    /** What the person followed, as shown back to them. */
    label: text("label").notNull(),
    createdAt: text("created_at").notNull().default(nowIso),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.kind, t.key] })],
);

/** A paper a person marked "not for me": kept out of their For you, and a negative signal for their model. */
export const notForMe = sqliteTable(
  "not_for_me",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    paperId: text("paper_id")
      .notNull()
      .references(() => papers.id),
    createdAt: text("created_at").notNull().default(nowIso),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.paperId] }),
    index("not_for_me_account_idx").on(t.accountId, t.createdAt),
  ],
);

/**
 * A person's For-you ranking, built from their model when it is asked for and kept until it is
 * stale: their inputs changed (accounts.reader_inputs moved past `inputs`), a newer paper came into
 * the catalog, or another vector space answers. Never read by a public page.
 */
export const readerRankings = sqliteTable("reader_rankings", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  /** accounts.reader_inputs when built. */
  inputs: integer("inputs").notNull(),
  /** The catalog's newest publication time when built. */
  newest: text("newest").notNull(),
  /** The vector space it was built in ("" when none answered). */
  space: text("space").notNull(),
  builtAt: text("built_at").notNull(),
  /** The ranked papers, best first, each with its score and reasons (shared/readers/for-you.ts RankedPaper). */
  ranking: text("ranking", { mode: "json" }).notNull(),
});

export type FollowRow = typeof follows.$inferSelect;
