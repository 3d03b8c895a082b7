import { type EdgePaper, ingestRealCapture, insertPapers } from "../api/api-support";

/**
 * What the feed tests read: the real capture of 2026-06-12, a paper of 2026-06-11 whose title,
 * authors and abstract are hostile, an old-style id of 2026-06-10, and `more`.
 */
export async function seedFeeds(hostile: string, more: EdgePaper[] = []) {
  await ingestRealCapture();
  await insertPapers([
    {
      id: "2606.90001",
      day: "2026-06-11",
      title: hostile,
      authors: ["Zoë <Ünicode> & Co", "B. O'Brien"],
      abstract: hostile,
    },
    { id: "astro-ph/0601001", day: "2026-06-10", title: "Old-style id paper" },
    ...more,
  ]);
}
