/** Every limit at its edge, and every bad input with its code and status; nothing is written. */
import { isPlatformError } from "@durable/core";
import { describe, expect, it } from "vitest";
import { VECTOR_ERRORS } from "../src/index.ts";
import { codeOf, setup } from "./helpers.ts";

const vec = (d: number, x = 0.5) => Array.from({ length: d }, () => x);

describe("index configuration", () => {
  it("dimensions 1–1536, metrics, metadata indexes, names, 16 per store", async () => {
    const { store } = await setup();
    expect((await store.create({ name: "max", dimensions: 1536, metric: "cosine" })).dimensions).toBe(1536);
    expect(await codeOf(() => store.create({ name: "big", dimensions: 1537, metric: "cosine" }))).toBe(
      "INVALID_DIMENSIONS",
    );
    expect(await codeOf(() => store.create({ name: "zero", dimensions: 0, metric: "cosine" }))).toBe(
      "INVALID_DIMENSIONS",
    );
    expect(await codeOf(() => store.create({ name: "frac", dimensions: 1.5, metric: "cosine" }))).toBe(
      "INVALID_DIMENSIONS",
    );
    expect(await codeOf(() => store.create({ name: "m", dimensions: 3, metric: "manhattan" }))).toBe("INVALID_METRIC");
    const eleven = Array.from({ length: 11 }, (_, i) => ({ property: `p${i}`, type: "string" }));
    expect(
      await codeOf(() => store.create({ name: "m", dimensions: 3, metric: "cosine", metadataIndexes: eleven })),
    ).toBe("TOO_MANY_METADATA_INDEXES");
    expect(
      (await store.create({ name: "ten", dimensions: 3, metric: "cosine", metadataIndexes: eleven.slice(0, 10) }))
        .config.metadataIndexes,
    ).toHaveLength(10);
    expect(await codeOf(() => store.create({ name: "Bad Name", dimensions: 3, metric: "cosine" }))).toBe(
      "INVALID_INDEX_NAME",
    );
    expect(await codeOf(() => store.create({ name: "a".repeat(65), dimensions: 3, metric: "cosine" }))).toBe(
      "INVALID_INDEX_NAME",
    );
    expect((await store.create({ name: "a".repeat(64), dimensions: 3, metric: "cosine" })).name).toHaveLength(64);
    expect(await codeOf(() => store.create({ name: "ten", dimensions: 3, metric: "cosine" }))).toBe("INDEX_EXISTS");
    for (let i = 0; i < 12; i++) await store.create({ name: `i${i}`, dimensions: 2, metric: "euclidean" });
    expect((await store.list()).length).toBe(15);
    await store.create({ name: "sixteenth", dimensions: 2, metric: "euclidean" });
    expect(await codeOf(() => store.create({ name: "seventeenth", dimensions: 2, metric: "euclidean" }))).toBe(
      "INDEX_LIMIT",
    );
    expect(await codeOf(() => store.index("nope").describe())).toBe("INDEX_NOT_FOUND");
    expect(VECTOR_ERRORS.statuses.INDEX_EXISTS).toBe(409);
    expect(VECTOR_ERRORS.statuses.INDEX_LIMIT).toBe(409);
    expect(VECTOR_ERRORS.statuses.INDEX_NOT_FOUND).toBe(404);
  });
});

describe("write limits", () => {
  async function fresh() {
    const env = await setup();
    await env.store.create({
      name: "w",
      dimensions: 4,
      metric: "cosine",
      metadataIndexes: [{ property: "k", type: "string" }],
    });
    return { ...env, index: env.store.index("w") };
  }

  it("ids of 64 bytes pass, 65 bytes or empty fail (bytes, not characters)", async () => {
    const { index } = await fresh();
    await index.upsert([{ id: "é".repeat(32), values: vec(4) }]);
    expect(await codeOf(() => index.upsert([{ id: `${"é".repeat(32)}x`, values: vec(4) }]))).toBe("INVALID_ID");
    expect(await codeOf(() => index.upsert([{ id: "", values: vec(4) }]))).toBe("INVALID_ID");
    expect(await codeOf(() => index.upsert([{ id: 7 as never, values: vec(4) }]))).toBe("INVALID_ID");
  });

  it("metadata of 10,240 bytes passes, 10,241 is 413; not an object is 400", async () => {
    const { index } = await fresh();
    const meta = (bytes: number) => ({ pad: "x".repeat(bytes - '{"pad":""}'.length) });
    expect(JSON.stringify(meta(10_240)).length).toBe(10_240);
    await index.upsert([{ id: "a", values: vec(4), metadata: meta(10_240) }]);
    let err: unknown;
    try {
      await index.upsert([{ id: "b", values: vec(4), metadata: meta(10_241) }]);
    } catch (e) {
      err = e;
    }
    expect(isPlatformError(err, "METADATA_TOO_LARGE") && err.status).toBe(413);
    for (const bad of [[1], "x", null, 5]) {
      expect(await codeOf(() => index.upsert([{ id: "c", values: vec(4), metadata: bad as never }]))).toBe(
        "INVALID_METADATA",
      );
    }
  });

  it("1,000 vectors per call pass, 1,001 are 413 BATCH_TOO_LARGE; an empty call is EMPTY_BATCH", async () => {
    const { index } = await fresh();
    const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `v${i}`, values: vec(4, 1 + i) }));
    await index.upsert(batch(1000));
    expect(await codeOf(() => index.upsert(batch(1001)))).toBe("BATCH_TOO_LARGE");
    expect(VECTOR_ERRORS.statuses.BATCH_TOO_LARGE).toBe(413);
    expect(await codeOf(() => index.insert([]))).toBe("EMPTY_BATCH");
    expect(await codeOf(() => index.deleteByIds([]))).toBe("EMPTY_BATCH");
    await index.deleteByIds(batch(100).map((v) => v.id));
    expect(await codeOf(() => index.deleteByIds(batch(101).map((v) => v.id)))).toBe("TOO_MANY_IDS");
    expect(await codeOf(() => index.getByIds(batch(101).map((v) => v.id)))).toBe("TOO_MANY_IDS");
    expect((await index.describe()).vectorCount).toBe(900);
  });

  it("vectors: wrong length names expected, got and position; NaN, ±Infinity, float32 overflow, non-numbers, zero under cosine", async () => {
    const { index } = await fresh();
    let err: unknown;
    try {
      await index.upsert([
        { id: "ok", values: vec(4) },
        { id: "short", values: vec(3) },
      ]);
    } catch (e) {
      err = e;
    }
    expect(isPlatformError(err, "DIMENSION_MISMATCH") && err.toBody().error).toMatchObject({
      code: "DIMENSION_MISMATCH",
      expected: 4,
      got: 3,
      position: 1,
    });
    for (const bad of [
      [1, Number.NaN, 0, 0],
      [1, Number.POSITIVE_INFINITY, 0, 0],
      [Number.NEGATIVE_INFINITY, 0, 0, 0],
      [1e39, 0, 0, 0],
      [1, "2", 0, 0],
      [0, 0, 0, 0],
      [1e-50, 0, 0, 0],
    ]) {
      expect(await codeOf(() => index.upsert([{ id: "x", values: bad as never }]))).toBe("INVALID_VECTOR");
    }
    expect(await codeOf(() => index.query([0, 0, 0, 0]))).toBe("INVALID_VECTOR");
    expect(await codeOf(() => index.query(vec(5)))).toBe("DIMENSION_MISMATCH");
    expect((await index.describe()).vectorCount).toBe(0);
  });

  it("namespaces are 1–64 bytes", async () => {
    const { index } = await fresh();
    await index.upsert([{ id: "a", values: vec(4), namespace: "n".repeat(64) }]);
    for (const ns of ["", "n".repeat(65), 5]) {
      expect(await codeOf(() => index.upsert([{ id: "b", values: vec(4), namespace: ns as never }]))).toBe(
        "INVALID_NAMESPACE",
      );
      expect(await codeOf(() => index.query(vec(4), { namespace: ns as never }))).toBe("INVALID_NAMESPACE");
    }
  });
});

describe("query limits", () => {
  it("topK 1–100, 1–50 with values or all metadata, integers only; the message names the cap", async () => {
    const { store } = await setup();
    await store.create({
      name: "q",
      dimensions: 2,
      metric: "euclidean",
      metadataIndexes: [{ property: "k", type: "number" }],
    });
    const index = store.index("q");
    await index.upsert(Array.from({ length: 120 }, (_, i) => ({ id: `v${i}`, values: [i, 1] })));
    expect((await index.query([0, 0])).count).toBe(5);
    expect((await index.query([0, 0], { topK: 100 })).count).toBe(100);
    expect((await index.query([0, 0], { topK: 50, returnValues: true })).count).toBe(50);
    expect((await index.query([0, 0], { topK: 100, returnMetadata: "indexed" })).count).toBe(100);
    for (const [o, cap] of [
      [{ topK: 51, returnValues: true }, 50],
      [{ topK: 51, returnMetadata: "all" }, 50],
      [{ topK: 101 }, 100],
      [{ topK: 0 }, 100],
      [{ topK: 2.5 }, 100],
      [{ topK: "5" }, 100],
    ] as const) {
      try {
        await index.query([0, 0], o as never);
        expect.unreachable();
      } catch (err) {
        expect(isPlatformError(err, "INVALID_TOPK") && err.message).toContain(`1 to ${cap}`);
      }
    }
  });

  it("filters: bad shapes are INVALID_FILTER, undeclared properties FILTER_NOT_INDEXED", async () => {
    const { store } = await setup();
    await store.create({
      name: "q",
      dimensions: 2,
      metric: "euclidean",
      metadataIndexes: [{ property: "k", type: "string" }],
    });
    const q = (filter: unknown) => codeOf(() => store.index("q").query([0, 0], { filter: filter as never }));
    expect(await q({ k: "x".repeat(2040) })).toBe("INVALID_FILTER"); // 2,048 bytes
    expect(await q({ k: "x".repeat(2039) })).toBeUndefined(); // 2,047 bytes
    expect(await q({ "": 1 })).toBe("INVALID_FILTER");
    expect(await q({ $k: 1 })).toBe("INVALID_FILTER");
    expect(await q({ 'a"b': 1 })).toBe("INVALID_FILTER");
    expect(await q({ ["k".repeat(513)]: 1 })).toBe("INVALID_FILTER");
    expect(await q({ k: { $lt: null } })).toBe("INVALID_FILTER");
    expect(await q({ k: { $in: [] } })).toBe("INVALID_FILTER");
    expect(await q({ k: { $in: [null] } })).toBe("INVALID_FILTER");
    expect(await q({ k: { $in: "x" } })).toBe("INVALID_FILTER");
    expect(await q({ k: { $foo: 1 } })).toBe("INVALID_FILTER");
    expect(await q({ k: {} })).toBe("INVALID_FILTER");
    expect(await q({ k: [1] })).toBe("INVALID_FILTER");
    expect(await q({ k: { nested: 1 } })).toBe("INVALID_FILTER");
    expect(await q([1])).toBe("INVALID_FILTER");
    expect(await q({ k: Number.NaN })).toBe("INVALID_FILTER");
    expect(await q({ other: 1 })).toBe("FILTER_NOT_INDEXED");
    expect(await q({ k: { $ne: null } })).toBeUndefined();
  });
});
