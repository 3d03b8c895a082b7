import type { HtmlEscapedString } from "hono/utils/html";

/** A readable page for any error outside /api; the message is escaped by JSX. */
export function errorPage(status: number, message: string): HtmlEscapedString | Promise<HtmlEscapedString> {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${status} · Paperboy`}</title>
      </head>
      <body>
        <main>
          <h1>{status === 404 ? "Not found" : "Something is not right"}</h1>
          <p>{message}</p>
          <p>
            <a href="/">Back to today's papers</a>
          </p>
        </main>
      </body>
    </html>
  );
}
