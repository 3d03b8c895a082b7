import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { CACHE_POLICIES } from "../../workers/api/src/cache/cache-policy";
import { bibtexKey, escapeBibtex, renderBibtex } from "../../workers/api/src/site/bibtex";
import { scriptSafeJson } from "../../workers/api/src/site/paper-meta";
import {
  captureItems,
  get,
  ingestHfDaily,
  insertPapers,
  JSON_LD_BLOCK,
  withoutJsonLd,
  withoutVotesScript,
} from "../site/site-support";

const SITE = "http://127.0.0.1:8787";
const HOSTILE = `</script><script>alert(1)</script> & "double" 'single' {brace} \\back % $x$ #_~^`;
const HOSTILE_ID = "2606.90003";
const HOSTILE_AUTHORS = [`Zoë "Z" </script> O'Brien`, "Smith and Wesson", "Last, First", "Ada {L} ~ Lovelace"];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  isArray: (name) => ["url", "sitemap"].includes(name),
});

async function xmlOf(path: string) {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  expect(res.headers.get("Content-Type"), path).toBe("application/xml; charset=utf-8");
  const xml = await res.text();
  expect(XMLValidator.validate(xml), path).toBe(true);
  return { res, doc: parser.parse(xml) };
}

const pathOf = (loc: string) => {
  expect(loc.startsWith(`${SITE}/`), loc).toBe(true);
  return loc.slice(SITE.length);
};

/**
 * A BibTeX entry read the way BibTeX reads it: `@type{key, name={value}, ...}` with braces
 * balanced and `\{`, `\}` escaped. Throws on anything else.
 */
function parseBibtex(text: string): { type: string; key: string; fields: Record<string, string> } {
  const head = /^@(\w+)\{([a-z0-9]+),\n/.exec(text);
  if (!head) throw new Error(`bad entry head: ${text.slice(0, 40)}`);
  const fields: Record<string, string> = {};
  let i = head[0].length;
  for (;;) {
    const name = /^\s*(\w+)=\{/.exec(text.slice(i));
    if (!name) break;
    i += name[0].length;
    let depth = 1;
    let value = "";
    while (depth > 0) {
      const ch = text[i];
      if (ch === undefined) throw new Error(`unbalanced braces in ${name[1]}`);
      if (ch === "\\") {
        value += ch + text[i + 1];
        i += 2;
        continue;
      }
      if (ch === "{") depth++;
      if (ch === "}") depth--;
      if (depth > 0) value += ch;
      i++;
    }
    if (name[1]! in fields) throw new Error(`field ${name[1]} twice`);
    fields[name[1]!] = value;
    if (text[i] !== ",") throw new Error(`no comma after ${name[1]}`);
    i++;
  }
  if (text.slice(i).trim() !== "}") throw new Error(`trailing text: ${text.slice(i)}`);
  return { type: head[1]!, key: head[2]!, fields };
}

/** The text a BibTeX value stands for: undoes escapeBibtex. */
const unescapeBibtex = (value: string) =>
  value.replace(
    /\\textbackslash\{\}|\\textasciitilde\{\}|\\textasciicircum\{\}|\\([{}%&$#_])/g,
    (m, ch: string | undefined) =>
      ch ??
      ({ "\\textbackslash{}": "\\", "\\textasciitilde{}": "~", "\\textasciicircum{}": "^" } as Record<string, string>)[
        m
      ]!,
  );

/** A body as UTF-8 text (workerd warns on .text() of a type it does not know as text, such as application/x-bibtex). */
const utf8 = async (res: Response) => new TextDecoder().decode(await res.arrayBuffer());

const meta = (html: string, attr: "name" | "property", key: string) =>
  [...html.matchAll(new RegExp(`<meta ${attr}="${key}" content="([^"]*)"/>`, "g"))].map((m) => m[1]!);
const unhtml = (s: string) =>
  s
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");

beforeAll(async () => {
  await ingestHfDaily();
  await insertPapers([
    { id: HOSTILE_ID, day: "2026-06-11", title: HOSTILE, abstract: `Abstract ${HOSTILE}`, authors: HOSTILE_AUTHORS },
    { id: "astro-ph/0601001", day: "2026-05-29", title: "Old-style id paper" },
    { id: "2605.00001", title: "Announced, never featured" },
  ]);
});

describe("robots.txt", () => {
  it("allows everything but the private paths and points to the sitemap", async () => {
    const res = await get("/robots.txt");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain/);
    const lines = (await res.text()).split("\n");
    expect(lines).toContain("User-agent: *");
    expect(lines).toContain("Allow: /");
    for (const path of ["/admin", "/account", "/signin", "/api/me", "/dev"])
      expect(lines).toContain(`Disallow: ${path}`);
    expect(lines).toContain(`Sitemap: ${SITE}/sitemap.xml`);
    expect(lines.filter((l) => l.startsWith("Disallow:"))).toHaveLength(5);
  });
});

describe("sitemaps", () => {
  it("/sitemap.xml is a sitemap index of the pages' sitemap and one per month with featured papers", async () => {
    const { doc, res } = await xmlOf("/sitemap.xml");
    expect(doc.sitemapindex["@xmlns"]).toBe("http://www.sitemaps.org/schemas/sitemap/0.9");
    const locs = doc.sitemapindex.sitemap.map((s: { loc: string }) => s.loc);
    expect(locs).toEqual([`${SITE}/sitemap/pages.xml`, `${SITE}/sitemap/2026-05.xml`, `${SITE}/sitemap/2026-06.xml`]);
    for (const s of doc.sitemapindex.sitemap)
      expect(s.lastmod).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(res.headers.get("Cache-Control")).toBe(CACHE_POLICIES.static);
  });

  it("every sitemap is well-formed and every URL in it answers 200", async () => {
    const { doc } = await xmlOf("/sitemap.xml");
    const seen = new Set<string>();
    for (const { loc } of doc.sitemapindex.sitemap as { loc: string }[]) {
      const { doc: map } = await xmlOf(pathOf(loc));
      expect(map.urlset["@xmlns"]).toBe("http://www.sitemaps.org/schemas/sitemap/0.9");
      for (const u of map.urlset.url as { loc: string }[]) {
        const path = pathOf(u.loc);
        expect(seen.has(path), path).toBe(false);
        seen.add(path);
        expect((await get(path)).status, path).toBe(200);
      }
    }
    for (const item of captureItems()) expect(seen.has(`/papers/${item.paper.id}`)).toBe(true);
    for (const path of [
      "/",
      "/papers/trending",
      "/about",
      "/papers/week/2026-W24",
      "/papers/month/2026-06",
      "/papers/month/2026-05",
      "/papers/date/2026-06-12",
      `/papers/${HOSTILE_ID}`,
      "/papers/astro-ph/0601001",
    ]) {
      expect(seen.has(path), path).toBe(true);
    }
    expect(seen.has("/papers/2605.00001")).toBe(false);
  });

  it("a month's sitemap lists its day pages and paper pages, each with lastmod", async () => {
    const { doc, res } = await xmlOf("/sitemap/2026-05.xml");
    expect(doc.urlset.url.map((u: { loc: string }) => u.loc)).toEqual([
      `${SITE}/papers/date/2026-05-29`,
      `${SITE}/papers/astro-ph/0601001`,
    ]);
    for (const u of doc.urlset.url) expect(u.lastmod).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(res.headers.get("Cache-Tag")!.split(",")).toContain("month:2026-05");
  });

  it("a bad month is a 400 and a month without papers a 404, as readable pages", async () => {
    const bad = await get("/sitemap/2026-13.xml");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(await bad.text()).toContain("YYYY-MM.xml");
    expect((await get("/sitemap/2019-01.xml")).status).toBe(404);
    expect((await get("/sitemap/other.txt")).status).toBe(404);
  });
});

describe("a paper page's metadata", () => {
  it("an absolute canonical link, Open Graph, a Twitter card and the citation_* tags", async () => {
    const id = "2606.00467";
    const item = captureItems().find((i) => i.paper.id === id)!;
    const html = await (await get(`/papers/${id}`)).text();
    expect(html).toContain(`<link rel="canonical" href="${SITE}/papers/${id}"/>`);
    expect(meta(html, "property", "og:type")).toEqual(["article"]);
    expect(meta(html, "property", "og:title").map(unhtml)).toEqual([item.paper.title]);
    expect(meta(html, "property", "og:url")).toEqual([`${SITE}/papers/${id}`]);
    expect(meta(html, "property", "og:site_name")).toEqual(["Paperboy"]);
    expect(unhtml(meta(html, "property", "og:description")[0]!)).toBe(item.paper.summary.slice(0, 200));
    expect(meta(html, "name", "twitter:card")).toEqual(["summary_large_image"]);
    expect(meta(html, "property", "og:image")[0]).toMatch(new RegExp(`^${SITE}/papers/${id}/card-[0-9a-f]{8}\\.png$`));
    expect(meta(html, "name", "citation_title").map(unhtml)).toEqual([item.paper.title]);
    expect(meta(html, "name", "citation_author")).toEqual([
      "Etienne Casanova",
      "Rafal Kocielnik",
      "R. Michael Alvarez",
    ]);
    expect(meta(html, "name", "citation_publication_date")[0]).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
    expect(meta(html, "name", "citation_arxiv_id")).toEqual([id]);
    expect(meta(html, "name", "citation_pdf_url")).toEqual([`https://arxiv.org/pdf/${id}`]);
    expect(meta(html, "name", "citation_abstract_html_url")).toEqual([`https://arxiv.org/abs/${id}`]);
    expect(html).toContain(`<a href="/papers/${id}.bib" type="application/x-bibtex">Cite (BibTeX)</a>`);
  });

  it("one ScholarlyArticle JSON-LD block and no other script but the votes script", async () => {
    const html = await (await get("/papers/astro-ph/0601001")).text();
    const blocks = [...html.matchAll(JSON_LD_BLOCK)];
    expect(blocks).toHaveLength(1);
    const ld = JSON.parse(/^<script type="application\/ld\+json">([^<]*)<\/script>$/.exec(blocks[0]![0])![1]!);
    expect(ld).toMatchObject({
      "@context": "https://schema.org",
      "@type": "ScholarlyArticle",
      url: `${SITE}/papers/astro-ph/0601001`,
      name: "Old-style id paper",
      author: [
        { "@type": "Person", name: "Ada Lovelace" },
        { "@type": "Person", name: "Alan Turing" },
      ],
      datePublished: "2026-05-29T00:00:00.000Z",
      identifier: [{ "@type": "PropertyValue", propertyID: "arXiv", value: "astro-ph/0601001" }],
      sameAs: ["https://arxiv.org/abs/astro-ph/0601001"],
    });
    expect(meta(html, "name", "citation_publication_date")).toEqual(["2026/05/29"]);
    expect(withoutVotesScript(withoutJsonLd(html))).not.toContain("<script");
    // Listing pages carry none.
    expect((await (await get("/papers/date/2026-06-12")).text()).match(JSON_LD_BLOCK)).toBeNull();
  });

  it("a hostile title and authors are escaped everywhere: meta tags, JSON-LD, the page", async () => {
    const html = await (await get(`/papers/${HOSTILE_ID}`)).text();
    expect(html).not.toContain("</script><script>");
    expect(html).not.toContain("<script>alert");
    expect(withoutVotesScript(withoutJsonLd(html))).not.toMatch(/<script/i);
    for (const name of ["og:title", "twitter:title"])
      expect(meta(html, name.startsWith("og") ? "property" : "name", name).map(unhtml)).toEqual([HOSTILE]);
    expect(meta(html, "name", "citation_title").map(unhtml)).toEqual([HOSTILE]);
    expect(meta(html, "name", "citation_author").map(unhtml)).toEqual(HOSTILE_AUTHORS);
    const ld = JSON.parse(/<script type="application\/ld\+json">([^<]*)<\/script>/.exec(html)![1]!);
    expect(ld.name).toBe(HOSTILE);
    expect(ld.author.map((a: { name: string }) => a.name)).toEqual(HOSTILE_AUTHORS);
  });

  it("scriptSafeJson leaves no character that could end a script block", () => {
    const out = scriptSafeJson({ t: "</script><!-- & \u2028\u2029 >" });
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual({ t: "</script><!-- & \u2028\u2029 >" });
  });
});

describe("BibTeX", () => {
  it("GET /papers/{id}.bib is an arXiv-style @misc entry", async () => {
    const res = await get("/papers/2606.00467.bib");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/x-bibtex; charset=utf-8");
    const entry = parseBibtex(await utf8(res));
    const item = captureItems().find((i) => i.paper.id === "2606.00467")!;
    expect(entry.type).toBe("misc");
    // "On the Limits of ...": articles and prepositions are skipped, as arXiv's keys do.
    expect(item.paper.title).toMatch(/^On the Limits /);
    expect(entry.key).toBe("casanova2026limits");
    expect(unescapeBibtex(entry.fields.title!)).toBe(item.paper.title);
    expect(entry.fields).toMatchObject({
      author: "Etienne Casanova and Rafal Kocielnik and R. Michael Alvarez",
      eprint: "2606.00467",
      archivePrefix: "arXiv",
      url: "https://arxiv.org/abs/2606.00467",
    });
    expect(entry.fields.year).toMatch(/^20\d\d$/);
  });

  it("old-style ids keep their slash and their archive as the primary class", async () => {
    const entry = parseBibtex(await utf8(await get("/papers/astro-ph/0601001.bib")));
    expect(entry.key).toBe("lovelace2026old");
    expect(entry.fields).toMatchObject({
      eprint: "astro-ph/0601001",
      primaryClass: "cs.LG",
      year: "2026",
      url: "https://arxiv.org/abs/astro-ph/0601001",
    });
  });

  it("escapes hostile titles and author names: braces stay balanced and the text reads back", async () => {
    const text = await utf8(await get(`/papers/${HOSTILE_ID}.bib`));
    const entry = parseBibtex(text);
    expect(unescapeBibtex(entry.fields.title!)).toBe(HOSTILE);
    expect(entry.fields.title).not.toMatch(/(?<!\\)[%&$#_]/);
    // "and" inside a name and a comma are braced, so BibTeX sees four authors, named as given.
    expect(entry.fields.author).toBe(
      `Zoë "Z" </script> O'Brien and {Smith and Wesson} and {Last, First} and Ada \\{L\\} \\textasciitilde{} Lovelace`,
    );
    expect(entry.key).toBe("obrien2026script");
  });

  it("the writer: escaping, keys, control characters", () => {
    expect(escapeBibtex("a\\b{c}d%e&f$g#h_i~j^k")).toBe(
      "a\\textbackslash{}b\\{c\\}d\\%e\\&f\\$g\\#h\\_i\\textasciitilde{}j\\textasciicircum{}k",
    );
    expect(escapeBibtex("line\none\u0001\ttwo")).toBe("line one two");
    expect(
      bibtexKey({
        id: "2606.1",
        title: "A Survey of Ünicode",
        authors: ["Zoë Müller-Lüdenscheidt"],
        published: "2025-01-01T00:00:00Z",
      }),
    ).toBe("mullerludenscheidt2025survey");
    expect(bibtexKey({ id: "2606.00001", title: "???", authors: [], published: "2025-01-01T00:00:00Z" })).toBe(
      "arxiv260600001",
    );
    const entry = parseBibtex(
      renderBibtex({
        id: "2606.1",
        title: "}{ unbalanced {{",
        authors: ["x"],
        published: "2025-01-01T00:00:00Z",
        primaryCategory: null,
        categories: [],
        doi: null,
      }),
    );
    expect(unescapeBibtex(entry.fields.title!)).toBe("}{ unbalanced {{");
    expect(entry.fields).not.toHaveProperty("primaryClass");
  });

  it("400 for a bad id and 404 for an unknown paper, as for the page", async () => {
    expect((await get("/papers/not-an-id.bib")).status).toBe(400);
    expect((await get("/papers/2606.99999.bib")).status).toBe(404);
    const redirect = await get("/papers/2606.00467v2.bib");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("Location")).toBe("/papers/2606.00467.bib");
  });
});
