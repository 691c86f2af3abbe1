/** IVF: recall on a seeded mixture, filters in IVF mode, writes after training, retraining, corrupt codes. */
import { describe, expect, it } from "vitest";
import type { QueryTrace } from "../src/index.ts";
import { mixture, naiveTopK, setup } from "./helpers.ts";

async function trainedMixture(n: number, d: number) {
  const env = await setup();
  await env.store.create({
    name: "m",
    dimensions: d,
    metric: "cosine",
    metadataIndexes: [{ property: "tag", type: "string" }],
  });
  const data = mixture(n + 200, d, 200, 0.3, 42);
  const index = env.store.index("m");
  for (let i = 0; i < n; i += 1000) {
    await index.upsert(
      data.points.slice(i, i + 1000).map((values, j) => ({
        id: `p${i + j}`,
        values,
        metadata: { tag: i + j === 4321 ? "needle" : `t${(i + j) % 7}` },
      })),
    );
  }
  const fired = await env.host.fireDueWakes();
  return { ...env, data, queries: data.points.slice(n), fired };
}

describe("IVF", () => {
  it("recall@10 ≥ 0.95 on a seeded 10k × 128 mixture, with int8 lists and a rerank", async () => {
    const { store, queries, fired, data } = await trainedMixture(10_000, 128);
    const items = data.points.slice(0, 10_000).map((v, i): [string, Float32Array] => [`p${i}`, v]);
    expect(fired.length).toBeGreaterThan(3);
    const info = await store.index("m").describe();
    expect(info.mode).toBe("ivf");
    const local = store.local("m");
    if (!local) throw new Error("local");
    let hits = 0;
    let total = 0;
    for (const q of queries.slice(0, 100)) {
      const trace: QueryTrace = { mode: "exact", listsScanned: 0 };
      const ivf = local.querySync(q, { topK: 10 }, trace);
      expect(trace.mode).toBe("ivf");
      expect(trace.listsScanned).toBe(16);
      const exact = naiveTopK("cosine", q, items, 10);
      const truth = new Set(exact.map((m) => m.id));
      hits += ivf.matches.filter((m) => truth.has(m.id)).length;
      total += 10;
      // Re-scored from float32: a match found by both has the exact score.
      for (const m of ivf.matches) {
        const e = exact.find((x) => x.id === m.id);
        if (e) expect(Math.abs(e.score - m.score)).toBeLessThan(1e-6);
      }
    }
    expect(hits / total).toBeGreaterThanOrEqual(0.95);
  }, 30_000);

  it("a filter matching 1 of 10,000 is found in IVF mode; a broad filter still scans lists", async () => {
    const { store, data } = await trainedMixture(10_000, 32);
    const local = store.local("m");
    if (!local) throw new Error("local");
    const far = data.points[9000] as Float32Array;
    const trace: QueryTrace = { mode: "exact", listsScanned: 0 };
    const r = local.querySync(far, { topK: 5, filter: { tag: "needle" } }, trace);
    expect(r.matches.map((m) => m.id)).toEqual(["p4321"]);
    expect(trace.mode).toBe("filtered-exact");
    const broad = local.querySync(far, { topK: 10, filter: { tag: { $ne: "t3" } } }, trace);
    expect(trace.mode).toBe("ivf");
    expect(broad.count).toBe(10);
    const exact = local.querySync(far, { topK: 10, filter: { tag: { $ne: "t3" } }, exact: true });
    const truth = new Set(exact.matches.map((m) => m.id));
    expect(broad.matches.filter((m) => truth.has(m.id)).length).toBeGreaterThanOrEqual(9);
  }, 30_000);

  it("writes after training get a list and code in the same transaction and are found at once", async () => {
    const { store, data, db } = await trainedMixture(6000, 16);
    const index = store.index("m");
    const fresh = data.point(5);
    await index.upsert([{ id: "fresh", values: fresh }]);
    const row = db.sql.exec("SELECT list_id, length(code) AS n FROM vec_items WHERE id = 'fresh'").one();
    expect(row.list_id).not.toBeNull();
    expect(row.n).toBe(16);
    expect((await index.query(fresh, { topK: 1 })).matches[0]?.id).toBe("fresh");
    await index.deleteByIds(["fresh"]);
    expect((await index.query(fresh, { topK: 1 })).matches[0]?.id).not.toBe("fresh");
  });

  it("retrains at 4 × trained_count into generation 2, and a code of the wrong length is skipped and counted", async () => {
    const { store, db, host, data } = await trainedMixture(5000, 8);
    const gen = () =>
      db.sql
        .exec<{ generation: number; trained_count: number }>("SELECT generation, trained_count FROM vec_indexes")
        .one();
    expect(gen()).toEqual({ generation: 1, trained_count: 5000 });
    const index = store.index("m");
    for (let i = 0; i < 15_000; i += 1000) {
      await index.upsert(Array.from({ length: 1000 }, (_, j) => ({ id: `x${i + j}`, values: data.point(i + j) })));
    }
    expect(host.wakes.pending().map((w) => w.key)).toEqual(["train:m"]);
    await host.fireDueWakes();
    expect(gen()).toEqual({ generation: 2, trained_count: 20_000 });
    expect(db.sql.exec("SELECT count(*) AS n FROM vec_items WHERE list_id IS NULL").one().n).toBe(0);
    expect(db.sql.exec("SELECT DISTINCT generation FROM vec_centroids").toArray()).toEqual([{ generation: 2 }]);
    db.sql.exec("UPDATE vec_items SET code = ? WHERE id = 'p7'", new Uint8Array(3));
    expect((await index.describe()).corruptRows).toBe(1);
    const r = await index.query(data.points[7] as Float32Array, { topK: 3 });
    expect(r.matches.map((m) => m.id)).not.toContain("p7");
  }, 30_000);
});
