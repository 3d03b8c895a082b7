import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "#shared/db/client";
import { subscribers } from "#shared/db/schema";
import { formatDay } from "#shared/domain/periods";
import { parseDigestKey } from "#shared/mail/ledger";
import { createApp } from "../../workers/api/src/app";
import { captureQueue } from "../mail/mail-support";
import { insertPapers, ORIGIN } from "./site-support";

/**
 * Every period address (site pages and the API's date/week/month) with extreme values, checked
 * against a calendar written here independently of shared/domain/periods.ts (Hinnant's
 * days_from_civil, no Date): never a 500; a 4xx is a readable page (or the API's error shape);
 * a real period shows that period; every previous/next link leads to a page that works.
 */

// ---- The oracle: proleptic Gregorian calendar on day numbers (days since 1970-01-01). ----
const MIN_YEAR = 0;
const MAX_YEAR = 9999;
const leap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysInMonth = (y: number, m: number) => [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
function civilFromDays(z: number): string {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}
const FIRST_DAY = daysFromCivil(MIN_YEAR, 1, 1);
const LAST_DAY = daysFromCivil(MAX_YEAR, 12, 31);
/** ISO weekday, Monday 1 to Sunday 7 (1970-01-01 was a Thursday). */
const isoWeekday = (z: number) => ((((z + 3) % 7) + 7) % 7) + 1;
const weekOneMonday = (y: number) => {
  const jan4 = daysFromCivil(y, 1, 4);
  return jan4 - (isoWeekday(jan4) - 1);
};

interface Expected {
  /** First and last representable day of the period, or null when the value names no period. */
  range: { from: string; to: string } | null;
}

function expectDay(s: string): Expected {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return { range: null };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return { range: null };
  return { range: { from: s, to: s } };
}

function expectWeek(s: string): Expected {
  const m = /^(\d{4})-W(\d{2})$/.exec(s);
  if (!m) return { range: null };
  const [y, w] = [Number(m[1]), Number(m[2])];
  const weeks = (weekOneMonday(y + 1) - weekOneMonday(y)) / 7;
  if (w < 1 || w > weeks) return { range: null };
  const from = weekOneMonday(y) + 7 * (w - 1);
  // The last representable week (9999-W52) runs into year 10000: its representable days end on 9999-12-31.
  return { range: { from: civilFromDays(Math.max(from, FIRST_DAY)), to: civilFromDays(Math.min(from + 6, LAST_DAY)) } };
}

function expectMonth(s: string): Expected {
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  if (!m) return { range: null };
  const [y, mo] = [Number(m[1]), Number(m[2])];
  if (mo < 1 || mo > 12) return { range: null };
  return { range: { from: `${s}-01`, to: `${s}-${String(daysInMonth(y, mo)).padStart(2, "0")}` } };
}

// ---- The generated values. ----
const YEARS = ["0000", "0001", "0004", "0099", "0100", "1900", "1970", "2000", "2020", "2026", "9998", "9999"];
const BAD_YEARS = [
  "10000",
  "+275760",
  "275760",
  "-0001",
  "-000001",
  "999",
  "99999999999999999999",
  "9".repeat(2000),
  "２０２６",
  "2O26",
  "%3Cscript%3E",
];
const DAY_VALUES = [
  ...YEARS.flatMap((y) =>
    [
      "01-01",
      "01-04",
      "02-28",
      "02-29",
      "02-30",
      "03-01",
      "12-28",
      "12-31",
      "00-01",
      "01-00",
      "13-01",
      "12-32",
      "99-99",
    ].map((md) => `${y}-${md}`),
  ),
  ...BAD_YEARS.map((y) => `${y}-01-01`),
  "+275760-09-13",
  "-271821-04-20",
  "2026-6-12",
  "2026-06-12T00:00:00Z",
  "20260612",
  "2026-06-1%00",
  "",
];
const WEEK_VALUES = [
  ...YEARS.flatMap((y) => ["W00", "W01", "W02", "W51", "W52", "W53", "W54", "W99"].map((w) => `${y}-${w}`)),
  ...BAD_YEARS.map((y) => `${y}-W01`),
  "2026-W1",
  "2026-w24",
  "2026W24",
  "2026-W024",
];
const MONTH_VALUES = [
  ...YEARS.flatMap((y) => ["00", "01", "02", "12", "13", "99"].map((m) => `${y}-${m}`)),
  ...BAD_YEARS.map((y) => `${y}-01`),
  "2026-1",
  "2026-001",
  "202606",
];

const unique = (xs: string[]) => [...new Set(xs)].filter((x) => x !== "");
const KINDS = [
  { kind: "date", values: unique(DAY_VALUES), expect: expectDay },
  { kind: "week", values: unique(WEEK_VALUES), expect: expectWeek },
  { kind: "month", values: unique(MONTH_VALUES), expect: expectMonth },
] as const;

// Papers on the first and last representable days and inside the extreme weeks and months.
const SEEDED = [
  { id: "2601.90001", day: "0000-01-01", title: "Paper of the first representable day" },
  { id: "2601.90002", day: "0000-01-03", title: "Paper of the first week of year 0" },
  { id: "2601.90003", day: "0000-02-29", title: "Paper of the leap day of year 0" },
  { id: "2601.90004", day: "2020-12-31", title: "Paper of week 53 of 2020" },
  { id: "2601.90005", day: "9999-12-31", title: "Paper of the last representable day" },
];

let client = 0;
const fetchAs = (path: string) =>
  SELF.fetch(`${ORIGIN}${path}`, {
    headers: { "CF-Connecting-IP": `198.18.${(++client >> 8) & 255}.${client & 255}` },
    redirect: "manual",
  });

const seededIn = (range: { from: string; to: string }) =>
  SEEDED.filter((p) => p.day >= range.from && p.day <= range.to);
const PERIOD_LINK = /href="(\/papers\/(?:date|week|month)\/[^"?#]*)/g;

async function expectReadableErrorPage(res: Response, what: string) {
  const body = await res.text();
  expect(res.headers.get("Content-Type"), what).toMatch(/^text\/html/);
  expect(body.startsWith("<!doctype html>"), what).toBe(true);
  expect(body, what).toMatch(/<h1>[^<]+<\/h1>/);
  expect(body, what).toMatch(/<p class="notice">[^<]{10,}<\/p>/);
  expect(body, what).not.toMatch(/<script/i);
  return body;
}

/** The period links (previous/next, the period switch) on the page of every real generated period. */
async function linksOnPeriodPages(): Promise<Set<string>> {
  const linked = new Set<string>();
  for (const { kind, values, expect: oracle } of KINDS) {
    for (const value of values) {
      if (!oracle(decodeURIComponent(value)).range) continue;
      const body = await (await fetchAs(`/papers/${kind}/${value}`)).text();
      for (const m of body.matchAll(PERIOD_LINK)) linked.add(m[1]!);
    }
  }
  return linked;
}

beforeAll(() => insertPapers(SEEDED));

describe("period pages and API periods at the extremes", { timeout: 120_000 }, () => {
  for (const { kind, values, expect: oracle } of KINDS) {
    it(`/papers/${kind}/ answers every generated value with the period or a readable 4xx page`, async () => {
      for (const value of values) {
        const path = `/papers/${kind}/${value}`;
        const res = await fetchAs(path);
        const { range } = oracle(decodeURIComponent(value));
        expect(res.status, path).toBeLessThan(500);
        if (!range) {
          expect(res.status, path).toBeGreaterThanOrEqual(400);
          const body = await expectReadableErrorPage(res, path);
          const week = /^(\d{4})-W(\d{2})$/.exec(value);
          if (kind === "week" && week) expect(body, path).toContain(`${week[1]} has no week ${Number(week[2])}`);
          continue;
        }
        const body = await res.text();
        expect(res.status, `${path}: ${body.slice(0, 200)}`).toBe(200);
        if (kind === "date") {
          // The day itself, or the notice that names it and the day shown instead.
          expect(body, path).toContain(`datetime="${value}"`);
        } else {
          expect(body, path).toContain(`<link rel="canonical" href="${env.SITE_URL}/papers/${kind}/${value}"/>`);
          expect(body, path).toContain(`Papers featured from ${formatDay(range.from)} to ${formatDay(range.to)}`);
          for (const p of seededIn(range)) expect(body, `${path} lists ${p.id}`).toContain(p.title);
        }
      }
    });
  }

  it("an empty period in the path is a readable 4xx page", async () => {
    for (const path of ["/papers/date/", "/papers/week/", "/papers/month/", "/papers/date/%20", "/papers/week/%00"]) {
      const res = await fetchAs(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      await expectReadableErrorPage(res, path);
    }
  });

  it("every previous/next and period link on those pages names a real period that answers 200", async () => {
    const linked = await linksOnPeriodPages();
    expect(linked.size).toBeGreaterThan(10);
    for (const path of linked) {
      const [, kind, value] = /^\/papers\/(date|week|month)\/(.*)$/.exec(path)!;
      const oracle = KINDS.find((k) => k.kind === kind)!.expect;
      expect(oracle(value!).range, `${path} is not a real period`).not.toBeNull();
      const res = await fetchAs(path);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
  });

  it("the first and last representable periods link no further than the representable range", async () => {
    const links = async (path: string) =>
      [...(await (await fetchAs(path)).text()).matchAll(/<a href="([^"]+)" rel="(prev|next)"/g)].map(
        (m) => `${m[2]} ${m[1]}`,
      );
    expect(await links("/papers/week/0000-W01")).toEqual(["next /papers/week/0000-W02"]);
    expect(await links("/papers/week/9999-W52")).toEqual(["prev /papers/week/9999-W51"]);
    expect(await links("/papers/month/0000-01")).toEqual(["next /papers/month/0000-02"]);
    expect(await links("/papers/month/9999-12")).toEqual(["prev /papers/month/9999-11"]);
    expect(await links("/papers/date/0000-01-01")).toEqual(["next /papers/date/0000-01-03"]);
    expect(await links("/papers/date/9999-12-31")).toEqual(["prev /papers/date/2020-12-31"]);
  });

  it("the latest week and month redirects and the home page work when the latest day is the last representable one", async () => {
    expect((await fetchAs("/papers/week")).headers.get("Location")).toBe("/papers/week/9999-W52");
    expect((await fetchAs("/papers/month")).headers.get("Location")).toBe("/papers/month/9999-12");
    const home = await fetchAs("/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Paper of the last representable day");
  });

  for (const { kind, values, expect: oracle } of KINDS) {
    it(`/api/daily_papers?${kind}= answers every generated value with the period's papers or the JSON error shape`, async () => {
      for (const value of values) {
        const path = `/api/daily_papers?${kind}=${value}`;
        const res = await fetchAs(path);
        expect(res.status, path).toBeLessThan(500);
        expect(res.headers.get("Content-Type"), path).toMatch(/^application\/json/);
        const json: unknown = await res.json();
        const { range } = oracle(decodeURIComponent(value));
        if (!range) {
          expect(res.status, path).toBe(400);
          expect(json, path).toEqual({ error: expect.any(String), code: expect.any(String) });
          continue;
        }
        expect(res.status, `${path}: ${JSON.stringify(json).slice(0, 200)}`).toBe(200);
        const ids = (json as { paper: { id: string } }[]).map((item) => item.paper.id).sort();
        expect(ids, path).toEqual(
          seededIn(range)
            .map((p) => p.id)
            .sort(),
        );
      }
    });
  }

  it("/dev/digests (local runs) queues only periods the mailer can resolve, and answers a 4xx page for any other day", async () => {
    await createDb(env.DB)
      .insert(subscribers)
      .values([
        {
          id: "extreme-daily",
          email: "daily@example.com",
          status: "confirmed",
          frequency: "daily",
          categories: [],
          keywords: [],
        },
        {
          id: "extreme-weekly",
          email: "weekly@example.com",
          status: "confirmed",
          frequency: "weekly",
          categories: [],
          keywords: [],
        },
      ]);
    const app = createApp();
    for (const day of unique(DAY_VALUES)) {
      for (const frequency of ["daily", "weekly"]) {
        const q = captureQueue();
        const res = await app.request(
          `${ORIGIN}/dev/digests`,
          {
            method: "POST",
            body: new URLSearchParams({ day: decodeURIComponent(day), frequency }).toString(),
            headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN },
          },
          { ...env, DEV_MODE: "true", MAIL_QUEUE: q.queue },
        );
        const what = `${frequency} ${day}`;
        expect(res.status, what).toBeLessThan(500);
        if (res.status !== 200) {
          expect(res.status, what).toBeGreaterThanOrEqual(400);
          await expectReadableErrorPage(res, what);
          expect(q.sent, what).toEqual([]);
          continue;
        }
        await res.arrayBuffer();
        expect(expectDay(decodeURIComponent(day)).range, `${what} was accepted`).not.toBeNull();
        for (const message of q.sent as { period: string }[]) {
          const days = parseDigestKey(message.period)!.period;
          expect(
            days.from <= decodeURIComponent(day) && decodeURIComponent(day) <= days.to,
            `${what}: ${message.period}`,
          ).toBe(true);
        }
      }
    }
  });
});
