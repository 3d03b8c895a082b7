/**
 * The crons of workers/ingest/wrangler.toml (a test keeps them equal): two after arXiv's
 * announcement (one is in summer time, the other in winter time), and the hourly daily feed.
 */
export const CRONS = {
  announcementSummer: "30 0 * * MON-FRI",
  announcementWinter: "30 1 * * MON-FRI",
  hourly: "15 * * * *",
} as const;

/** arXiv's calendar runs on US Eastern time, summer and winter alike. */
const EASTERN = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  weekday: "short",
  hour: "numeric",
  hourCycle: "h23",
});

export function easternClock(at: Date): { weekday: string; hour: number } {
  const parts = Object.fromEntries(EASTERN.formatToParts(at).map((p) => [p.type, p.value]));
  return { weekday: parts.weekday ?? "", hour: Number(parts.hour) };
}

/**
 * arXiv announces Sunday to Thursday at 20:00 Eastern. The cron fires at 00:30 and 01:30 UTC on
 * Monday to Friday; exactly one of the two falls in the 20:00 hour in New York, whichever the
 * season.
 */
export function isArxivAnnouncementHour(at: Date): boolean {
  const { weekday, hour } = easternClock(at);
  return hour === 20 && ["Sun", "Mon", "Tue", "Wed", "Thu"].includes(weekday);
}
