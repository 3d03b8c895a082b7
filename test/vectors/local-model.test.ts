import { createScheduledController, env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "#shared/db/client";
import { KEEP_FIRST } from "#shared/papers/fusion";
import { paperById, relatedPapers, searchPapers } from "#shared/papers/queries";
import { indexSteps } from "#shared/papers/term-index";
import { vectorArmFrom, vectorsFrom } from "#shared/vectors/from-env";
import { bytesOf, dequantise, dotInt8, int8Of, quantise } from "#shared/vectors/int8";
import {
  codeOf,
  codeScores,
  codeTable,
  decodeCentroids,
  localVectorIndex,
  MAX_PARTS,
  nearestCentroids,
  PROBES,
} from "#shared/vectors/local-index";
import {
  localEmbedder,
  MIN_TRAIN_PAPERS,
  maintainLocalModel,
  readTerms,
  trainLocalModel,
} from "#shared/vectors/local-model";
import { embedText } from "#shared/vectors/lsa";
import { activeSpace, embedWaiting } from "#shared/vectors/paper-vectors";
import { memoryForget } from "../../workers/api/src/cache/memory-tier";
import { scheduled } from "../../workers/ingest/src/index";
import { countingD1 } from "../site/site-support";
import { insertPapers } from "../support/catalog";
import { countOf, emptyDatabase } from "../support/database";
import * as fx from "../support/fixtures";
import { request } from "../support/request";
import { stubUpstream, xml } from "../support/upstream-stub";

/**
 * A catalog of TOPICS topics, each with its own words: what a model learnt from it must keep
 * apart. Ten papers a topic, so that a topic's words are in at most an eighth of the catalog (LSA
 * leaves out the words in more than a fifth of it).
 */
const TOPICS = {
  diffusion: "diffusion denoising sampler noise schedule pixels latent guidance inpainting",
  speech: "speech audio acoustic phoneme waveform speaker transcription prosody vocoder",
  robots: "robot manipulation grasping locomotion gripper trajectories actuator dexterous",
  graphs: "graph node edge message passing molecules neighbourhood spectral",
  proteins: "protein folding residue amino sequence structure binding enzyme",
  markets: "market portfolio trading price volatility asset hedging option",
  weather: "weather precipitation forecast climate ocean temperature storm satellite",
  chess: "chess opening endgame board move engine tactics grandmaster",
} as const;
type Topic = keyof typeof TOPICS;
const FILLER = "study evaluate experiments dataset performance baseline improve analysis".split(" ");
const PER_TOPIC = 10;

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

const idOf = (t: number, i: number) => `2602.${String(t).padStart(2, "0")}${String(i).padStart(3, "0")}`;
const topicOf = (id: string) => (Object.keys(TOPICS) as Topic[])[Number(id.slice(5, 7))]!;

async function insertCatalog(perTopic = PER_TOPIC, from = 0) {
  const random = rng(7 + from);
  const pick = (words: readonly string[], n: number) =>
    Array.from({ length: n }, () => words[Math.floor(random() * words.length)]!).join(" ");
  await insertPapers(
    (Object.entries(TOPICS) as [Topic, string][]).flatMap(([, words], t) =>
      Array.from({ length: perTopic }, (_, i) => {
        const own = words.split(" ");
        return {
          id: idOf(t, from + i),
          title: `${pick(own, 3)} ${pick(FILLER, 1)}`,
          abstract: `${pick(own, 25)} ${pick(FILLER, 12)}.`,
        };
      }),
    ),
  );
}

const db = () => createDb(env.DB);
const admin = { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json" };

/** The backfill as a script runs it: one chunk a call until none remain. */
async function backfill(limit = 30) {
  const remaining: number[] = [];
  for (let i = 0; i < 50; i++) {
    const res = await request("/admin/vectors/backfill", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ limit }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { remaining: number; space: string };
    remaining.push(body.remaining);
    if (!body.remaining) return { remaining, space: body.space };
  }
  throw new Error(`the backfill did not finish: ${remaining.join(", ")}`);
}

async function relatedOn(id: string) {
  memoryForget([`${env.SITE_URL}/papers/${id}`]);
  await caches.default.delete(new Request(`${env.SITE_URL}/papers/${id}`));
  const html = await (await request(`/papers/${id}`)).text();
  const section = html.slice(html.indexOf('<section aria-labelledby="related">'));
  return [...section.matchAll(/<li class="card[^"]*" id="paper-([^"]+)"/g)].map((m) => m[1]!);
}

beforeEach(async () => {
  await emptyDatabase();
});

describe("the local default", () => {
  it("learns from the catalog, fills its space by the backfill, and then answers related papers by meaning", async () => {
    await insertCatalog();
    const train = await request("/admin/vectors/train", { method: "POST", headers: admin });
    expect(train.status).toBe(200);
    const model = (await train.json()) as { space: string; dimensions: number; terms: number; sample: number };
    expect(model).toMatchObject({ status: "trained", sample: 8 * PER_TOPIC });
    expect(model.space).toMatch(/^lsa-\d{8}T\d{6}@\d+$/);
    expect(model.terms).toBeGreaterThan(50);
    // not answering before its space is complete
    expect(await activeSpace(db())).toBeNull();
    expect((await backfill()).space).toBe(model.space);
    expect(await activeSpace(db())).toBe(model.space);
    expect(await countOf("SELECT count(*) AS n FROM local_vectors WHERE space = ?", model.space)).toBe(8 * PER_TOPIC);

    // every paper's related papers are of its own topic, which shares no word with the others
    let same = 0;
    let all = 0;
    for (const t of [0, 3, 6]) {
      const id = idOf(t, 0);
      const related = await relatedOn(id);
      expect(related).toHaveLength(5);
      same += related.filter((r) => topicOf(r) === topicOf(id)).length;
      all += related.length;
    }
    expect(same / all).toBeGreaterThanOrEqual(0.9);

    // a curator switches related papers by meaning off: by words at once, no deploy
    const id = idOf(0, 0);
    const byWords = (await relatedPapers(db(), (await paperById(db(), id))!.paper)).map((p) => p.paper.id);
    const byMeaning = await relatedOn(id);
    expect(byWords).not.toEqual(byMeaning);
    const flip = (on: boolean) =>
      request("/admin/switches/related-by-meaning", { method: "POST", headers: admin, body: JSON.stringify({ on }) });
    expect((await flip(false)).status).toBe(200);
    expect(await relatedOn(id)).toEqual(byWords);
    expect((await flip(true)).status).toBe(200);
    expect(await relatedOn(id)).toEqual(byMeaning);
  });

  it("makes search hybrid offline: a sentence finds papers by meaning below the words' first places", async () => {
    await insertCatalog();
    await request("/admin/vectors/train", { method: "POST", headers: admin });
    await backfill();
    // a sentence of one topic's words and words no paper holds
    const q = "we study denoising diffusion samplers for guidance and inpainting in latent pixels";
    const res = await request(`/api/papers/search?q=${encodeURIComponent(q)}&limit=20`);
    expect(res.headers.get("X-Search-Ranking")).toBe("hybrid");
    const ids = ((await res.json()) as { paper: { id: string } }[]).map((r) => r.paper.id);
    expect(ids.slice(0, 10).every((id) => topicOf(id) === "diffusion")).toBe(true);
  });

  it("answers a sentence in two round trips once an isolate holds the model and its parts: the arm's statement in a batch with the words'", async () => {
    await insertCatalog();
    await request("/admin/vectors/train", { method: "POST", headers: admin });
    await backfill();
    await indexSteps(db(), { now: new Date(), steps: 100 });
    const { binding, counter } = countingD1(env.DB);
    // the words' first places only (KEEP_FIRST): no paper only the arm found is read for them
    const search = (q: string) => {
      const counted = createDb(binding);
      return searchPapers(counted, q, { limit: KEEP_FIRST - 1, vectorArm: vectorArmFrom(env, counted) });
    };
    const q = "speech waveform vocoder for speaker prosody in acoustic phoneme transcription";
    // the first reads what an isolate keeps: the model's terms, the probed clusters' parts
    expect((await search(q)).ranking).toBe("hybrid");
    counter.queries = 0;
    counter.roundTrips = 0;
    const { hits, ranking } = await search(q);
    expect(ranking).toBe("hybrid");
    expect(topicOf(hits[0]!.paper.id)).toBe("speech");
    // the words' lists with the arm's preface; then the words' candidates and the arm's best vectors
    expect(counter).toMatchObject({ queries: 3, roundTrips: 2 });
  });

  it("stores vectors as int8 within 0.001 of their cosine, filed under their nearest centroid, and a query reads the nearest clusters", async () => {
    const random = rng(3);
    const v = Float32Array.from({ length: 256 }, () => random() - 0.5);
    const norm = Math.hypot(...v);
    const unit = v.map((x) => x / norm);
    const { scale, data } = quantise(unit);
    expect(atob(data)).toHaveLength(256);
    // decoded as atob decodes, whatever the padding
    for (const length of [1, 2, 3, 4, 31, 256]) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      const text = btoa(String.fromCharCode(...bytes));
      expect([...int8Of(text)]).toEqual([...atob(text)].map((c) => (c.charCodeAt(0) << 24) >> 24));
    }
    const back = dequantise(data, scale);
    const cos = unit.reduce((a, x, i) => a + x * back[i]!, 0) / Math.hypot(...back);
    expect(cos).toBeGreaterThan(0.999);

    await insertCatalog();
    await request("/admin/vectors/train", { method: "POST", headers: admin });
    const { space } = await backfill();
    const model = await env.DB.prepare("SELECT centroids, dimensions, clusters FROM local_models").first<{
      centroids: string;
      dimensions: number;
      clusters: number;
    }>();
    const centroids = decodeCentroids(model!.centroids);
    expect(centroids).toHaveLength(model!.clusters * model!.dimensions);
    expect(model!.clusters).toBe(Math.round(Math.sqrt(8 * PER_TOPIC)));
    const { results: rows } = await env.DB.prepare(
      "SELECT paper_id, cluster, scale, vector FROM local_vectors WHERE space = ?",
    )
      .bind(space)
      .all<{ paper_id: string; cluster: number; scale: number; vector: string }>();
    for (const r of rows)
      expect(r.cluster).toBe(nearestCentroids(centroids, model!.dimensions, dequantise(r.vector, r.scale), 1)[0]);

    // the index's answer is the brute-force answer over the probed clusters, and leaves the others out
    const vectors = (await vectorsFrom(env, db()))!;
    const [query] = await vectors.embedder.embed(["grasping robot trajectories with a dexterous gripper"], "query");
    const probed = new Set(nearestCentroids(centroids, model!.dimensions, query!, PROBES));
    const brute = rows
      .filter((r) => probed.has(r.cluster))
      .map((r) => ({ id: r.paper_id, score: dequantise(r.vector, r.scale).reduce((a, x, i) => a + x * query![i]!, 0) }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, 10)
      .map((r) => r.id);
    const near = await vectors.index.nearest(space, query!, { topK: 10 });
    expect(near.map((n) => n.paperId)).toEqual(brute);
    expect(near.map((n) => topicOf(n.paperId)).slice(0, 5)).toEqual(Array(5).fill("robots"));
  });

  it("learns again when the catalog has doubled; the old model answers until the new space is complete, then goes", async () => {
    await insertCatalog();
    await maintainLocalModel(db(), new Date("2026-06-01T00:00:00Z"));
    const first = (await env.DB.prepare("SELECT space FROM local_models").first<{ space: string }>())!.space;
    await backfill();
    expect(await activeSpace(db())).toBe(first);
    // not yet doubled: nothing learnt
    expect(await maintainLocalModel(db(), new Date("2026-06-01T01:00:00Z"))).toBeNull();

    await insertCatalog(PER_TOPIC, 100);
    const second = await maintainLocalModel(db(), new Date("2026-06-01T02:00:00Z"));
    expect(second?.space).not.toBe(first);
    const vectors = (await vectorsFrom(env, db()))!;
    expect(vectors.embedder.key).toBe(second!.space);
    const chunk = await embedWaiting(db(), vectors, { limit: 50, now: new Date() });
    expect(chunk.remaining).toBeGreaterThan(0);
    expect(await activeSpace(db())).toBe(first);
    expect((await relatedOn(idOf(1, 0))).length).toBe(5);

    await backfill();
    expect(await activeSpace(db())).toBe(second!.space);
    expect(await maintainLocalModel(db(), new Date("2026-06-01T03:00:00Z"))).toBeNull();
    expect(await countOf("SELECT count(*) AS n FROM local_models")).toBe(1);
    expect(await countOf("SELECT count(*) AS n FROM local_vectors WHERE space = ?", first)).toBe(0);
    expect(await countOf("SELECT count(*) AS n FROM local_packs WHERE space = ?", first)).toBe(0);
    expect(await countOf("SELECT count(*) AS n FROM local_model_terms WHERE space = ?", first)).toBe(0);
    expect(await countOf("SELECT count(*) AS n FROM paper_vectors WHERE space = ?", first)).toBe(0);
  });

  it("never uses a model whose learning was killed before its last term, and drops it an hour later", async () => {
    await insertCatalog();
    const at = new Date("2026-06-01T00:00:00Z");
    const model = await trainLocalModel(db(), at);
    // as if killed while writing its terms: ready_at unset, some terms missing
    await env.DB.prepare("UPDATE local_models SET ready_at = NULL WHERE space = ?").bind(model.space).run();
    expect(await vectorsFrom(env, db())).toBeNull();
    const off = await request("/admin/vectors/backfill", { method: "POST", headers: admin, body: "{}" });
    expect(off.status).toBe(503);

    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect((await maintainLocalModel(db(), new Date(at.getTime() + 30 * 60_000)))?.space).toBeDefined();
    warn.mockRestore();
    // the killed one is younger than an hour at that point: kept (a run may be writing it)
    expect(await countOf("SELECT count(*) AS n FROM local_models WHERE space = ?", model.space)).toBe(1);
    await maintainLocalModel(db(), new Date(at.getTime() + 2 * 3_600_000));
    expect(await countOf("SELECT count(*) AS n FROM local_models WHERE space = ?", model.space)).toBe(0);
  });

  it("is learnt and filled by the ingest worker's hourly cron by itself, without Workers AI", async () => {
    await insertCatalog();
    stubUpstream({
      "https://hf.test/api/daily_papers": () => new Response("down", { status: 503 }),
      "https://export.arxiv.test/api/query": () => xml(fx.atomZeroResults),
    });
    const hourly = () =>
      scheduled(createScheduledController({ cron: "15 * * * *", scheduledTime: Date.parse("2026-06-13T06:15:00Z") }), {
        ...env,
        ARXIV_MIN_INTERVAL_MS: "0",
      });
    await hourly();
    const space = await activeSpace(db());
    expect(space).toMatch(/^lsa-/);
    expect(await countOf("SELECT count(*) AS n FROM local_vectors WHERE space = ?", space)).toBe(8 * PER_TOPIC);
    // the next hour: nothing to learn, nothing waits
    await hourly();
    expect(await countOf("SELECT count(*) AS n FROM local_models")).toBe(1);
    vi.restoreAllMocks();
  });

  it("refuses to learn from too small a catalog, and changes nothing", async () => {
    await insertCatalog(Math.floor((MIN_TRAIN_PAPERS - 1) / 8));
    const res = await request("/admin/vectors/train", { method: "POST", headers: admin });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "not_trained", error: expect.stringMatching(/at least 50/) });
    expect(await countOf("SELECT count(*) AS n FROM local_models")).toBe(0);
    expect(await countOf("SELECT count(*) AS n FROM audit_log")).toBe(0);
  });
});

describe("the local index's packs", () => {
  /**
   * A ready model learnt from the topics' catalog, and its space's index. Each in a space of its own,
   * as models are (named by the second they were learnt), and none the other tests here use: an
   * isolate keeps a model's centroids and terms by its space.
   */
  let learning = 0;
  async function learnt() {
    await insertCatalog();
    const model = await trainLocalModel(db(), new Date(Date.UTC(2030, 0, 1) + 1000 * learning++));
    return { space: model.space, dimensions: model.dimensions, index: localVectorIndex(db()) };
  }

  /** A unit vector of `dimensions` random components. */
  function unitVector(random: () => number, dimensions: number) {
    const v = Float32Array.from({ length: dimensions }, () => random() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }

  const metadata = { month: "2025-01", category: "cs.LG" };

  it("score a stored vector read straight from its base64 as its decoded int8 components do, for any number of dimensions", () => {
    const random = rng(13);
    for (const dimensions of [256, 255, 254, 7, 2, 1]) {
      const x = unitVector(random, dimensions);
      for (let n = 0; n < 5; n++) {
        const { data } = quantise(unitVector(random, dimensions));
        const components = int8Of(data);
        expect(components).toHaveLength(dimensions);
        expect(dotInt8(data, x)).toBeCloseTo(
          components.reduce((a, c, i) => a + c * x[i]!, 0),
          5,
        );
      }
    }
  });

  it("score a code as the query's dot product with the vector's signs, for any number of dimensions", () => {
    const random = rng(11);
    for (const dimensions of [256, 50, 7]) {
      const vectors = Array.from({ length: 5 }, () => unitVector(random, dimensions));
      const x = unitVector(random, dimensions);
      const codes = vectors.map(codeOf);
      // no base64 padding: codes joined end to end are read as one
      expect(codes.every((c) => !c.includes("=") && c.length === codes[0]!.length)).toBe(true);
      const scores = codeScores(bytesOf(codes.join("")), codeTable(x));
      expect(scores).toHaveLength(5);
      vectors.forEach((v, n) => {
        const exact = x.reduce((a, xi, i) => a + xi * (v[i]! > 0 ? 1 : -1), 0);
        expect(scores[n]).toBeCloseTo(exact, 5);
      });
    }
  });

  it("embed with the model's terms read whole once per isolate: no statement after the first, whatever the words", async () => {
    const { space, dimensions } = await learnt();
    const { binding, counter } = countingD1(env.DB);
    const text = "grasping robot trajectories with a dexterous gripper";
    const [first] = await localEmbedder(createDb(binding), { space, dimensions }).embed([text], "query");
    expect(counter.queries).toBe(1);
    // another embedder of the model, words never asked and a word the model lacks: nothing read
    const again = localEmbedder(createDb(binding), { space, dimensions });
    const [same, other] = await again.embed([text, "gripper actuator zxqv"], "query");
    expect(counter.queries).toBe(1);
    expect(same).toEqual(first);
    expect(other).not.toEqual(first);
    // what the stored rows give, term by term
    const rows = (
      await env.DB.prepare("SELECT term, idf, scale, vector FROM local_model_terms WHERE space = ?").bind(space).all<{
        term: string;
        idf: number;
        scale: number;
        vector: string;
      }>()
    ).results;
    const byTerm = new Map(rows.map((r) => [r.term, { idf: r.idf * r.scale, row: int8Of(r.vector) }]));
    expect(first).toEqual(embedText(text, dimensions, (term) => byTerm.get(term)));
  });

  it("read a model's terms alike in rows of any size", async () => {
    const { space } = await learnt();
    const whole = await readTerms(db(), space);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM local_model_terms WHERE space = ?")
      .bind(space)
      .first<{ n: number }>();
    expect(whole.size).toBe(stored!.n);
    expect(whole.size).toBeGreaterThan(20);
    expect(await readTerms(db(), space, 7)).toEqual(whole);
  });

  it("hold every vector once in its cluster's parts, at most MAX_PARTS parts a cluster, however many upserts", async () => {
    const { space, dimensions, index } = await learnt();
    const random = rng(5);
    const ids = Object.keys(TOPICS).flatMap((_, t) => Array.from({ length: PER_TOPIC }, (_, i) => idOf(t, i)));
    // one paper an upsert: the parts of a cluster pile up and are merged again and again
    for (const paperId of ids)
      await index.upsert(space, [{ paperId, vector: unitVector(random, dimensions), metadata }]);
    const parts = await env.DB.prepare(
      "SELECT cluster, count(*) AS parts, sum(papers) AS papers, group_concat(ids, ' ') AS ids, sum(length(codes)) AS chars FROM local_packs WHERE space = ? GROUP BY cluster",
    )
      .bind(space)
      .all<{ cluster: number; parts: number; papers: number; ids: string; chars: number }>();
    const { results: rows } = await env.DB.prepare("SELECT paper_id, cluster FROM local_vectors WHERE space = ?")
      .bind(space)
      .all<{ paper_id: string; cluster: number }>();
    expect(rows).toHaveLength(ids.length);
    for (const part of parts.results) {
      expect(part.parts).toBeLessThanOrEqual(MAX_PARTS);
      const own = rows.filter((r) => r.cluster === part.cluster).map((r) => r.paper_id);
      expect(part.ids.split(" ").sort()).toEqual(own.sort());
      expect(part.chars).toBe(part.papers * codeOf(new Float32Array(dimensions)).length);
    }
    expect(parts.results.reduce((a, p) => a + p.papers, 0)).toBe(ids.length);
    expect(parts.results.some((p) => p.papers > MAX_PARTS)).toBe(true);
  });

  it("find a paper upserted after a query read its cluster: an isolate keeps the parts it read, never a part's later state", async () => {
    const { space, dimensions, index } = await learnt();
    const random = rng(13);
    const ids = Array.from({ length: PER_TOPIC }, (_, i) => idOf(2, i));
    await index.upsert(
      space,
      ids.slice(0, 5).map((paperId) => ({ paperId, vector: unitVector(random, dimensions), metadata })),
    );
    const query = unitVector(random, dimensions);
    const before = await index.nearest(space, query, { topK: PER_TOPIC });
    expect(before).toHaveLength(5);
    // one at a time: each in a part of its own, none of which the isolate has read
    for (const paperId of ids.slice(5)) await index.upsert(space, [{ paperId, vector: query, metadata }]);
    const after = await index.nearest(space, query, { topK: PER_TOPIC });
    expect(after).toHaveLength(PER_TOPIC);
    expect(new Set(after.slice(0, 5).map((n) => n.paperId))).toEqual(new Set(ids.slice(5)));
    expect(await index.nearest(space, query, { topK: PER_TOPIC })).toEqual(after);
  });

  it("read no part at a version it holds the probed clusters' parts at, and every part written since at a new one", async () => {
    const { space, dimensions } = await learnt();
    const { binding, counter } = countingD1(env.DB);
    const index = localVectorIndex(createDb(binding));
    const random = rng(17);
    const ids = Array.from({ length: PER_TOPIC }, (_, i) => idOf(3, i));
    await index.upsert(
      space,
      ids.slice(0, 5).map((paperId) => ({ paperId, vector: unitVector(random, dimensions), metadata })),
    );
    const versionNow = async () =>
      (await db().get<{ v: string }>(sql`SELECT ${index.versionOf!(sql`${space}`)} AS v`))!.v;
    const query = unitVector(random, dimensions);
    const version = await versionNow();
    const nearest = (v: string) => index.nearest(space, query, { topK: PER_TOPIC, version: v });
    const first = await nearest(version);
    expect(first).toHaveLength(5);
    // the same version: only the best vectors are read, the parts not at all
    const before = counter.queries;
    expect(await nearest(version)).toEqual(first);
    expect(counter.queries - before).toBe(1);
    // papers upserted since: a new version, their parts read
    for (const paperId of ids.slice(5)) await index.upsert(space, [{ paperId, vector: query, metadata }]);
    const newer = await versionNow();
    expect(newer).not.toBe(version);
    const after = await nearest(newer);
    expect(after).toHaveLength(PER_TOPIC);
    expect(new Set(after.slice(0, 5).map((n) => n.paperId))).toEqual(new Set(ids.slice(5)));
  });

  it("find a paper's neighbours from what a caller read with the paper, as by their own statement, and none without a vector", async () => {
    const { space, dimensions } = await learnt();
    const { binding, counter } = countingD1(env.DB);
    const index = localVectorIndex(createDb(binding));
    const random = rng(19);
    const ids = Array.from({ length: PER_TOPIC }, (_, i) => idOf(1, i));
    // near one direction, so that they share a cluster: the paper's own holds its neighbours
    const base = unitVector(random, dimensions);
    const near = () => {
      const v = base.map((x) => x + (random() - 0.5) * 0.01);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    await index.upsert(
      space,
      ids.slice(1).map((paperId) => ({ paperId, vector: near(), metadata })),
    );
    const read = async (paperId: string) =>
      (await db().get<{ pack: string | null }>(sql`SELECT ${index.neighbourhoodOf!(sql`${space}`, paperId)} AS pack`))!
        .pack;
    const own = await index.neighboursOf(space, ids[1]!, { topK: 3 });
    expect(own).toHaveLength(3);
    const before = counter.queries;
    expect(await index.neighboursOf(space, ids[1]!, { topK: 3, neighbourhood: await read(ids[1]!) })).toEqual(own);
    expect(counter.queries).toBe(before);
    // a paper without a vector: nothing read, no neighbours
    expect(await read(ids[0]!)).toBeNull();
    expect(await index.neighboursOf(space, ids[0]!, { topK: 3, neighbourhood: null })).toEqual([]);
  });

  it("read each vector back with its stored scale, from a unit vector's to one with components of 10^8", async () => {
    const { space, dimensions, index } = await learnt();
    const random = rng(11);
    const ids = Array.from({ length: 6 }, (_, i) => idOf(0, i));
    const vectors = ids.map((paperId, i) => ({
      paperId,
      // unit vectors, then components up to 10^4 and 10^8, far past what an embedder answers
      vector: unitVector(random, dimensions).map((x) => x * [1, 1, 1, 1, 1e4, 1e8][i]!),
      metadata,
    }));
    await index.upsert(space, vectors);
    const { results: stored } = await env.DB.prepare(
      "SELECT paper_id, scale, vector FROM local_vectors WHERE space = ?",
    )
      .bind(space)
      .all<{ paper_id: string; scale: number; vector: string }>();
    const exact = new Map(stored.map((r) => [r.paper_id, dequantise(r.vector, r.scale)]));
    const read = await index.vectorsOf!(space, ids);
    expect(read.size).toBe(ids.length);
    for (const id of ids)
      for (const [i, x] of exact.get(id)!.entries())
        expect(Math.abs(read.get(id)![i]! - x)).toBeLessThanOrEqual(1e-7 * Math.abs(x));
    // and the neighbours' scores are the stored vectors' dot products
    const own = exact.get(ids[0]!)!;
    const near = await index.neighboursOf!(space, ids[0]!, { topK: ids.length - 1 });
    expect(near.length).toBeGreaterThan(0);
    for (const n of near) {
      const dot = exact.get(n.paperId)!.reduce((a, x, i) => a + x * own[i]!, 0);
      expect(Math.abs(n.score - dot)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(dot)));
    }
  });

  it("answer a paper upserted again once, by its current vector, and no vector deleted", async () => {
    const { space, dimensions, index } = await learnt();
    const random = rng(9);
    const ids = Array.from({ length: PER_TOPIC }, (_, i) => idOf(0, i));
    const first = ids.map((paperId) => ({ paperId, vector: unitVector(random, dimensions), metadata }));
    await index.upsert(space, first);
    const query = first[0]!.vector;
    expect((await index.nearest(space, query, { topK: 3 }))[0]).toMatchObject({ paperId: ids[0] });

    // its text changed: a new vector, its old code still in the old part
    const moved = unitVector(random, dimensions);
    await index.upsert(space, [{ paperId: ids[0]!, vector: moved, metadata }]);
    const near = await index.nearest(space, query, { topK: PER_TOPIC });
    expect(near.filter((n) => n.paperId === ids[0])).toHaveLength(1);
    const current = near.find((n) => n.paperId === ids[0])!;
    expect(current.score).toBeCloseTo(
      query.reduce((a, x, i) => a + x * moved[i]!, 0),
      2,
    );

    await index.delete(space, [ids[1]!]);
    const after = await index.nearest(space, first[1]!.vector, { topK: PER_TOPIC });
    expect(after.map((n) => n.paperId)).not.toContain(ids[1]);
    expect(after).toHaveLength(PER_TOPIC - 1);
  });
});
