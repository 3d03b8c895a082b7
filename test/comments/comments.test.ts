import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { freshenAfterWrite } from "../../workers/api/src/cache/purge";
import { renderCommentMarkdown } from "../../workers/api/src/comments/comment-markdown";
import { COMMENT_LIMIT } from "../../workers/api/src/comments/comment-routes";
import { EDIT_WINDOW_MS, insertComment, MAX_COMMENT_LENGTH } from "../../workers/api/src/comments/comment-store";
import { countingD1 } from "../site/site-support";
import { signedInAccount } from "../support/accounts";
import { ingestHfDaily } from "../support/catalog";
import { emptyDatabase } from "../support/database";
import { ORIGIN, request } from "../support/request";

const PAPER = "2606.00467"; // 2 upstream comments in the capture of 2026-06-12
const OTHER = "2606.12730"; // 3 upstream comments

beforeEach(async () => {
  await emptyDatabase();
  await ingestHfDaily();
});

type Row = {
  id: string;
  paper_id: string;
  account_id: string | null;
  parent_id: string | null;
  body: string;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  hidden_at: string | null;
};
const rows = async () => (await env.DB.prepare("SELECT * FROM comments ORDER BY created_at, id").all<Row>()).results;
const row = async (id: string) => (await env.DB.prepare("SELECT * FROM comments WHERE id = ?1").bind(id).first<Row>())!;

const post = (
  paperId: string,
  cookie: string | null,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) =>
  request(
    `/papers/${paperId}/comments`,
    { method: "POST", headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } },
    { form },
  );
const edit = (id: string, cookie: string | null, body: string, headers: Record<string, string> = {}) =>
  request(
    `/comments/${id}/edit`,
    { method: "POST", headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } },
    { form: { body } },
  );
const remove = (id: string, cookie: string | null, headers: Record<string, string> = {}) =>
  request(
    `/comments/${id}/delete`,
    { method: "POST", headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } },
    { form: {} },
  );

/** Posts and returns the new comment's id, read from the 303's fragment. */
async function posted(paperId: string, cookie: string, body: string, parent?: string) {
  const res = await post(paperId, cookie, { body, ...(parent ? { parent } : {}) });
  expect(res.status, await res.clone().text()).toBe(303);
  const id = /#comment-([0-9a-f-]{36})$/.exec(res.headers.get("Location") ?? "")?.[1];
  expect(res.headers.get("Location")).toBe(`/papers/${paperId}#comment-${id}`);
  return id!;
}

/** The paper page as a fresh reader sees it (this isolate's and data centre's copies dropped first). */
async function page(paperId = PAPER) {
  await freshenAfterWrite(env.SITE_URL, paperId, `/papers/${paperId}`);
  const res = await request(`/papers/${paperId}`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The <li> of one comment, up to its replies. */
const commentHtml = (html: string, id: string) =>
  new RegExp(`<li class="comment" id="comment-${id}"[\\s\\S]*?(?=<li class="comment"|</ol>)`).exec(html)?.[0] ?? "";

describe("posting a comment", () => {
  it("stores the Markdown as written and answers 303 to the comment on the paper's page, which shows it", async () => {
    const { cookie, id: accountId } = await signedInAccount("ada");
    const res = await post(PAPER, cookie, {
      body: "  Nice *result*, see [the code](https://example.com/x).\r\nSecond line  ",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
    const [stored] = await rows();
    expect(stored).toMatchObject({
      paper_id: PAPER,
      account_id: accountId,
      parent_id: null,
      body: "Nice *result*, see [the code](https://example.com/x).\nSecond line",
      edited_at: null,
      deleted_at: null,
    });
    expect(res.headers.get("Location")).toBe(`/papers/${PAPER}#comment-${stored!.id}`);
    const html = commentHtml(await page(), stored!.id);
    expect(html).toContain('data-author="ada"');
    expect(html).toContain('<a class="author" href="/u/ada">@ada</a>');
    expect(html).toContain(
      '<p>Nice <em>result</em>, see <a href="https://example.com/x" rel="nofollow ugc noopener">the code</a>.<br>\nSecond line</p>',
    );
  });

  it("replies one level deep: a reply to a reply joins the top-level comment", async () => {
    const ada = await signedInAccount("ada");
    const bob = await signedInAccount("bob");
    const top = await posted(PAPER, ada.cookie, "Top");
    const reply = await posted(PAPER, bob.cookie, "Reply", top);
    const replyToReply = await posted(PAPER, ada.cookie, "Reply to the reply", reply);
    expect((await row(reply)).parent_id).toBe(top);
    expect((await row(replyToReply)).parent_id).toBe(top);
    const html = await page();
    const thread = /<ol class="replies">([\s\S]*?)<\/ol>\s*<\/li>/.exec(html)?.[1] ?? "";
    expect(thread).toContain(`id="comment-${reply}"`);
    expect(thread).toContain(`id="comment-${replyToReply}"`);
    // every reply form names the top-level comment
    expect(html).not.toContain(`name="parent" value="${reply}"`);
    expect(html.match(new RegExp(`name="parent" value="${top}"`, "g"))?.length).toBe(3);
  });

  it("refuses a reply to a comment of another paper, to one that does not exist, or to a deleted one, changing nothing", async () => {
    const { cookie } = await signedInAccount();
    const elsewhere = await posted(OTHER, cookie, "On the other paper");
    const gone = await posted(PAPER, cookie, "Soon deleted");
    expect((await remove(gone, cookie)).status).toBe(303);
    for (const parent of [elsewhere, crypto.randomUUID(), "not-a-comment", gone]) {
      const res = await post(PAPER, cookie, { body: "Reply", parent });
      expect(res.status, parent).toBe(400);
      expect(await res.text()).toMatch(
        /the comment you replied to (is not in this paper&#39;s discussion|was deleted or hidden)/,
      );
    }
    expect(await rows()).toHaveLength(2);
  });

  it("refuses a reply to a reply of a hidden or deleted comment: the comment it would sit under is checked, changing nothing", async () => {
    const ada = await signedInAccount("ada");
    const bob = await signedInAccount("bob");
    const hidden = await posted(PAPER, ada.cookie, "Spam");
    const underHidden = await posted(PAPER, bob.cookie, "A reply to the spam", hidden);
    await env.DB.prepare("UPDATE comments SET hidden_at = ?1 WHERE id = ?2")
      .bind(new Date().toISOString(), hidden)
      .run();
    const deleted = await posted(PAPER, ada.cookie, "Regrettable");
    const underDeleted = await posted(PAPER, bob.cookie, "A reply to the regret", deleted);
    expect((await remove(deleted, ada.cookie)).status).toBe(303);
    const before = await rows();
    for (const parent of [hidden, underHidden, deleted, underDeleted]) {
      const reply = await post(PAPER, bob.cookie, { body: "Reply", parent });
      expect(reply.status, parent).toBe(400);
      expect(await reply.text()).toContain("the comment you replied to was deleted or hidden");
    }
    expect((await rows()).filter((r) => r.body === "Reply")).toEqual([]);
    const replies = (all: Row[]) =>
      all
        .filter((r) => r.parent_id !== null)
        .map((r) => r.id)
        .sort();
    expect(replies(await rows())).toEqual(replies(before));
  });

  it("refuses a comment or a reply on a paper a curator hid as on an unknown paper (404), storing nothing", async () => {
    const ada = await signedInAccount("ada");
    const top = await posted(PAPER, ada.cookie, "Before the paper was hidden");
    await env.DB.prepare("UPDATE papers SET hidden_at = ?1 WHERE id = ?2").bind(new Date().toISOString(), PAPER).run();
    const unknown = await (await post("2606.99999", ada.cookie, { body: "Hi" })).text();
    for (const form of [{ body: "Hi" }, { body: "Hi", parent: top }] as Record<string, string>[]) {
      const res = await post(PAPER, ada.cookie, form);
      expect(res.status, JSON.stringify(form)).toBe(404);
      expect(await res.text()).toBe(unknown.replaceAll("2606.99999", PAPER));
    }
    expect((await rows()).map((r) => r.id)).toEqual([top]);
  });

  it("writes a comment only while its paper is visible and the comment it sits under is live, in the insert itself", async () => {
    const ada = await signedInAccount("ada");
    const top = await posted(PAPER, ada.cookie, "Top");
    const now = new Date();
    const db = createDb(env.DB);
    await env.DB.prepare("UPDATE comments SET hidden_at = ?1 WHERE id = ?2").bind(now.toISOString(), top).run();
    expect(
      await insertComment(db, { paperId: PAPER, accountId: ada.id, parentId: top, body: "Reply", now }),
    ).toBeNull();
    expect(
      await insertComment(db, { paperId: OTHER, accountId: ada.id, parentId: top, body: "Elsewhere", now }),
    ).toBeNull();
    await env.DB.prepare("UPDATE papers SET hidden_at = ?1 WHERE id = ?2").bind(now.toISOString(), OTHER).run();
    expect(
      await insertComment(db, { paperId: OTHER, accountId: ada.id, parentId: null, body: "On hidden", now }),
    ).toBeNull();
    expect((await rows()).map((r) => r.id)).toEqual([top]);
    const written = await insertComment(db, { paperId: PAPER, accountId: ada.id, parentId: null, body: "Fine", now });
    expect((await row(written!)).body).toBe("Fine");
  });

  it("stores nothing when a curator hides the paper between the route's checks and the insert, and answers as for an unknown paper", async () => {
    const { cookie } = await signedInAccount("ada");
    let reached!: () => void;
    const atInsert = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The comment's INSERT waits at a barrier until the paper is hidden.
    const held = (stmt: D1PreparedStatement): D1PreparedStatement =>
      new Proxy(stmt, {
        get(target, prop) {
          const value = Reflect.get(target, prop);
          if (typeof value !== "function") return value;
          if (prop === "bind") return (...args: unknown[]) => held(value.apply(target, args));
          if (["all", "first", "run", "raw"].includes(String(prop))) {
            return async (...args: unknown[]) => {
              reached();
              await released;
              return value.apply(target, args);
            };
          }
          return value.bind(target);
        },
      });
    const DB = new Proxy(env.DB, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop === "prepare") {
          return (query: string) =>
            /^insert into "comments"/i.test(query) ? held(target.prepare(query)) : target.prepare(query);
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const posting = request(
      `/papers/${PAPER}/comments`,
      { method: "POST", headers: { Cookie: cookie } },
      {
        form: { body: "Too late" },
        env: { DB },
      },
    );
    await atInsert;
    await env.DB.prepare("UPDATE papers SET hidden_at = ?1 WHERE id = ?2").bind(new Date().toISOString(), PAPER).run();
    release();
    const res = await posting;
    expect(res.status).toBe(404);
    expect(await res.text()).toContain(`paper ${PAPER} is not in the catalog`);
    expect(await rows()).toEqual([]);
  });

  it("refuses a post without a session, or from an expired, signed-out or made-up one, with a page that says to sign in", async () => {
    const expired = await signedInAccount("expired", { expiresAt: Date.now() - 1 });
    const revoked = await signedInAccount("revoked");
    await env.DB.prepare("DELETE FROM sessions WHERE account_id = ?1").bind(revoked.id).run();
    for (const cookie of [null, expired.cookie, revoked.cookie, "__Host-session=made-up"]) {
      const res = await post(PAPER, cookie, { body: "Hello" });
      expect(res.status, String(cookie)).toBe(401);
      expect(res.headers.get("Cache-Control")).toBe("private, no-store");
      const html = await res.text();
      expect(html).toContain("Sign in to comment");
      expect(html).toContain('href="/signin"');
    }
    expect(await rows()).toHaveLength(0);
  });

  it("sends an account without a handle to /account first", async () => {
    const { cookie, id } = await signedInAccount("nohandle");
    await env.DB.prepare("UPDATE accounts SET handle = NULL WHERE id = ?1").bind(id).run();
    const res = await post(PAPER, cookie, { body: "Hello" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
    expect(await rows()).toHaveLength(0);
  });

  it("refuses forms posted from another site (CSRF) for posts, edits and deletes", async () => {
    const { cookie } = await signedInAccount();
    const id = await posted(PAPER, cookie, "Mine");
    const evil = { Origin: "https://evil.example" };
    expect((await post(PAPER, cookie, { body: "Forged" }, evil)).status).toBe(403);
    expect((await edit(id, cookie, "Forged", evil)).status).toBe(403);
    expect((await remove(id, cookie, evil)).status).toBe(403);
    expect(await rows()).toHaveLength(1);
    expect(await row(id)).toMatchObject({ body: "Mine", edited_at: null, deleted_at: null });
  });

  it("refuses an empty comment and one over the length cap with a readable 400 that keeps the text; the cap itself passes", async () => {
    const { cookie } = await signedInAccount();
    for (const body of ["", "   \n\t  "]) {
      const res = await post(PAPER, cookie, { body });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("the comment is empty");
    }
    const missing = await post(PAPER, cookie, {});
    expect(missing.status).toBe(400);
    const long = "x".repeat(MAX_COMMENT_LENGTH + 1);
    const res = await post(PAPER, cookie, { body: long });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("at most 5,000 characters");
    expect(html).toContain(long);
    expect(await rows()).toHaveLength(0);
    await posted(PAPER, cookie, "y".repeat(MAX_COMMENT_LENGTH));
    expect(await rows()).toHaveLength(1);
  });

  it("answers an id that is not arXiv's with 400 and a paper not in the catalog with 404", async () => {
    const { cookie } = await signedInAccount();
    expect((await post("not-an-id", cookie, { body: "Hi" })).status).toBe(400);
    const missing = await post("2606.99999", cookie, { body: "Hi" });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("not in the catalog");
    expect(await rows()).toHaveLength(0);
  });

  it("limits new comments per account, whatever the client address; a refused one stores nothing", async () => {
    const { cookie } = await signedInAccount();
    for (let i = 0; i < COMMENT_LIMIT.max; i++) await posted(PAPER, cookie, `Comment ${i}`);
    const over = await post(PAPER, cookie, { body: "One too many" });
    expect(over.status).toBe(429);
    expect(over.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await over.text()).toContain("wait a few minutes");
    expect(await rows()).toHaveLength(COMMENT_LIMIT.max);
    const other = await signedInAccount();
    await posted(PAPER, other.cookie, "Someone else");
  });
});

describe("editing and deleting", () => {
  it("lets the author edit within the edit window: a private edit page with the text, then 303 back, marked edited", async () => {
    const { cookie } = await signedInAccount("ada");
    const id = await posted(PAPER, cookie, "Frist <post>");
    const form = await request(`/comments/${id}/edit`, { headers: { Cookie: cookie } });
    expect(form.status).toBe(200);
    expect(form.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await form.text()).toContain("Frist &lt;post&gt;</textarea>");
    const res = await edit(id, cookie, "First post");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/papers/${PAPER}#comment-${id}`);
    expect(await row(id)).toMatchObject({ body: "First post", edited_at: expect.any(String) });
    const html = commentHtml(await page(), id);
    expect(html).toContain("<p>First post</p>");
    expect(html).toContain("· edited");
  });

  it("refuses an edit once the window is over (the clock moved past it), changing nothing", async () => {
    const { cookie } = await signedInAccount();
    const id = await posted(PAPER, cookie, "Original");
    const past = new Date(Date.now() - EDIT_WINDOW_MS - 1000).toISOString();
    await env.DB.prepare("UPDATE comments SET created_at = ?1 WHERE id = ?2").bind(past, id).run();
    const res = await edit(id, cookie, "Too late");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("can be edited for 15 minutes after posting");
    expect((await request(`/comments/${id}/edit`, { headers: { Cookie: cookie } })).status).toBe(403);
    expect(await row(id)).toMatchObject({ body: "Original", edited_at: null });
    // just inside the window, it still can be
    const recent = new Date(Date.now() - EDIT_WINDOW_MS + 60_000).toISOString();
    await env.DB.prepare("UPDATE comments SET created_at = ?1 WHERE id = ?2").bind(recent, id).run();
    expect((await edit(id, cookie, "In time")).status).toBe(303);
    expect((await row(id)).body).toBe("In time");
  });

  it("refuses an empty edit with the edit page and its notice, changing nothing", async () => {
    const { cookie } = await signedInAccount();
    const id = await posted(PAPER, cookie, "Original");
    const res = await edit(id, cookie, " ");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Not saved: body: the comment is empty");
    expect(await row(id)).toMatchObject({ body: "Original", edited_at: null });
  });

  it("deletes the author's own comment softly: the row and its replies stay, the text goes, the page says [deleted]", async () => {
    const ada = await signedInAccount("ada");
    const bob = await signedInAccount("bob");
    const top = await posted(PAPER, ada.cookie, "Regrettable take");
    const reply = await posted(PAPER, bob.cookie, "A reply", top);
    const res = await remove(top, ada.cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/papers/${PAPER}#comment-${top}`);
    expect(await row(top)).toMatchObject({ body: "", deleted_at: expect.any(String), parent_id: null });
    expect((await row(reply)).parent_id).toBe(top);
    const html = await page();
    expect(html).not.toContain("Regrettable take");
    expect(commentHtml(html, top)).toContain("[deleted]");
    expect(commentHtml(html, top)).not.toContain("data-author");
    expect(commentHtml(html, reply)).toContain("A reply");
    // deleting again changes nothing and still goes back
    expect((await remove(top, ada.cookie)).status).toBe(303);
    // a deleted comment cannot be edited
    expect((await edit(top, ada.cookie, "Back")).status).toBe(403);
  });

  it("shows a comment a curator hid as [hidden by a curator], without its text", async () => {
    const { cookie } = await signedInAccount();
    const id = await posted(PAPER, cookie, "Spam spam spam");
    await env.DB.prepare("UPDATE comments SET hidden_at = ?1 WHERE id = ?2").bind(new Date().toISOString(), id).run();
    const html = await page();
    expect(html).not.toContain("Spam spam spam");
    expect(commentHtml(html, id)).toContain("[hidden by a curator]");
    expect((await edit(id, cookie, "Edited spam")).status).toBe(403);
  });

  it("refuses to edit or delete someone else's comment (403), and a comment that does not exist (404)", async () => {
    const ada = await signedInAccount("ada");
    const mallory = await signedInAccount("mallory");
    const id = await posted(PAPER, ada.cookie, "Ada's words");
    for (const res of [
      await edit(id, mallory.cookie, "Mallory's words"),
      await remove(id, mallory.cookie),
      await request(`/comments/${id}/edit`, { headers: { Cookie: mallory.cookie } }),
    ]) {
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("Only its author");
    }
    expect(await row(id)).toMatchObject({ body: "Ada's words", edited_at: null, deleted_at: null });
    expect((await edit(crypto.randomUUID(), ada.cookie, "x")).status).toBe(404);
    expect((await remove("nope", ada.cookie)).status).toBe(404);
  });

  it("refuses edits and deletes without a live session with the sign-in page", async () => {
    const ada = await signedInAccount("ada");
    const id = await posted(PAPER, ada.cookie, "Ada's words");
    await env.DB.prepare("DELETE FROM sessions WHERE account_id = ?1").bind(ada.id).run();
    for (const res of [await edit(id, ada.cookie, "x"), await remove(id, ada.cookie), await edit(id, null, "x")]) {
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('href="/signin"');
    }
    expect(await row(id)).toMatchObject({ body: "Ada's words", deleted_at: null });
  });
});

describe("comment Markdown", () => {
  const hostile = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox)",
    "[rel](/relative/path)",
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "![img](https://example.com/x.png)",
    '![img](javascript:alert(1) "t")',
    '<div onmouseover="alert(1)">\n\n*raw block*\n\n</div>',
    '<a href="javascript:alert(1)">x</a>',
    "[ref]\n\n[ref]: javascript:alert(1)",
    "javascript:alert(1)",
    "```html\n<script>alert(1)</script>\n```",
    "`<b onclick=alert(1)>`",
    '[x](https://example.com/" onclick="alert(1))',
    "&lt;script&gt; &#60;script&#62;",
  ];

  it("renders hostile Markdown and HTML inert: no element or attribute from the text, only http(s) links, each rel=nofollow ugc noopener", () => {
    for (const input of hostile) {
      const html = renderCommentMarkdown(input);
      expect(html, input).not.toMatch(/<(script|img|div|iframe|b|h\d)\b/i);
      expect(html, input).not.toMatch(/<[^>]+\son\w+=/i);
      for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href, input).toMatch(/^https?:\/\//);
      expect(html.match(/<a /g)?.length ?? 0, input).toBe(
        html.match(/<a [^>]*rel="nofollow ugc noopener"/g)?.length ?? 0,
      );
    }
    expect(renderCommentMarkdown("<script>alert(1)</script>")).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
    expect(renderCommentMarkdown("[click](javascript:alert(1))")).toBe("<p>[click](javascript:alert(1))</p>\n");
    expect(renderCommentMarkdown("![img](https://example.com/x.png)")).toBe(
      '<p>!<a href="https://example.com/x.png" rel="nofollow ugc noopener">img</a></p>\n',
    );
  });

  it("renders the subset: emphasis, code, lists, links and bare http(s) URLs (not bare domains: train.py is no link), line breaks; headings stay text", () => {
    expect(
      renderCommentMarkdown(
        "# Not a heading\n\n*em* **strong** `code`\n\n- one\n- two\n\n1. first\n\nwww.example.com and train.py and https://arxiv.org/abs/2606.00467\n[link](http://example.com/a_(b))\n\n```js\nfenced <b>\n```",
      ),
    ).toBe(
      [
        "<p># Not a heading</p>",
        "<p><em>em</em> <strong>strong</strong> <code>code</code></p>",
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
        "<ol>\n<li>first</li>\n</ol>",
        '<p>www.example.com and train.py and <a href="https://arxiv.org/abs/2606.00467" rel="nofollow ugc noopener">https://arxiv.org/abs/2606.00467</a><br>',
        '<a href="http://example.com/a_(b)" rel="nofollow ugc noopener">link</a></p>',
        "<pre><code>fenced &lt;b&gt;\n</code></pre>",
        "",
      ].join("\n"),
    );
  });

  it("renders emphasis and nesting bombs quickly and escaped", () => {
    const bombs = [
      "*".repeat(MAX_COMMENT_LENGTH),
      "*a **".repeat(1000),
      "[".repeat(MAX_COMMENT_LENGTH),
      "> ".repeat(2500) + "deep",
      "- ".repeat(2500) + "x",
      "_*".repeat(2500),
      "`".repeat(MAX_COMMENT_LENGTH),
    ];
    for (const bomb of bombs) {
      const started = performance.now();
      const html = renderCommentMarkdown(bomb);
      expect(performance.now() - started, bomb.slice(0, 10)).toBeLessThan(1000);
      expect(html).not.toMatch(/<(script|img)/);
    }
  });

  it("puts hostile comments on the page as text, and links with rel=nofollow ugc noopener", async () => {
    const { cookie } = await signedInAccount();
    for (const body of hostile.slice(0, 6)) await posted(PAPER, cookie, body);
    const html = await page();
    const thread = /<section id="comments"[\s\S]*?<\/section>/.exec(html)![0];
    const bodies = [...thread.matchAll(/<div class="comment-body">([\s\S]*?)<\/div>/g)].map((m) => m[1]).join("\n");
    expect(bodies).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(bodies).not.toMatch(/<(script|img|div)\b/i);
    expect(thread).not.toMatch(/href="(javascript|data|vbscript):/i);
    expect(thread).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});

describe("comment counts", () => {
  it("count the visible comments here plus upstream's, in the API, on cards, on the paper page, in its Markdown and in feeds", async () => {
    const ada = await signedInAccount("ada");
    const top = await posted(PAPER, ada.cookie, "One");
    await posted(PAPER, ada.cookie, "Two", top);
    const gone = await posted(PAPER, ada.cookie, "Three");
    const hidden = await posted(PAPER, ada.cookie, "Four");
    await remove(gone, ada.cookie);
    await env.DB.prepare("UPDATE comments SET hidden_at = ?1 WHERE id = ?2")
      .bind(new Date().toISOString(), hidden)
      .run();
    const expected = 2 + 2; // two visible here, two upstream
    await freshenAfterWrite(env.SITE_URL, PAPER, "/papers/date/2026-06-12");
    const items = (await (await request("/api/daily_papers?date=2026-06-12")).json()) as {
      paper: { id: string };
      numComments: number;
    }[];
    expect(items.find((i) => i.paper.id === PAPER)?.numComments).toBe(expected);
    expect(items.find((i) => i.paper.id === OTHER)?.numComments).toBe(3);
    const day = await (await request("/papers/date/2026-06-12")).text();
    const card = new RegExp(`id="paper-${PAPER.replace(".", "\\.")}"[\\s\\S]*?</li>`).exec(day)![0];
    expect(card).toContain(`<a href="/papers/${PAPER}#comments">${expected} comments</a>`);
    const paper = await page();
    expect(paper).toContain(`<a href="#comments">${expected} comments</a>`);
    expect(paper).toContain('<h2 id="comments-heading">Discussion (2)</h2>');
    expect(paper).toContain("2 more comments on Hugging Face");
    await freshenAfterWrite(env.SITE_URL, PAPER, `/papers/${PAPER}.md`);
    expect(await (await request(`/papers/${PAPER}.md`)).text()).toContain(`· ${expected} comments`);
    await freshenAfterWrite(env.SITE_URL, PAPER, "/feeds/daily.rss");
    expect(await (await request("/feeds/daily.rss")).text()).toContain(
      `<comments>${env.SITE_URL}/papers/${PAPER}#comments</comments><slash:comments>${expected}</slash:comments>`,
    );
  });

  it("keeps an uncached day page at two D1 queries at most with comments in it", async () => {
    const { cookie } = await signedInAccount();
    await posted(PAPER, cookie, "Counted");
    await freshenAfterWrite(env.SITE_URL, PAPER, "/papers/date/2026-06-12?sort=trending");
    const { binding, counter } = countingD1(env.DB);
    const res = await request("/papers/date/2026-06-12?sort=trending", {}, { env: { DB: binding } });
    expect(res.headers.get("X-Cache")).toBe("MISS");
    expect(await res.text()).toContain("3 comments</a>");
    expect(counter.queries).toBeGreaterThan(0);
    expect(counter.queries).toBeLessThanOrEqual(2);
  });
});

describe("the paper page and its caches", () => {
  it("is the same bytes for the author, another signed-in person and an anonymous reader, sets no cookie, and is a hit with no D1 query", async () => {
    // A session due for its sliding renewal: a page that read it would set a cookie.
    const ada = await signedInAccount("ada-private");
    await env.DB.prepare("UPDATE sessions SET expires_at = ?1 WHERE account_id = ?2")
      .bind(Date.now() + 86_400_000, ada.id)
      .run();
    await posted(PAPER, ada.cookie, "Hello");
    const bob = await signedInAccount("bob");
    await freshenAfterWrite(env.SITE_URL, PAPER, `/papers/${PAPER}`);
    const first = await request(`/papers/${PAPER}`, { headers: { Cookie: ada.cookie } });
    const html = await first.text();
    expect(first.headers.get("Set-Cookie")).toBeNull();
    expect(first.headers.get("Cache-Control")).toMatch(/^public/);
    expect(html).not.toContain("@example.com");
    for (const cookie of [bob.cookie, null, ada.cookie]) {
      const { binding, counter } = countingD1(env.DB);
      const res = await request(
        `/papers/${PAPER}`,
        { headers: cookie ? { Cookie: cookie } : {} },
        { env: { DB: binding } },
      );
      expect(res.headers.get("X-Cache")).toBe("HIT");
      expect(counter.queries).toBe(0);
      expect(await res.text()).toBe(html);
    }
  });

  it("shows the commenter their own comment at once after posting, editing and deleting", async () => {
    const { cookie } = await signedInAccount();
    await request(`/papers/${PAPER}`);
    expect((await request(`/papers/${PAPER}`)).headers.get("X-Cache")).toBe("HIT");
    const id = await posted(PAPER, cookie, "Fresh words");
    const afterPost = await request(`/papers/${PAPER}`, { headers: { Cookie: cookie } });
    expect(afterPost.headers.get("X-Cache")).toBe("MISS");
    expect(await afterPost.text()).toContain("Fresh words");
    expect((await request(`/papers/${PAPER}`)).headers.get("X-Cache")).toBe("HIT");
    await edit(id, cookie, "Edited words");
    expect(await (await request(`/papers/${PAPER}`)).text()).toContain("Edited words");
    await remove(id, cookie);
    expect(await (await request(`/papers/${PAPER}`)).text()).not.toContain("Edited words");
  });

  it("needs no JavaScript: every form posts to the comment routes", async () => {
    const { cookie } = await signedInAccount();
    const id = await posted(PAPER, cookie, "Hi");
    const html = await page();
    expect(html).toContain(`<form class="comment-form" method="post" action="/papers/${PAPER}/comments">`);
    expect(html).toContain(`action="/comments/${id}/delete"`);
    expect(html).toContain(`href="/comments/${id}/edit"`);
  });
});

describe("an erased account", () => {
  it("leaves its comments without text or author, in the same batch; replies stay in place", async () => {
    const ada = await signedInAccount("ada");
    const bob = await signedInAccount("bob");
    const top = await posted(PAPER, ada.cookie, "Ada's words");
    const reply = await posted(PAPER, bob.cookie, "Bob's reply", top);
    const res = await request(
      "/account/delete",
      { method: "POST", headers: { Cookie: ada.cookie, Origin: ORIGIN } },
      { form: { confirm: "yes" } },
    );
    expect(res.status).toBe(303);
    expect(await row(top)).toMatchObject({ body: "", account_id: null, deleted_at: expect.any(String) });
    expect(await row(reply)).toMatchObject({ body: "Bob's reply", parent_id: top });
    const html = await page();
    expect(html).not.toContain("Ada's words");
    expect(html).not.toContain("@ada");
    expect(commentHtml(html, top)).toContain("[deleted]");
    expect(html).toContain("Bob's reply");
  });
});
