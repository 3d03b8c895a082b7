import type { ListedPaper } from "#shared/papers/queries";
import { cardAlt, cardPath, paperCard } from "../cards/card-data";
import { CARD_HEIGHT, CARD_WIDTH, type DayCardData, type PaperCardData } from "../cards/card-svg";

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
  siteUrl,
}: {
  item: ListedPaper;
  canonical: string;
  description: string;
  siteUrl: string;
}) {
  const { paper } = item;
  return (
    <>
      <ShareHead
        type="article"
        title={paper.title}
        description={description}
        canonical={canonical}
        card={paperCard(item)}
        siteUrl={siteUrl}
      />
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

/**
 * Open Graph and a Twitter card for a link preview: the page's title and description, and its
 * share card (1200 x 630, at its versioned address on SITE_URL) as the large image.
 */
export function ShareHead(props: {
  type: "article" | "website";
  title: string;
  description: string;
  canonical: string;
  card: PaperCardData | DayCardData;
  siteUrl: string;
}) {
  const image = `${props.siteUrl}${cardPath(props.card)}`;
  const alt = cardAlt(props.card);
  return (
    <>
      <meta property="og:type" content={props.type} />
      <meta property="og:title" content={props.title} />
      <meta property="og:description" content={props.description} />
      <meta property="og:url" content={props.canonical} />
      <meta property="og:site_name" content="Paperboy" />
      <meta property="og:image" content={image} />
      <meta property="og:image:type" content="image/png" />
      <meta property="og:image:width" content={String(CARD_WIDTH)} />
      <meta property="og:image:height" content={String(CARD_HEIGHT)} />
      <meta property="og:image:alt" content={alt} />
      <meta name="twitter:card" content="summary_large_image" />
      <meta name="twitter:title" content={props.title} />
      <meta name="twitter:description" content={props.description} />
      <meta name="twitter:image" content={image} />
      <meta name="twitter:image:alt" content={alt} />
    </>
  );
}
