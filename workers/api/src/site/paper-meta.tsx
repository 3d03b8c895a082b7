import type { ListedPaper } from "#shared/papers/queries";

/**
 * JSON for a `<script type="application/ld+json">` block: a data block, never executed (so the
 * CSP's script-src does not apply), but the HTML parser still ends it at the first "</script>".
 * Escaping every "<" (and ">", "&", and the two JavaScript line terminators) as \uXXXX keeps any
 * title inside it; JSON readers decode them back.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The paper as schema.org's ScholarlyArticle. */
export function scholarlyArticle(item: ListedPaper, canonical: string) {
  const { paper } = item;
  return {
    "@context": "https://schema.org",
    "@type": "ScholarlyArticle",
    "@id": canonical,
    url: canonical,
    name: paper.title,
    headline: paper.title,
    abstract: paper.abstract,
    author: paper.authors.map((name) => ({ "@type": "Person", name })),
    datePublished: paper.published,
    dateModified: paper.updated,
    identifier: [
      { "@type": "PropertyValue", propertyID: "arXiv", value: paper.id },
      ...(paper.doi ? [{ "@type": "PropertyValue", propertyID: "DOI", value: paper.doi }] : []),
    ],
    sameAs: [`https://arxiv.org/abs/${paper.id}`, ...(paper.doi ? [`https://doi.org/${paper.doi}`] : [])],
    keywords: paper.categories,
    isAccessibleForFree: true,
    encoding: {
      "@type": "MediaObject",
      encodingFormat: "application/pdf",
      contentUrl: `https://arxiv.org/pdf/${paper.id}`,
    },
  };
}

/**
 * What a paper page tells machines in its head: Open Graph and a Twitter card for link previews,
 * JSON-LD for search engines, and the Highwire Press citation_* tags that Google Scholar and
 * reference managers (Zotero, Mendeley) read.
 */
export function PaperHead({
  item,
  canonical,
  description,
}: {
  item: ListedPaper;
  canonical: string;
  description: string;
}) {
  const { paper } = item;
  return (
    <>
      <meta property="og:type" content="article" />
      <meta property="og:title" content={paper.title} />
      <meta property="og:description" content={description} />
      <meta property="og:url" content={canonical} />
      <meta property="og:site_name" content="Paperboy" />
      <meta name="twitter:card" content="summary" />
      <meta name="twitter:title" content={paper.title} />
      <meta name="twitter:description" content={description} />
      <meta name="citation_title" content={paper.title} />
      {paper.authors.map((a) => (
        <meta name="citation_author" content={a} />
      ))}
      <meta name="citation_publication_date" content={paper.published.slice(0, 10).replaceAll("-", "/")} />
      <meta name="citation_arxiv_id" content={paper.id} />
      {paper.doi ? <meta name="citation_doi" content={paper.doi} /> : null}
      <meta name="citation_pdf_url" content={`https://arxiv.org/pdf/${paper.id}`} />
      <meta name="citation_abstract_html_url" content={`https://arxiv.org/abs/${paper.id}`} />
      <script
        type="application/ld+json"
        dangerouslySetInnerHTML={{ __html: scriptSafeJson(scholarlyArticle(item, canonical)) }}
      />
    </>
  );
}
