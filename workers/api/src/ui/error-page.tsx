import type { HtmlEscapedString } from "hono/utils/html";
import { Layout } from "./layout";

/** A readable page for any error outside /api; the message is escaped by JSX. */
export function errorPage(status: number, message: string): HtmlEscapedString | Promise<HtmlEscapedString> {
  const heading =
    status === 404
      ? "Not found"
      : status === 429
        ? "Too many requests"
        : status < 500
          ? "That did not work"
          : "Something went wrong";
  return (
    <Layout title={`${status} ${heading}`} nav={null}>
      <h1>{heading}</h1>
      <p class="notice">{message}</p>
      <p>
        <a href="/">Back to the latest papers</a> · <a href="/search">Search</a>
      </p>
    </Layout>
  ) as HtmlEscapedString;
}
