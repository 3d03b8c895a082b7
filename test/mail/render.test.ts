import { describe, expect, it } from "vitest";
import { dayPeriod } from "#shared/domain/periods";
import { renderDigest } from "../../workers/mailer/src/render";

describe("digest rendering", () => {
  it("escapes titles, authors and filters in the HTML and keeps a plain-text part", async () => {
    const mail = await renderDigest({
      siteUrl: "https://paperboy.test",
      period: dayPeriod("2026-06-12"),
      frequency: "daily",
      papers: [
        {
          id: "2606.00001",
          title: '<img src=x onerror="alert(1)">Attention',
          abstract: "A & B",
          authors: ["<b>Eve</b>"],
          categories: [],
          upvotes: 3,
          day: "2026-06-12",
        },
      ],
      filters: { categories: [], keywords: ["<script>"] },
      links: {
        preferences: "https://paperboy.test/preferences?token=a.b",
        unsubscribe: "https://paperboy.test/unsubscribe?token=a.b",
      },
    });
    expect(mail.html).not.toContain("<img");
    expect(mail.html).not.toContain("<b>Eve</b>");
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;img src=x");
    expect(mail.text).toContain('1. <img src=x onerror="alert(1)">Attention');
    expect(mail.text).toContain("Unsubscribe: https://paperboy.test/unsubscribe?token=a.b");
  });
});
