import { Hono } from "hono";
import { createDb } from "../../../../shared/db/client";
import { latestDayWithPapers, papersOfDay } from "../../../../shared/papers/queries";
import type { AppEnv } from "../env";

export const siteRoutes = new Hono<AppEnv>();

siteRoutes.get("/", async (c) => {
  const db = createDb(c.env.DB);
  const day = await latestDayWithPapers(db);
  const papers = day ? await papersOfDay(db, day) : [];
  return c.html(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Daily Papers · Paperboy</title>
      </head>
      <body>
        <main>
          <h1>Daily Papers</h1>
          {day ? <p>{day}</p> : <p>No papers yet.</p>}
          <ol>
            {papers.map((p) => (
              <li>
                <a href={`https://arxiv.org/abs/${p.id}`}>{p.title}</a> · {p.upvotes} upvotes
              </li>
            ))}
          </ol>
        </main>
      </body>
    </html>,
  );
});
