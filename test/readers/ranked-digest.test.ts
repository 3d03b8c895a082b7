import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { vectorsFrom } from "#shared/vectors/from-env";
import { embedWaiting } from "#shared/vectors/paper-vectors";
import { deliver, mailerEnv, seedPapers, seedSubscribers, stubResend } from "../mail/mail-support";
import { signedInAccount } from "../support/accounts";
import { emptyDatabase } from "../support/database";
import { type FakeVectorize, fakeAi, fakeVectorize } from "../support/fake-vectors";
import { request } from "../support/request";

// The day's 30 papers: "Paper i", upvotes 100 - i, "on diffusion" in every third title.
let vz: FakeVectorize;
const titles = (text: string) => text.match(/^\d+\. .*$/gm)!.map((line) => line.replace(/^\d+\. /, ""));

beforeEach(async () => {
  await emptyDatabase();
  await seedPapers(30);
  const ai = fakeAi();
  vz = fakeVectorize();
  const vectors = (await vectorsFrom({ ...env, AI: ai, VECTORIZE: vz }, createDb(env.DB)))!;
  expect(await embedWaiting(createDb(env.DB), vectors, { limit: 100, now: new Date() })).toMatchObject({
    remaining: 0,
  });
});
afterEach(() => vi.restoreAllMocks());

/** A subscriber of `email` who is also an account, ranking by `ranked`, following the topic "diffusion" from `since`. */
async function reader(handle: string, ranked: boolean, since = "2026-06-01T00:00:00.000Z") {
  const account = await signedInAccount(handle);
  const email = `${handle}@example.com`;
  const [sub] = await seedSubscribers([{ email }]);
  await env.DB.prepare("UPDATE subscribers SET ranked_for_me = ? WHERE id = ?")
    .bind(ranked ? 1 : 0, sub!.id)
    .run();
  await env.DB.prepare(
    "INSERT INTO follows (account_id, kind, key, label, created_at) VALUES (?, 'topic', 'diffusion', 'diffusion', ?)",
  )
    .bind(account.id, since)
    .run();
  return { ...account, email, subscriberId: sub!.id };
}

const digestOf = async (people: { subscriberId: string; email: string }[]) => {
  const stub = stubResend();
  await deliver(
    people.map((p, i) => ({
      id: `m${i}`,
      attempts: 1,
      body: { kind: "digest", subscriberId: p.subscriberId, period: "daily:2026-06-12" },
    })),
    mailerEnv({ VECTORIZE: vz } as never),
  );
  return (email: string) => stub.delivered.get(email)![0]!;
};

describe("digests ranked for me", () => {
  it("order the day's papers by the reader's model, as of the period's end; others keep the most upvoted first", async () => {
    const ranked = await reader("ranked", true);
    const late = await reader("late", true, "2026-06-13T08:00:00.000Z");
    const plain = await reader("plain", false);
    const mailOf = await digestOf([ranked, late, plain]);
    const mine = mailOf(ranked.email);
    // the topic's ten papers, most upvoted first among them
    expect(titles(mine.text)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27].map((i) => `Paper ${i} on diffusion`));
    expect(mine.text).toContain("Your papers of Jun 12, 2026");
    expect(mine.text).toContain("ranked for you by what you upvoted and follow");
    // a follow made after the day's end does not reorder that day's digest
    expect(titles(mailOf(late.email).text)).toEqual(titles(mailOf(plain.email).text));
    expect(titles(mailOf(plain.email).text)[1]).toBe("Paper 1");
    expect(mailOf(plain.email).text).toContain("Top papers of Jun 12, 2026");
  });

  it("the same mail when rendered again after the reader followed more", async () => {
    const ranked = await reader("again", true);
    const first = (await digestOf([ranked]))(ranked.email);
    await env.DB.prepare("DELETE FROM deliveries").run();
    // a topic only "Paper 1" matches: as of now it would come first
    await env.DB.prepare(
      "INSERT INTO follows (account_id, kind, key, label, created_at) VALUES (?, 'topic', 'paper 1', 'Paper 1', '2026-06-14T00:00:00.000Z')",
    )
      .bind(ranked.id)
      .run();
    const second = (await digestOf([ranked]))(ranked.email);
    expect(second.text).toBe(first.text);
    expect(second.html).toBe(first.html);
  });

  it("is chosen on the account page, which refuses a bad value and an address without a subscription", async () => {
    const ranked = await reader("chooser", false);
    const post = (ranked_: string, cookie = ranked.cookie) =>
      request("/account/digest-order", { method: "POST", headers: { Cookie: cookie } }, { form: { ranked: ranked_ } });
    expect((await post("yes")).status).toBe(303);
    const flag = async () =>
      (await env.DB.prepare("SELECT ranked_for_me AS r FROM subscribers WHERE id = ?")
        .bind(ranked.subscriberId)
        .first<{ r: number }>())!.r;
    expect(await flag()).toBe(1);
    expect((await post("maybe")).status).toBe(400);
    expect(await flag()).toBe(1);
    const page = await (await request("/account", { headers: { Cookie: ranked.cookie } })).text();
    expect(page).toContain("Your digest lists its papers ranked for you");
    const stranger = await signedInAccount("no-subscription");
    expect((await post("yes", stranger.cookie)).status).toBe(400);
  });
});
