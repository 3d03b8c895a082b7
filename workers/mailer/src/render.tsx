import type { Child } from "hono/jsx";
import { formatPeriod, type Period } from "#shared/domain/periods";
import type { Filters, Frequency } from "#shared/mail/messages";
import { excerpt, shortAuthors } from "#shared/papers/text";
import type { DigestPaper } from "./digest-query";

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export interface Links {
  preferences: string;
  unsubscribe: string;
}

const font = "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;";
const muted = "color:#59636e;font-size:13px;line-height:1.5;";
const button =
  "display:inline-block;background:#1f6feb;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600;";

function Layout(props: { title: string; children: Child; footer: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
      </head>
      <body style={`margin:0;padding:0;background:#f6f8fa;${font}`}>
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f6f8fa;">
          <tr>
            <td align="center" style="padding:24px 12px;">
              <table
                role="presentation"
                width="100%"
                cellpadding="0"
                cellspacing="0"
                style="max-width:640px;background:#ffffff;border:1px solid #d1d9e0;border-radius:8px;"
              >
                <tr>
                  <td style={`padding:24px;${font}font-size:15px;line-height:1.55;`}>
                    <p style="margin:0 0 16px;font-weight:700;font-size:18px;">Paperboy</p>
                    {props.children}
                  </td>
                </tr>
                <tr>
                  <td style={`padding:16px 24px;border-top:1px solid #d1d9e0;${muted}`}>{props.footer}</td>
                </tr>
              </table>
            </td>
          </tr>
        </table>
      </body>
    </html>
  );
}

const toHtml = async (node: unknown) => `<!DOCTYPE html>${await String(node)}`;

const authorLine = (authors: string[]) => shortAuthors(authors, 4);

function describeFilters(filters: Filters): string {
  const parts = [];
  if (filters.categories.length) parts.push(`categories ${filters.categories.join(", ")}`);
  if (filters.keywords.length) parts.push(`keywords ${filters.keywords.join(", ")}`);
  return parts.length ? parts.join("; ") : "no filters";
}

export async function renderDigest(input: {
  siteUrl: string;
  period: Period;
  frequency: Frequency;
  papers: DigestPaper[];
  filters: Filters;
  links: Links;
  /** Ordered by the reader's For-you model ("ranked for me"), not by upvotes. */
  rankedForYou?: boolean;
}): Promise<RenderedMail> {
  // The site's name of the period: "Jun 12, 2026", "Week 24 of 2026 (Jun 8 – Jun 14)".
  const when = formatPeriod(input.period);
  const subject = `${input.papers.length} top ML paper${input.papers.length === 1 ? "" : "s"} of ${when}`;
  const paperUrl = (id: string) => `${input.siteUrl}/papers/${encodeURIComponent(id)}`;
  const heading = `${input.rankedForYou ? "Your papers" : "Top papers"} of ${when}`;
  const why = `You get this ${input.frequency} digest because you subscribed to Paperboy (${describeFilters(input.filters)}${input.rankedForYou ? "; ranked for you by what you upvoted and follow" : ""}).`;
  const html = await toHtml(
    <Layout
      title={subject}
      footer={
        <>
          <p style="margin:0 0 8px;">{why}</p>
          <p style="margin:0;">
            <a href={input.links.preferences} style="color:#1f6feb;">
              Change preferences
            </a>{" "}
            ·{" "}
            <a href={input.links.unsubscribe} style="color:#1f6feb;">
              Unsubscribe
            </a>
          </p>
        </>
      }
    >
      <h1 style="margin:0 0 16px;font-size:20px;">{heading}</h1>
      {input.papers.map((p, i) => (
        <div style="margin:0 0 20px;">
          <p style="margin:0 0 4px;font-size:16px;font-weight:600;">
            {`${i + 1}. `}
            <a href={paperUrl(p.id)} style="color:#1f6feb;text-decoration:none;">
              {p.title}
            </a>
          </p>
          <p style={`margin:0 0 4px;${muted}`}>{`${authorLine(p.authors)} · ${p.upvotes} upvotes · arXiv ${p.id}`}</p>
          <p style="margin:0;font-size:14px;">{excerpt(p.abstract)}</p>
        </div>
      ))}
    </Layout>,
  );
  const text = [
    heading,
    "",
    ...input.papers.flatMap((p, i) => [
      `${i + 1}. ${p.title}`,
      `   ${authorLine(p.authors)} · ${p.upvotes} upvotes`,
      `   ${paperUrl(p.id)}`,
      "",
    ]),
    "--",
    why,
    `Change preferences: ${input.links.preferences}`,
    `Unsubscribe: ${input.links.unsubscribe}`,
    "",
  ].join("\n");
  return { subject, html, text };
}

/** Sent on every subscribe request: a confirm link while pending, a preferences link once confirmed. */
export async function renderConfirmation(input: {
  confirmed: boolean;
  confirmUrl: string;
  links: Links;
}): Promise<RenderedMail> {
  if (input.confirmed) {
    const subject = "You are already subscribed to Paperboy";
    const html = await toHtml(
      <Layout
        title={subject}
        footer={<p style="margin:0;">Someone (probably you) asked to subscribe this address again.</p>}
      >
        <p style="margin:0 0 16px;">This address already gets Paperboy digests. To change what you get, or to stop:</p>
        <p style="margin:0 0 16px;">
          <a href={input.links.preferences} style={button}>
            Manage your subscription
          </a>
        </p>
        <p style={`margin:0;${muted}`}>
          Or{" "}
          <a href={input.links.unsubscribe} style="color:#1f6feb;">
            unsubscribe
          </a>
          .
        </p>
      </Layout>,
    );
    const text = `This address already gets Paperboy digests.\n\nManage your subscription: ${input.links.preferences}\nUnsubscribe: ${input.links.unsubscribe}\n`;
    return { subject, html, text };
  }
  const subject = "Confirm your Paperboy subscription";
  const html = await toHtml(
    <Layout
      title={subject}
      footer={
        <p style="margin:0;">If you did not ask for this, ignore this mail: nothing is sent unless you confirm.</p>
      }
    >
      <p style="margin:0 0 16px;">Confirm that you want the top ML papers in your inbox:</p>
      <p style="margin:0 0 16px;">
        <a href={input.confirmUrl} style={button}>
          Confirm subscription
        </a>
      </p>
      <p style={`margin:0;${muted}`}>The link works for 7 days.</p>
    </Layout>,
  );
  const text = `Confirm that you want the top ML papers in your inbox:\n\n${input.confirmUrl}\n\nThe link works for 7 days. If you did not ask for this, ignore this mail: nothing is sent unless you confirm.\n`;
  return { subject, html, text };
}

/** A sign-in link: it opens a page with a button, so a mail scanner that follows it signs no one in. */
export async function renderSignin(input: { url: string }): Promise<RenderedMail> {
  const subject = "Sign in to Paperboy";
  const html = await toHtml(
    <Layout
      title={subject}
      footer={
        <p style="margin:0;">If you did not ask for this, ignore this mail: nobody can sign in without the link.</p>
      }
    >
      <p style="margin:0 0 16px;">Sign in to Paperboy with this link:</p>
      <p style="margin:0 0 16px;">
        <a href={input.url} style={button}>
          Sign in
        </a>
      </p>
      <p style={`margin:0;${muted}`}>The link works once, for 15 minutes.</p>
    </Layout>,
  );
  const text = `Sign in to Paperboy with this link:\n\n${input.url}\n\nThe link works once, for 15 minutes. If you did not ask for this, ignore this mail.\n`;
  return { subject, html, text };
}
