import { type Context, Hono } from "hono";
import { z } from "zod";
import { sha256Hex } from "#shared/crypto";
import { createDb, type Db } from "#shared/db/client";
import { freshenAfterWrite } from "../cache/purge";
import { readConfig } from "../env";
import { ApiError, badRequest, describeZodError, notFound } from "../errors";
import { paperIdFrom } from "../http/paper-id";
import { privateAlways } from "../http/private-page";
import { enforceLimits } from "../http/rate-limit";
import { sameOrigin } from "../http/same-origin";
import { handleGate, type WithHandleEnv } from "../http/session-gate";
import type { Session } from "../http/sessions";
import { Notice } from "../ui/components";
import { Layout, TitledPage } from "../ui/layout";
import {
  type CommentRow,
  commentById,
  deleteComment,
  EDIT_WINDOW_MS,
  editableUntil,
  editComment,
  insertComment,
  MAX_COMMENT_LENGTH,
  paperVisible,
} from "./comment-store";
import { CommentForm } from "./comment-thread";

/**
 * A paper's discussion, written through plain forms (no JavaScript needed): a comment or a reply
 * (`POST /papers/{id}/comments`), an edit within EDIT_WINDOW_MS (`/comments/{id}/edit`) and a soft
 * delete (`/comments/{id}/delete`), each answered 303 back to the comment on the paper's page.
 * The paper page never reads the session; these routes do, and every answer is `private, no-store`.
 */
export const commentRoutes = new Hono<WithHandleEnv>();

/** New comments and replies per account. */
export const COMMENT_LIMIT = { max: 10, windowSeconds: 600 };
/** Edits and deletes per account. */
export const COMMENT_CHANGE_LIMIT = { max: 30, windowSeconds: 600 };

const Body = z
  .string({ error: "write your comment in the box" })
  .transform((s) => s.replace(/\r\n?/g, "\n").trim())
  .pipe(
    z
      .string()
      .min(1, "the comment is empty: write something first")
      .max(MAX_COMMENT_LENGTH, `a comment can be at most ${MAX_COMMENT_LENGTH.toLocaleString("en")} characters long`),
  );
const blankIsAbsent = (value: unknown) => (value === "" ? undefined : value);
const NewComment = z.object({ body: Body, parent: z.preprocess(blankIsAbsent, z.string().max(100).optional()) });
const EditedComment = z.object({ body: Body });
const COMMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const commentPath = (paperId: string, commentId: string) => `/papers/${paperId}#comment-${commentId}`;

function signInPage(c: Context<WithHandleEnv>, paperId: string | null) {
  return c.html(
    <Layout title="Sign in to comment" nav={null}>
      <h1>Sign in to comment</h1>
      <p class="notice">
        Comments belong to accounts: sign in with your email address (no password), choose a handle, and come back to
        the paper.
      </p>
      <p>
        <a href="/signin">Sign in</a>
        {paperId ? (
          <>
            {" · "}
            <a href={`/papers/${paperId}#comments`}>Back to the paper</a>
          </>
        ) : null}
      </p>
    </Layout>,
    401,
  );
}

/** The signed-in author on the context, or the page that says to sign in (401), or /account to choose a handle first. */
const author = (paperOf?: (c: Context<WithHandleEnv>) => string) =>
  handleGate((c) => signInPage(c, paperOf ? paperOf(c) : null), "/account");
const authorOfPaper = author((c) => paperIdFrom(c.req.param("id") ?? "").id);
const authorOfComment = author();

async function limit(c: Context<WithHandleEnv>, session: Session, kind: "post" | "change") {
  const rule = kind === "post" ? COMMENT_LIMIT : COMMENT_CHANGE_LIMIT;
  const message =
    kind === "post"
      ? "You have commented a lot in a short time. Please wait a few minutes and try again."
      : "Too many changes in a short time. Please wait a few minutes and try again.";
  await enforceLimits(
    c.env.DB,
    [{ key: `comment-${kind}:account:${await sha256Hex(session.account.id)}`, ...rule }],
    message,
  );
}

/** The comment a path names, owned by this account: 404 when there is none, 403 when it is someone else's. */
async function ownComment(c: Context<WithHandleEnv>, session: Session): Promise<CommentRow> {
  const id = c.req.param("commentId") ?? "";
  const row = COMMENT_ID.test(id) ? await commentById(createDb(c.env.DB), id) : undefined;
  if (!row) throw notFound("there is no such comment");
  if (row.accountId !== session.account.id)
    throw new ApiError(403, "forbidden", "Only its author can change or delete a comment.");
  return row;
}

/** Why an own comment cannot be edited now, or null when it can. */
function editRefusal(row: CommentRow, now: number): string | null {
  if (row.deletedAt) return "This comment was deleted.";
  if (row.hiddenAt) return "This comment was hidden by a curator and cannot be edited.";
  if (Date.parse(row.createdAt) + EDIT_WINDOW_MS <= now)
    return `A comment can be edited for ${EDIT_WINDOW_MS / 60_000} minutes after posting; this one can no longer be.`;
  return null;
}

async function freshen(c: Context<WithHandleEnv>, paperId: string) {
  // The writer's next view of the page shows the change; every other copy expires within VOTE_VISIBLE_S.
  await freshenAfterWrite(readConfig(c.env).SITE_URL, paperId, `/papers/${paperId}`);
}

/**
 * The top-level comment a new comment sits under (null for a top-level one). A paper hidden by a
 * curator answers as an unknown one; a reply must name a live comment of this paper, and the
 * comment it will sit under (a reply to a reply joins its top-level comment) must be live too.
 */
async function placeOf(db: Db, paperId: string, parent: string | undefined): Promise<string | null> {
  if (!(await paperVisible(db, paperId))) throw notFound(`paper ${paperId} is not in the catalog`);
  if (parent === undefined) return null;
  const replied = COMMENT_ID.test(parent) ? await commentById(db, parent) : undefined;
  if (!replied || replied.paperId !== paperId) {
    throw badRequest("invalid_form", "the comment you replied to is not in this paper's discussion");
  }
  const top = replied.parentId ? await commentById(db, replied.parentId) : replied;
  if (!top || [replied, top].some((r) => r.deletedAt || r.hiddenAt)) {
    throw badRequest("invalid_form", "the comment you replied to was deleted or hidden");
  }
  return top.id;
}

commentRoutes.post("/papers/:id{.+}/comments", privateAlways, sameOrigin, authorOfPaper, async (c) => {
  const paperId = paperIdFrom(c.req.param("id")).id;
  const { session } = c.var;
  const posted = await c.req.parseBody();
  const parsed = NewComment.safeParse(posted);
  if (!parsed.success) {
    const kept = typeof posted.body === "string" ? posted.body : "";
    const parent = typeof posted.parent === "string" && COMMENT_ID.test(posted.parent) ? posted.parent : undefined;
    return c.html(
      <TitledPage title="Not posted">
        <p class="notice" role="status">{`Nothing was posted: ${describeZodError(parsed.error)}.`}</p>
        <CommentForm
          paperId={paperId}
          parentId={parent}
          label={parent ? "Your reply" : "Your comment"}
          body={kept.slice(0, MAX_COMMENT_LENGTH * 2)}
        />
        <p>
          <a href={`/papers/${paperId}#comments`}>Back to the discussion</a>
        </p>
      </TitledPage>,
      400,
    );
  }
  const form = parsed.data;
  const db = createDb(c.env.DB);
  const parentId = await placeOf(db, paperId, form.parent);
  await limit(c, session, "post");
  const id = await insertComment(db, {
    paperId,
    accountId: session.account.id,
    parentId,
    body: form.body,
    now: new Date(),
  });
  if (!id) {
    // A curator hid the paper or the comment after the checks: say so as the checks would have.
    await placeOf(db, paperId, form.parent);
    throw new ApiError(409, "conflict", "the discussion changed while you wrote: nothing was posted");
  }
  await freshen(c, paperId);
  return c.redirect(commentPath(paperId, id), 303);
});

function EditPage({ row, body, notice }: { row: CommentRow; body: string; notice?: string }) {
  const until = editableUntil(row.createdAt);
  return (
    <TitledPage title="Edit your comment">
      <Notice text={notice} />
      <form class="comment-form" method="post" action={`/comments/${row.id}/edit`}>
        <label for="comment-body">Your comment</label>
        <textarea
          id="comment-body"
          name="body"
          rows={8}
          maxlength={MAX_COMMENT_LENGTH}
          required
          aria-describedby="comment-body-hint"
        >
          {body}
        </textarea>
        <small id="comment-body-hint">
          Markdown: *emphasis*, `code`, lists and links. You can edit it until{" "}
          <time datetime={until}>{`${until.slice(11, 16)} UTC`}</time>.
        </small>
        <button type="submit">Save</button>
      </form>
      <p>
        <a href={commentPath(row.paperId, row.id)}>Back to the discussion</a>
      </p>
    </TitledPage>
  );
}

commentRoutes.get("/comments/:commentId/edit", privateAlways, authorOfComment, async (c) => {
  const { session } = c.var;
  const row = await ownComment(c, session);
  const refusal = editRefusal(row, Date.now());
  if (refusal) throw new ApiError(403, "forbidden", refusal);
  return c.html(<EditPage row={row} body={row.body} />);
});

commentRoutes.post("/comments/:commentId/edit", privateAlways, sameOrigin, authorOfComment, async (c) => {
  const { session } = c.var;
  const row = await ownComment(c, session);
  const refusal = editRefusal(row, Date.now());
  if (refusal) throw new ApiError(403, "forbidden", refusal);
  const posted = await c.req.parseBody();
  const parsed = EditedComment.safeParse(posted);
  if (!parsed.success) {
    const kept = typeof posted.body === "string" ? posted.body.slice(0, MAX_COMMENT_LENGTH * 2) : row.body;
    return c.html(<EditPage row={row} body={kept} notice={`Not saved: ${describeZodError(parsed.error)}.`} />, 400);
  }
  const form = parsed.data;
  await limit(c, session, "change");
  if (!(await editComment(createDb(c.env.DB), row.id, session.account.id, form.body, new Date()))) {
    throw new ApiError(403, "forbidden", "This comment can no longer be edited.");
  }
  await freshen(c, row.paperId);
  return c.redirect(commentPath(row.paperId, row.id), 303);
});

commentRoutes.post("/comments/:commentId/delete", privateAlways, sameOrigin, authorOfComment, async (c) => {
  const { session } = c.var;
  const row = await ownComment(c, session);
  if (!row.deletedAt) {
    await limit(c, session, "change");
    await deleteComment(createDb(c.env.DB), row.id, session.account.id, new Date());
    await freshen(c, row.paperId);
  }
  return c.redirect(commentPath(row.paperId, row.id), 303);
});
