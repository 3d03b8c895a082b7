import { feedToken } from "#shared/readers/feed-token";
import { FORMATS, type Format } from "../feeds/feed-format";

/** The addresses of the person's private feed, one per format; null before they asked for one. */
export async function feedAddresses(siteUrl: string, secret: string, feedKey: string | null) {
  if (!feedKey) return null;
  const token = await feedToken(secret, feedKey);
  return Object.fromEntries(FORMATS.map((f) => [f, `${siteUrl}/for-you/feed/${token}.${f}`])) as Record<Format, string>;
}
