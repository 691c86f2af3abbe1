/** The Vectorize backend over the fake: provisioning, faults, tenants sharing one index, async visibility. */
import { ManualClock } from "@durable/core";
import { describe, expect, it } from "vitest";
import { hashedId, VectorizeFake, vectorizeIndex } from "../src/index.ts";
import { codeOf, tenantDo } from "./helpers.ts";

const config = {
  name: "docs",
  dimensions: 3,
  metric: "cosine" as const,
  metadataIndexes: [{ property: "k", type: "string" as const }],
};

function fake(o: Partial<ConstructorParameters<typeof VectorizeFake>[0]> = {}) {
  return new VectorizeFake({ dimensions: 3, metric: "cosine", metadataIndexes: config.metadataIndexes, ...o });
}

describe("Vectorize backend", () => {
  it("an index without a binding, or unlike its describe(), is 409 INDEX_NOT_PROVISIONED", async () => {
    const { api } = await tenantDo("acme", { backend: { kind: "vectorize", bindings: { other: fake() } } });
    expect(await codeOf(() => api.createVectorIndex(config))).toBe("INDEX_NOT_PROVISIONED");
    const wrong = new VectorizeFake({ dimensions: 768, metric: "cosine" });
    const { api: api2 } = await tenantDo("acme", { backend: { kind: "vectorize", bindings: { docs: wrong } } });
    expect(await codeOf(() => api2.createVectorIndex(config))).toBe("INDEX_NOT_PROVISIONED");
    expect(await codeOf(() => api2.listVectorIndexes())).toBeUndefined();
    expect((await api2.listVectorIndexes()).length).toBe(0);
  });

  it("tenants sharing one Vectorize index never see or overwrite each other's vectors", async () => {
    const shared = fake();
    const a = await tenantDo("acme", { backend: { kind: "vectorize", bindings: { docs: shared } } });
    const b = await tenantDo("globex", { backend: { kind: "vectorize", bindings: { docs: shared } } });
    await a.api.createVectorIndex(config);
    await b.api.createVectorIndex(config);
    await a.api.upsertVectors("docs", [{ id: "doc1", values: [1, 0, 0], metadata: { k: "a" } }]);
    await b.api.upsertVectors("docs", [{ id: "doc1", values: [0, 1, 0], metadata: { k: "b" } }]);
    shared.process();
    expect((await shared.describe()).vectorCount).toBe(2);
    const stored = await shared.getByIds([await hashedId("acme", "doc1")]);
    expect(stored[0]?.id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(stored[0]?.namespace).toBe("acme");
    const ra = await a.api.queryVectors("docs", [0, 1, 0], { topK: 5, returnMetadata: "all" });
    expect(ra.matches).toEqual([{ id: "doc1", score: expect.closeTo(0, 6), namespace: "acme", metadata: { k: "a" } }]);
    expect((await b.api.getVectorsByIds("docs", ["doc1"]))[0]?.values).toEqual([0, 1, 0]);
    await a.api.deleteVectorsByIds("docs", ["doc1"]);
    shared.process();
    expect((await b.api.queryVectors("docs", [0, 1, 0])).count).toBe(1);
    expect((await a.api.queryVectors("docs", [0, 1, 0])).count).toBe(0);
  });

  it("a 5xx or a timeout is 503 BACKEND_UNAVAILABLE and nothing is recorded; bad input never reaches the binding", async () => {
    const f = fake();
    const t = await tenantDo("acme", { backend: { kind: "vectorize", bindings: { docs: f }, timeoutMs: 30 } });
    await t.api.createVectorIndex(config);
    f.failNext(new Error("VECTOR_UPSERT_ERROR (code = 50000): internal error"));
    expect(await codeOf(() => t.api.upsertVectors("docs", [{ id: "x", values: [1, 2, 3] }]))).toBe(
      "BACKEND_UNAVAILABLE",
    );
    expect(t.db.sql.exec("SELECT count(*) AS n FROM vec_vectorize_ids").one().n).toBe(0);
    f.process();
    expect((await f.describe()).vectorCount).toBe(0);
    const slow = { ...f, query: () => new Promise<never>(() => {}) } as unknown as VectorizeFake;
    slow.describe = () => f.describe();
    const idx = vectorizeIndex(slow, config, { timeoutMs: 30 });
    expect(await codeOf(() => idx.query([1, 0, 0]))).toBe("BACKEND_UNAVAILABLE");
    const before = f.calls.upsert ?? 0;
    expect(await codeOf(() => t.api.upsertVectors("docs", [{ id: "x", values: [1, 2] }]))).toBe("DIMENSION_MISMATCH");
    expect(await codeOf(() => t.api.queryVectors("docs", [1, 2, 3], { topK: 51, returnValues: true }))).toBe(
      "INVALID_TOPK",
    );
    expect(await codeOf(() => t.api.queryVectors("docs", [1, 2, 3], { filter: { nope: 1 } }))).toBe(
      "FILTER_NOT_INDEXED",
    );
    expect(f.calls.upsert ?? 0).toBe(before);
  });

  it("the fake: mutations apply after visibilityDelayMs, and filters miss vectors written before their metadata index", async () => {
    const clock = new ManualClock(0);
    const f = new VectorizeFake({ dimensions: 2, metric: "euclidean", visibilityDelayMs: 1000, clock });
    const m = await f.upsert([{ id: "early", values: [1, 1], metadata: { k: "x" } }]);
    expect((await f.query([1, 1])).count).toBe(0);
    clock.advance(1000);
    expect((await f.describe()).processedUpToMutation).toBe(m.mutationId);
    f.createMetadataIndex("k", "string");
    await f.upsert([{ id: "late", values: [1, 2], metadata: { k: "x" } }]);
    clock.advance(1000);
    expect((await f.query([1, 1], { filter: { k: "x" }, topK: 5 })).matches.map((x) => x.id)).toEqual(["late"]);
    expect((await f.query([1, 1], { topK: 5 })).matches.map((x) => x.id)).toEqual(["early", "late"]);
    await expect(f.query([1, 1], { topK: 101 })).rejects.toThrow(/INVALID_TOPK/);
  });

  it("dropping an index deletes this tenant's vectors from Vectorize, 100 per wake-up", async () => {
    const shared = fake();
    const a = await tenantDo("acme", { backend: { kind: "vectorize", bindings: { docs: shared } } });
    const b = await tenantDo("globex", { backend: { kind: "vectorize", bindings: { docs: shared } } });
    await a.api.createVectorIndex(config);
    await b.api.createVectorIndex(config);
    for (const t of [a, b]) {
      for (let i = 0; i < 3; i++) {
        await t.api.upsertVectors(
          "docs",
          Array.from({ length: 100 }, (_, j) => ({ id: `d${i * 100 + j}`, values: [1, j, i] })),
        );
      }
    }
    shared.process();
    expect((await shared.describe()).vectorCount).toBe(600);
    a.api.deleteVectorIndex("docs");
    const fired = await a.host.fireDueWakes();
    expect(fired.length).toBe(4);
    shared.process();
    expect((await shared.describe()).vectorCount).toBe(300);
    expect(a.db.sql.exec("SELECT count(*) AS n FROM vec_vectorize_ids").one().n).toBe(0);
    expect(await codeOf(() => a.api.queryVectors("docs", [1, 0, 0]))).toBe("INDEX_NOT_FOUND");
  });
});
