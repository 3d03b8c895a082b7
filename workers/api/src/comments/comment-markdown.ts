import MarkdownIt from "markdown-it";

/**
 * Comments are written in a small Markdown subset: paragraphs and line breaks, emphasis, inline
 * code and code blocks, lists, quotes and links. markdown-it (maintained, fuzzed, linear on the
 * pathological inputs a hand-written parser gets wrong) renders it from its "zero" preset with only
 * those rules on: raw HTML is escaped (`html: false`), headings and images are never parsed (their
 * rules stay off: `# x` is text, `![a](u)` a plain link), and every link goes to http(s) only.
 */
const RULES = [
  // block
  "blockquote",
  "code",
  "fence",
  "list",
  // inline
  "autolink",
  "backticks",
  "emphasis",
  "entity",
  "escape",
  "link",
  "linkify",
  "newline",
  "strikethrough",
];

export const LINK_REL = "nofollow ugc noopener";

const isWebLink = (url: string) => /^https?:\/\/[^\s]/i.test(url);

function createRenderer() {
  const md = new MarkdownIt("zero", { html: false, linkify: true, breaks: true, typographer: false });
  md.enable(RULES);
  md.linkify.set({ fuzzyEmail: false });
  md.validateLink = isWebLink;
  // markdown-it keeps a link whose destination it refused, with an empty href: drop it, keep its text.
  md.core.ruler.push("drop_refused_links", (state) => {
    for (const block of state.tokens) {
      if (block.type !== "inline" || !block.children) continue;
      const open: boolean[] = [];
      block.children = block.children.filter((t) => {
        if (t.type === "link_open") {
          const keep = isWebLink(String(t.attrGet("href") ?? ""));
          open.push(keep);
          return keep;
        }
        if (t.type === "link_close") return open.pop() ?? false;
        return true;
      });
    }
  });
  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    tokens[idx]!.attrSet("rel", LINK_REL);
    return self.renderToken(tokens, idx, options);
  };
  // A fence's info string names no class on our page.
  md.renderer.rules.fence = (tokens, idx) => `<pre><code>${md.utils.escapeHtml(tokens[idx]!.content)}</code></pre>\n`;
  return md;
}

let renderer: ReturnType<typeof createRenderer> | null = null;

/** A comment's Markdown as HTML safe to put in a page: markdown-it escapes every character of text. */
export function renderCommentMarkdown(body: string): string {
  renderer ??= createRenderer();
  return renderer.render(body);
}
