/** Writes: all or nothing, insert vs upsert, idempotent deletes, the shared cache's budget. */
import { ManualClock, type Sql } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { createVectorStore, VectorCache, vectorCapability } from "../src/index.ts";
import { codeOf, mixture, setup } from "./helpers.ts";

describe("all or nothing", () => {
  it("a bad record at position 999 writes nothing of its call", async () => {
    const { store } = await setup();
    await store.create({ name: "w", dimensions: 3, metric: "cosine" });
    const index = store.index("w");
    await index.upsert([{ id: "keep", values: [1, 2, 3], metadata: { v: 1 } }]);
    const batch = Array.from({ length: 1000 }, (_, i) => ({ id: i === 0 ? "keep" : `n${i}`, values: [1, i, 2] }));
    batch[999] = { id: "bad", values: [1, Number.NaN, 2] };
    expect(await codeOf(() => index.upsert(batch))).toBe("INVALID_VECTOR");
    const kept = await index.getByIds(["keep", "n1", "n998"]);
    expect(kept).toEqual([{ id: "keep", values: [1, 2, 3], metadata: { v: 1 } }]);
    expect((await index.describe()).vectorCount).toBe(1);
  });

  it("a storage fault in the middle of a call rolls the whole call back", async () => {
    const db = openSqlite();
    let inserts = 0;
    let failAt = Number.POSITIVE_INFINITY;
    const sql: Sql = {
      exec: (query, ...bindings) => {
        if (query.includes("INSERT INTO vec_items") && ++inserts === failAt)
          throw new Error("disk I/O error: SQLITE_IOERR");
        return db.sql.exec(query, ...bindings);
      },
    };
    const host = new TestHost({ sql, transactionSync: db.transactionSync, clock: new ManualClock(0) });
    const cap = host.use(vectorCapability((p) => createVectorStore(p, { cache: new VectorCache() })));
    await host.start();
    await cap.store.create({ name: "w", dimensions: 2, metric: "euclidean" });
    const index = cap.store.index("w");
    await index.upsert([{ id: "a", values: [1, 1] }]);
    const before = await index.describe();
    failAt = inserts + 500;
    await expect(
      index.upsert(Array.from({ length: 1000 }, (_, i) => ({ id: i === 0 ? "a" : `b${i}`, values: [9, i] }))),
    ).rejects.toThrow(/SQLITE_IOERR/);
    expect(await index.describe()).toEqual(before);
    expect(await index.getByIds(["a", "b1", "b700"])).toEqual([{ id: "a", values: [1, 1] }]);
  });
});

describe("insert, upsert, delete", () => {
  it("insert skips existing ids, upsert replaces, delete is idempotent; every call returns a new mutationId", async () => {
    const { store } = await setup();
    await store.create({ name: "w", dimensions: 2, metric: "dot-product" });
    const index = store.index("w");
    const m1 = await index.insert([{ id: "a", values: [1, 2], namespace: "x", metadata: { k: 1 } }]);
    const m2 = await index.insert([
      { id: "a", values: [5, 5] },
      { id: "b", values: [3, 4] },
    ]);
    expect(m1.mutationId).not.toBe(m2.mutationId);
    expect((await index.describe()).processedUpToMutation).toBe(m2.mutationId);
    expect(await index.getByIds(["a"])).toEqual([{ id: "a", values: [1, 2], namespace: "x", metadata: { k: 1 } }]);
    await index.upsert([{ id: "a", values: [0, 0] }]);
    expect(await index.getByIds(["a"])).toEqual([{ id: "a", values: [0, 0] }]);
    const d1 = await index.deleteByIds(["a", "ghost"]);
    const d2 = await index.deleteByIds(["a"]);
    expect(d1.mutationId).not.toBe(d2.mutationId);
    expect((await index.describe()).vectorCount).toBe(1);
    expect(await codeOf(() => index.deleteByIds(["b", "b"]))).toBe("DUPLICATE_IDS");
  });

  it("an index holds at most 50,000 namespaces (checked only when a write brings new ones)", async () => {
    const { store, db } = await setup();
    await store.create({ name: "w", dimensions: 1, metric: "euclidean" });
    db.sql.exec(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 49999)
       INSERT INTO vec_items (index_id, id, ns, vector, norm, updated_at) SELECT 1, 'v' || i, 'ns' || i, x'0000803f', 1, 0 FROM n`,
    );
    const index = store.index("w");
    await index.upsert([{ id: "a", values: [1], namespace: "last" }]);
    await index.upsert([{ id: "b", values: [1], namespace: "ns7" }]);
    expect(await codeOf(() => index.upsert([{ id: "c", values: [1], namespace: "one-too-many" }]))).toBe(
      "INVALID_NAMESPACE",
    );
  });
});

describe("the shared cache", () => {
  it("keeps every store's lists within one budget, least recently used out first", async () => {
    const cache = new VectorCache(400_000);
    const stores = [];
    for (let s = 0; s < 2; s++) {
      const env = await setup({ cache });
      await env.store.create({ name: "c", dimensions: 64, metric: "euclidean", ivfThreshold: 1000 });
      const data = mixture(3000, 64, 20, 0.3, s);
      for (let i = 0; i < 3000; i += 1000) {
        await env.store
          .index("c")
          .upsert(data.points.slice(i, i + 1000).map((values, j) => ({ id: `${i + j}`, values })));
      }
      await env.host.fireDueWakes();
      stores.push({ ...env, data });
    }
    let peak = 0;
    for (let round = 0; round < 3; round++) {
      for (const { store, data } of stores) {
        for (let q = 0; q < 20; q++) {
          await store.index("c").query(data.points[q * 50] as Float32Array, { topK: 10, nprobe: 8 });
          peak = Math.max(peak, cache.bytes);
        }
      }
    }
    expect(peak).toBeLessThanOrEqual(400_000);
    expect(peak).toBeGreaterThan(300_000);
    expect(cache.hits).toBeGreaterThan(0);
    expect(cache.misses).toBeGreaterThan(0);
    // An entry larger than the whole budget is used but never kept.
    cache.set("huge", { bytes: 400_001 });
    expect(cache.get("huge")).toBeUndefined();
  });
});
