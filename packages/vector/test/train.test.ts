/** Training as wake-up chunks: resumable after any chunk (eviction), correct answers meanwhile, bounded chunks. */
import { ManualClock, type Wake } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { createVectorStore, VECTOR_LIMITS, VectorCache, vectorCapability } from "../src/index.ts";
import { chunkVectors } from "../src/train/trainer.ts";
import { mixture, naiveTopK } from "./helpers.ts";

const N = 900;
const D = 8;
const data = mixture(N, D, 30, 0.2, 5);

async function seeded() {
  const db = openSqlite();
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock: new ManualClock(0) });
  const cap = host.use(vectorCapability((p) => createVectorStore(p, { cache: new VectorCache() })));
  await host.start();
  await cap.store.create({ name: "t", dimensions: D, metric: "cosine", ivfThreshold: 100 });
  await cap.store.index("t").upsert(data.points.map((values, i) => ({ id: `v${i}`, values })));
  return { db, host };
}

/** A store as a fresh DO instance would build it after eviction: same SQL, nothing in memory. */
function revived(db: ReturnType<typeof openSqlite>, keys: string[]) {
  const wake: Wake = { set: (key) => keys.push(key), cancel: () => {} };
  return createVectorStore(
    { sql: db.sql, transactionSync: db.transactionSync, clock: new ManualClock(0), wake },
    { cache: new VectorCache() },
  );
}

const snapshot = (db: ReturnType<typeof openSqlite>) => ({
  centroids: db.sql
    .exec(
      "SELECT generation, list_id, hex(centroid) AS c, hex(qmin) AS m, hex(qscale) AS s FROM vec_centroids ORDER BY list_id",
    )
    .toArray(),
  items: db.sql.exec("SELECT id, list_id, hex(code) AS code FROM vec_items ORDER BY id").toArray(),
  index: db.sql.exec("SELECT generation, trained_count, mode FROM vec_indexes").toArray(),
});

describe("training", () => {
  it("is resumable after any chunk: an evicted run ends in the same generation as an uninterrupted one, and answers stay exact meanwhile", async () => {
    const straight = await seeded();
    const chunks = (await straight.host.fireDueWakes()).length;
    expect(chunks).toBeGreaterThan(4);
    const want = snapshot(straight.db);
    expect(want.index).toEqual([{ generation: 1, trained_count: N, mode: "ivf" }]);
    const queries = data.points.slice(0, 3);
    const items = data.points.map((v, i): [string, Float32Array] => [`v${i}`, v]);
    for (let evictAfter = 1; evictAfter < chunks; evictAfter++) {
      const run = await seeded();
      // The first chunks run in the composed DO, then it is evicted mid-training.
      for (let i = 0; i < evictAfter; i++) {
        const due = run.host.wakes.takeDue(0);
        for (const w of due)
          await run.host.composition.deliverWake({ owner: w.owner, key: w.key, dueAt: 0, payload: null });
      }
      expect(run.db.sql.exec("SELECT count(*) AS n FROM vec_train").one().n).toBe(1);
      let keys = ["train:t"];
      while (keys.length > 0) {
        keys = [];
        const store = revived(run.db, keys);
        const r = await store.index("t").query(queries[0] as Float32Array, { topK: 5 });
        expect(r.matches.map((m) => m.id)).toEqual(
          naiveTopK("cosine", queries[0] as Float32Array, items, 5).map((m) => m.id),
        );
        await store.onWake({ owner: "vector", key: "train:t", dueAt: 0, payload: null });
      }
      expect(snapshot(run.db)).toEqual(want);
    }
  }, 30_000);

  it("chunks are bounded by count: ≤ 5,000 vectors and ≤ 10⁹ multiply-adds", () => {
    expect(chunkVectors(100, 128)).toBe(5000);
    expect(chunkVectors(1024, 1536)).toBe(635);
    for (const [nlist, d] of [
      [16, 1],
      [224, 768],
      [1024, 1536],
      [700, 1000],
    ] as const) {
      const c = chunkVectors(nlist, d);
      expect(c).toBeLessThanOrEqual(VECTOR_LIMITS.trainChunkVectors);
      expect(c * nlist * d).toBeLessThanOrEqual(VECTOR_LIMITS.trainChunkMultiplyAdds);
    }
  });

  it("writes during training are caught up before the swap", async () => {
    const run = await seeded();
    const store = revived(run.db, []);
    let steps = 0;
    // Run until the assign phase has staged some vectors, then write more and rewrite some.
    while (run.db.sql.exec("SELECT count(*) AS n FROM vec_train_assign").one().n === 0) {
      await store.onWake({ owner: "vector", key: "train:t", dueAt: 0, payload: null });
      steps++;
    }
    expect(steps).toBeGreaterThan(2);
    const late = data.point(4);
    await store.index("t").upsert([
      { id: "v0", values: data.point(3) },
      { id: "late", values: late },
    ]);
    const keys = ["x"];
    while (keys.length > 0) {
      keys.length = 0;
      await revived(run.db, keys).onWake({ owner: "vector", key: "train:t", dueAt: 0, payload: null });
    }
    expect(run.db.sql.exec("SELECT count(*) AS n FROM vec_items WHERE list_id IS NULL").one().n).toBe(0);
    const r = await revived(run.db, []).index("t").query(late, { topK: 1 });
    expect(r.matches[0]?.id).toBe("late");
    const info = await revived(run.db, []).index("t").describe();
    expect(info).toMatchObject({ mode: "ivf", vectorCount: N + 1 });
  });

  it("dropping an index is a 404 at once; its rows go 5,000 per wake-up", async () => {
    const run = await seeded();
    const store = revived(run.db, []);
    await store.index("t").upsert(Array.from({ length: 1000 }, (_, i) => ({ id: `w${i}`, values: data.point(i) })));
    for (let i = 0; i < 10; i++)
      await store
        .index("t")
        .upsert(Array.from({ length: 1000 }, (_, j) => ({ id: `z${i}-${j}`, values: data.point(j) })));
    const keys: string[] = [];
    const s2 = revived(run.db, keys);
    s2.drop("t");
    await expect(s2.index("t").describe()).rejects.toThrow(/INDEX_NOT_FOUND/);
    await s2.create({ name: "t", dimensions: 3, metric: "euclidean" });
    expect(keys).toEqual(["drop:1"]);
    let wakes = 0;
    while (keys.length > 0) {
      const key = keys.shift() as string;
      await s2.onWake({ owner: "vector", key, dueAt: 0, payload: null });
      wakes++;
    }
    expect(wakes).toBe(3);
    expect(run.db.sql.exec("SELECT count(*) AS n FROM vec_items").one().n).toBe(0);
    expect(run.db.sql.exec("SELECT id, name FROM vec_indexes").toArray()).toEqual([{ id: 2, name: "t" }]);
    expect((await s2.index("t").describe()).dimensions).toBe(3);
  });
});
