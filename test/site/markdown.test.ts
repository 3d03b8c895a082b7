import { describe, expect, it } from "vitest";
import type { PaperFields } from "#shared/db/schema";
import { mdEscape, renderPaperMarkdown } from "../../workers/api/src/site/markdown";

const SITE = "http://127.0.0.1:8787";
const base: PaperFields = {
  id: "2606.00467",
  version: 2,
  title: "On the Limits of LLM Adaptability",
  abstract: "Large Language Models (LLMs)\n  are increasingly used for $x_i$ annotation.",
  authors: ["Etienne Casanova", "Rafal Kocielnik"],
  categories: ["cs.LG", "cs.CL"],
  primaryCategory: "cs.CL",
  published: "2026-05-30T00:00:00.000Z",
  updated: "2026-06-02T10:00:00.000Z",
  comment: null,
  journalRef: null,
  doi: null,
  codeUrl: null,
  githubStars: null,
  projectUrl: null,
  aiSummary: null,
  aiKeywords: null,
  withdrawnAt: null,
};

describe("renderPaperMarkdown", () => {
  it("writes the title, the facts, the abstract and links back", () => {
    const md = renderPaperMarkdown(base, { siteUrl: SITE, entry: { day: "2026-06-12", upvotes: 3 }, numComments: 1 });
    expect(md).toBe(
      [
        "# On the Limits of LLM Adaptability",
        "",
        "- **arXiv:** [2606.00467v2](<https://arxiv.org/abs/2606.00467>) · [PDF](<https://arxiv.org/pdf/2606.00467>)",
        "- **Authors:** Etienne Casanova, Rafal Kocielnik",
        "- **Published:** 2026-05-30 · **Updated:** 2026-06-02",
        "- **Categories:** `cs.CL`, `cs.LG`",
        "- **Featured:** [2026-06-12](<http://127.0.0.1:8787/papers/date/2026-06-12>) · 3 upvotes · 1 comment",
        "",
        "## Abstract",
        "",
        "Large Language Models (LLMs) are increasingly used for $x\\_i$ annotation.",
        "",
        "---",
        "",
        "From [Paperboy](<http://127.0.0.1:8787/papers/2606.00467>). Metadata from arXiv (CC0).",
        "",
      ].join("\n"),
    );
  });

  it("adds code, project, DOI, journal, comment, AI summary and keywords only when known", () => {
    const md = renderPaperMarkdown(
      {
        ...base,
        codeUrl: "https://github.com/a/b",
        githubStars: 12,
        projectUrl: "https://a.github.io/b",
        doi: "10.1000/xyz",
        journalRef: "NeurIPS 2026",
        comment: "12 pages",
        aiSummary: "LLMs rarely fix their zero-shot errors.",
        aiKeywords: ["zero-shot", "LLM-as-a-judge"],
      },
      { siteUrl: SITE },
    );
    expect(md).toContain("- **Code:** [https://github.com/a/b](<https://github.com/a/b>) (12 stars)");
    expect(md).toContain("- **Project page:** [https://a.github.io/b](<https://a.github.io/b>)");
    expect(md).toContain("- **DOI:** [10.1000/xyz](<https://doi.org/10.1000/xyz>)");
    expect(md).toContain("- **Journal reference:** NeurIPS 2026");
    expect(md).toContain("## AI summary\n\nLLMs rarely fix their zero-shot errors.");
    expect(md).toContain("**Keywords:** zero-shot, LLM-as-a-judge");
    expect(md).not.toContain("Featured");
    expect(renderPaperMarkdown(base, { siteUrl: SITE })).not.toMatch(
      /Code|Project page|DOI|Journal|AI summary|Keywords|null|undefined/,
    );
  });

  it("links old-style ids with their slash", () => {
    const md = renderPaperMarkdown({ ...base, id: "astro-ph/0601001", version: 1 }, { siteUrl: SITE });
    expect(md).toContain("[astro-ph/0601001v1](<https://arxiv.org/abs/astro-ph/0601001>)");
    expect(md).toContain("(<http://127.0.0.1:8787/papers/astro-ph/0601001>)");
  });

  it("neutralises markup and HTML in titles, authors and abstracts", () => {
    const md = renderPaperMarkdown(
      {
        ...base,
        title: "# Not a heading <script>alert(1)</script> [click](javascript:alert(1))",
        authors: ["*Bold* <img src=x onerror=alert(1)>"],
        abstract: "![img](http://evil.test/x.png) `code` | table |",
      },
      { siteUrl: SITE },
    );
    expect(md).not.toMatch(/(?<!\\)<script>/);
    expect(md).not.toMatch(/(?<!\\)\[click\]/);
    expect(md).not.toMatch(/(?<!\\)!\[img\]/);
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md.split("\n")[0]).toBe(
      "# \\# Not a heading \\<script\\>alert(1)\\</script\\> \\[click\\](javascript:alert(1))",
    );
  });

  it("keeps a link target whole even with spaces or angle brackets in it", () => {
    const md = renderPaperMarkdown({ ...base, projectUrl: "https://x.test/a b>c" }, { siteUrl: SITE });
    expect(md).toContain("(<https://x.test/a%20b%3Ec>)");
  });

  it("mdEscape collapses whitespace", () => {
    expect(mdEscape("  a\n   b  ")).toBe("a b");
  });
});
