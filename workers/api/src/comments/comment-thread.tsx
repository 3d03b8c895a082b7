import { raw } from "hono/html";
import { plural } from "#shared/papers/text";
import { renderCommentMarkdown } from "./comment-markdown";
import { type CommentView, editableUntil, MAX_COMMENT_LENGTH, type ThreadComment } from "./comment-store";

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const FORMAT_HINT = "Markdown: *emphasis*, `code`, lists and links. Be kind.";

/**
 * The form for a new comment (no parent) or a reply. The same for everyone: the server answers a
 * post without a session with the page that says to sign in.
 */
export function CommentForm({
  paperId,
  parentId,
  label,
  body,
}: {
  paperId: string;
  parentId?: string;
  label: string;
  body?: string;
}) {
  const field = parentId ? `reply-${parentId}` : "comment-body";
  return (
    <form class="comment-form" method="post" action={`/papers/${paperId}/comments`}>
      {parentId ? <input type="hidden" name="parent" value={parentId} /> : null}
      <label for={field}>{label}</label>
      <textarea
        id={field}
        name="body"
        rows={parentId ? 3 : 4}
        maxlength={MAX_COMMENT_LENGTH}
        required
        aria-describedby={`${field}-hint`}
      >
        {body ?? ""}
      </textarea>
      <small id={`${field}-hint`}>{FORMAT_HINT}</small>
      <button type="submit">{parentId ? "Reply" : "Post"}</button>
    </form>
  );
}

function Author({ c }: { c: CommentView }) {
  if (!c.handle) return <span class="author">[deleted account]</span>;
  return (
    <a class="author" href={`/u/${c.handle}`}>
      {c.displayName ? `${c.displayName} (@${c.handle})` : `@${c.handle}`}
    </a>
  );
}

function Comment({ paperId, c, children }: { paperId: string; c: CommentView; children?: unknown }) {
  const visible = c.state === "visible";
  return (
    <li
      class="comment"
      id={`comment-${c.id}`}
      data-author={visible && c.handle ? c.handle : undefined}
      data-edit-until={visible ? editableUntil(c.createdAt) : undefined}
    >
      <p class="comment-meta">
        {visible ? <Author c={c} /> : null}
        {visible ? " · " : null}
        <a href={`#comment-${c.id}`}>
          <time datetime={c.createdAt}>{when(c.createdAt)}</time>
        </a>
        {visible && c.editedAt ? <> · edited</> : null}
      </p>
      {visible ? (
        <div class="comment-body">{raw(renderCommentMarkdown(c.body))}</div>
      ) : (
        <p class="comment-body gone">{c.state === "hidden" ? "[hidden by a curator]" : "[deleted]"}</p>
      )}
      {visible ? (
        <div class="comment-actions">
          <details class="reply">
            <summary>Reply</summary>
            <CommentForm
              paperId={paperId}
              parentId={c.parentId ?? c.id}
              label={`Reply to ${c.handle ? `@${c.handle}` : "this comment"}`}
            />
          </details>
          {c.handle ? (
            <span class="own">
              <a class="edit" href={`/comments/${c.id}/edit`}>
                Edit
              </a>
              <details class="delete">
                <summary>Delete</summary>
                <form method="post" action={`/comments/${c.id}/delete`}>
                  <button type="submit">Delete this comment</button>
                </form>
              </details>
            </span>
          ) : null}
        </div>
      ) : null}
      {children as never}
    </li>
  );
}

/**
 * A paper's discussion, readable without JavaScript or a session. Every live comment carries its
 * author's handle (data-author): the page script shows the Edit and Delete controls to that person
 * alone (the server refuses anyone else's). Without the script they show on every comment.
 */
export function CommentThread({
  paperId,
  thread,
  upstream,
}: {
  paperId: string;
  thread: ThreadComment[];
  upstream: number;
}) {
  const count = thread.reduce(
    (n, c) => n + (c.state === "visible" ? 1 : 0) + c.replies.filter((r) => r.state === "visible").length,
    0,
  );
  return (
    <section id="comments" class="discussion" aria-labelledby="comments-heading">
      <h2 id="comments-heading">Discussion{count ? ` (${count})` : ""}</h2>
      {upstream ? (
        <p>
          <a href={`https://huggingface.co/papers/${paperId}`} rel="nofollow noopener">
            {plural(upstream, "more comment", "more comments")} on Hugging Face
          </a>
        </p>
      ) : null}
      {thread.length ? (
        <ol class="comments">
          {thread.map((c) => (
            <Comment paperId={paperId} c={c}>
              {c.replies.length ? (
                <ol class="replies">
                  {c.replies.map((r) => (
                    <Comment paperId={paperId} c={r} />
                  ))}
                </ol>
              ) : null}
            </Comment>
          ))}
        </ol>
      ) : (
        <p>No comments yet.</p>
      )}
      <CommentForm paperId={paperId} label="Add a comment" />
    </section>
  );
}
