/**
 * Proves IVF training in a real DO: wake-up chunks delivered by the scheduler's alarm
 * (`runDurableObjectAlarm`), eviction mid-training (`abortAllDurableObjects`: the next instance
 * resumes from `vec_train` and answers exactly meanwhile), a 10k × 768 index trained and queried,
 * and one maximal JSON write (1,000 × 1,536 floats, under the 32 MiB cap) read back bit for bit.
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { seededRandom } from "@durable/vector";
import { describe, expect, it } from "vitest";
import { tenantApi } from "../src/index.ts";
import { call, env, uniqueTenant } from "./helpers.ts";
import { vectorTenant } from "./vector-fixture.ts";

/** A seeded Gaussian mixture (Box–Muller): `k` centres, points at centre + N(0, 0.3²). */
function mixture(n: number, d: number, k: number, seed: number): Float32Array[] {
  const r = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: k }, () => Float32Array.from({ length: d }, g));
  return Array.from({ length: n }, (_, i) => Float32Array.from(centres[i % k] as Float32Array, (c) => c + 0.3 * g()));
}

const trainRow = (tenant: string) =>
  runInDurableObject(
    env.TENANT.getByName(tenant),
    (_i, state) =>
      state.storage.sql
        .exec<{ phase: string; chunks: number; generation: number }>("SELECT phase, chunks, generation FROM vec_train")
        .toArray()[0],
  );

async function alarmsUntilTrained(tenant: string, max = 200): Promise<number> {
  let n = 0;
  while ((await trainRow(tenant)) !== undefined || n === 0) {
    if (n++ > max) throw new Error("training did not finish");
    await runDurableObjectAlarm(env.TENANT.getByName(tenant));
  }
  return n;
}

async function recall(tenant: string, name: string, queries: Float32Array[]): Promise<number> {
  const v = tenantApi(env.TENANT, tenant, "vector");
  let hits = 0;
  for (const q of queries) {
    const ivf = await v.queryVectors(name, q, { topK: 10 });
    const exact = await v.queryVectors(name, q, { topK: 10, exact: true });
    const truth = new Set(exact.matches.map((m) => m.id));
    hits += ivf.matches.filter((m) => truth.has(m.id)).length;
  }
  return hits / (10 * queries.length);
}

describe("IVF training in a DO", () => {
  it("runs as alarm-delivered chunks, survives eviction mid-training, and answers exactly meanwhile", async () => {
    const tenant = uniqueTenant("vtrain");
    const v = tenantApi(env.TENANT, tenant, "vector");
    await v.createVectorIndex({ name: "m", dimensions: 32, metric: "cosine", ivfThreshold: 1000 });
    const data = mixture(3100, 32, 60, 7);
    for (let i = 0; i < 3000; i += 1000) {
      await v.upsertVectors(
        "m",
        data.slice(i, i + 1000).map((values, j) => ({ id: `p${i + j}`, values })),
      );
    }
    expect((await v.describeVectorIndex("m")).mode).toBe("exact");
    for (let i = 0; i < 4; i++) await runDurableObjectAlarm(env.TENANT.getByName(tenant));
    const before = await trainRow(tenant);
    expect(before?.generation).toBe(1);
    abortAllDurableObjects();
    const q = data[3050] as Float32Array;
    const during = await v.queryVectors("m", q, { topK: 10 });
    const exact = await v.queryVectors("m", q, { topK: 10, exact: true });
    expect(during).toEqual(exact);
    await runDurableObjectAlarm(env.TENANT.getByName(tenant));
    const resumed = await trainRow(tenant);
    // Resumed, not restarted: the persisted chunk count goes on from where the evicted instance left it.
    expect(resumed?.chunks).toBeGreaterThan(before?.chunks ?? 0);
    expect(resumed?.generation).toBe(1);
    await alarmsUntilTrained(tenant);
    const info = await v.describeVectorIndex("m");
    expect(info).toMatchObject({ mode: "ivf", vectorCount: 3000 });
    expect(await recall(tenant, "m", data.slice(3000, 3020))).toBeGreaterThanOrEqual(0.95);
  });

  it("a 10k × 768 index is trained and queried in a DO (recall@10 ≥ 0.95)", async () => {
    const tenant = uniqueTenant("v10k");
    const v = tenantApi(env.TENANT, tenant, "vector");
    await v.createVectorIndex({ name: "big", dimensions: 768, metric: "cosine" });
    const data = mixture(10_020, 768, 100, 42);
    for (let i = 0; i < 10_000; i += 1000) {
      await v.upsertVectors(
        "big",
        data.slice(i, i + 1000).map((values, j) => ({ id: `p${i + j}`, values })),
      );
    }
    const t0 = Date.now();
    const alarms = await alarmsUntilTrained(tenant);
    const trainMs = Date.now() - t0;
    const info = await v.describeVectorIndex("big");
    expect(info).toMatchObject({ mode: "ivf", vectorCount: 10_000, corruptRows: 0 });
    const queries = data.slice(10_000);
    const t1 = Date.now();
    for (const q of queries) await v.queryVectors("big", q, { topK: 10 });
    const ivfMs = (Date.now() - t1) / queries.length;
    const t2 = Date.now();
    for (const q of queries) await v.queryVectors("big", q, { topK: 10, exact: true });
    const exactMs = (Date.now() - t2) / queries.length;
    const r = await recall(tenant, "big", queries);
    console.log(
      JSON.stringify({
        workerd_10k_768: { alarms, trainMs, recall_at_10: r, ivf_query_ms_mean: ivfMs, exact_query_ms_mean: exactMs },
      }),
    );
    expect(r).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  it("one maximal JSON write: 1,000 × 1,536 float32 values under the 32 MiB cap, read back bit for bit", async () => {
    const t = await vectorTenant("vmax");
    await t.post("/indexes", { name: "max", dimensions: 1536, metric: "euclidean" });
    const r = seededRandom(3);
    const vectors = Array.from({ length: 1000 }, (_, i) => ({
      id: `${"v".repeat(60)}${String(i).padStart(4, "0")}`,
      values: Array.from({ length: 1536 }, () => Math.fround(r())),
    }));
    const body = JSON.stringify({ vectors });
    expect(body.length).toBeGreaterThan(28 * 1024 * 1024);
    expect(body.length).toBeLessThanOrEqual(32 * 1024 * 1024);
    const res = await call(`${t.base}/indexes/max/upsert`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
      token: t.token,
    });
    expect(res.status).toBe(200);
    const v = tenantApi(env.TENANT, t.tenant, "vector");
    expect((await v.describeVectorIndex("max")).vectorCount).toBe(1000);
    const back = await v.getVectorsByIds("max", [vectors[0]?.id as string, vectors[999]?.id as string]);
    expect(back.map((b) => b.values)).toEqual([vectors[0]?.values, vectors[999]?.values]);
  }, 60_000);
});
