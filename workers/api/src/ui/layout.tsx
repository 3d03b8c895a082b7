import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { CSS_PATH } from "./styles";
import { VOTES_JS_PATH } from "./votes-script";

export type NavKey = "daily" | "weekly" | "monthly" | "trending" | "foryou" | "search" | "about" | null;

export interface LayoutProps {
  title: string;
  description?: string;
  nav?: NavKey;
  /** The search box's current text. */
  query?: string;
  /** The page's canonical address on SITE_URL, e.g. https://paperboy.example/papers/date/2026-06-12. */
  canonical?: string;
  /** More of the head: a paper page's Open Graph, citation tags and JSON-LD. */
  head?: Child;
  /** The page has vote buttons: load the votes script. */
  votes?: boolean;
  children?: Child;
}

const NAV: { key: Exclude<NavKey, null>; href: string; label: string }[] = [
  { key: "daily", href: "/", label: "Daily" },
  { key: "weekly", href: "/papers/week", label: "Weekly" },
  { key: "monthly", href: "/papers/month", label: "Monthly" },
  { key: "trending", href: "/papers/trending", label: "Trending" },
  { key: "foryou", href: "/for-you", label: "For you" },
  { key: "about", href: "/about", label: "About" },
];

/** Every page's frame: one stylesheet, the votes script where there are votes, feeds advertised in the head. */
export function Layout(props: LayoutProps) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>{`${props.title} · Paperboy`}</title>
          {props.description ? <meta name="description" content={props.description} /> : null}
          {props.canonical ? <link rel="canonical" href={props.canonical} /> : null}
          {props.head}
          <link rel="stylesheet" href={CSS_PATH} />
          {props.votes ? <script src={VOTES_JS_PATH} defer></script> : null}
          <link
            rel="alternate"
            type="application/rss+xml"
            title="Paperboy daily papers (RSS)"
            href="/feeds/daily.rss"
          />
          <link
            rel="alternate"
            type="application/atom+xml"
            title="Paperboy daily papers (Atom)"
            href="/feeds/daily.atom"
          />
          <link
            rel="alternate"
            type="application/feed+json"
            title="Paperboy daily papers (JSON Feed)"
            href="/feeds/daily.json"
          />
        </head>
        <body>
          <a class="skip" href="#content">
            Skip to content
          </a>
          <header class="site">
            <div class="wrap">
              <a class="brand" href="/">
                Paperboy
              </a>
              <nav class="main" aria-label="Main">
                <ul>
                  {NAV.map((n) => (
                    <li>
                      <a href={n.href} aria-current={props.nav === n.key ? "page" : undefined}>
                        {n.label}
                      </a>
                    </li>
                  ))}
                  <li>
                    <a href="/subscribe">Subscribe</a>
                  </li>
                </ul>
              </nav>
              {/* biome-ignore lint/a11y/useSemanticElements: a <search> element around the form is newer than the browsers we serve; the role says the same */}
              <form class="search" action="/search" method="get" role="search">
                <label class="visually-hidden" for="q">
                  Search papers
                </label>
                <input
                  id="q"
                  type="search"
                  name="q"
                  value={props.query ?? ""}
                  placeholder="Search papers"
                  maxlength={2000}
                />
                <button type="submit">Search</button>
              </form>
            </div>
          </header>
          <main id="content" class="wrap">
            {props.children}
          </main>
          <footer class="site">
            <div class="wrap">
              Daily ML papers by the research community. Metadata from arXiv (CC0) and the Hugging Face daily papers
              feed. <a href="/about">About and the trending formula</a> · <a href="/feeds/daily.rss">RSS</a> ·{" "}
              <a href="/feeds/daily.atom">Atom</a> · <a href="/feeds/daily.json">JSON Feed</a> · <a href="/api">API</a>
            </div>
          </footer>
        </body>
      </html>
    </>
  );
}

/** A page that is its title and a few paragraphs or a form: sign-in, account, subscription, errors of a form. */
export function TitledPage(props: { title: string; children: Child }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      {props.children}
    </Layout>
  );
}
