/** The capability's API: text routes, the tenant's namespace, a broken configuration. */
import { describe, expect, it } from "vitest";
import { LexicalHashEmbedder, type VectorBackend } from "../src/index.ts";
import { codeOf, tenantDo } from "./helpers.ts";

describe("text routes", () => {
  it("upsert-text embeds with the index's embedder, search finds by words", async () => {
    const { api } = await tenantDo("acme", { embedder: new LexicalHashEmbedder() });
    await api.createVectorIndex({ name: "docs", dimensions: 768, metric: "cosine", embedder: "lexical-hash-dev" });
    await api.upsertText("docs", [
      { id: "pie", text: "Grandma's apple pie with cinnamon", metadata: { kind: "recipe" } },
      { id: "tax", text: "Quarterly tax filing deadlines" },
    ]);
    const r = await api.searchText("docs", "apple pie", { topK: 2, returnMetadata: "all" });
    expect(r.matches[0]).toMatchObject({ id: "pie", namespace: "acme", metadata: { kind: "recipe" } });
    expect(r.matches[0]?.score).toBeGreaterThan(r.matches[1]?.score ?? 1);
  });

  it("bad texts, too many, and embedder mismatches", async () => {
    const { api } = await tenantDo("acme", { embedder: new LexicalHashEmbedder() });
    await api.createVectorIndex({ name: "docs", dimensions: 768, metric: "cosine", embedder: "lexical-hash-dev" });
    await api.createVectorIndex({ name: "raw", dimensions: 768, metric: "cosine" });
    await api.createVectorIndex({
      name: "bge",
      dimensions: 768,
      metric: "cosine",
      embedder: "@cf/baai/bge-base-en-v1.5",
    });
    expect(
      await codeOf(() =>
        api.createVectorIndex({
          name: "bad",
          dimensions: 384,
          metric: "cosine",
          embedder: "@cf/baai/bge-base-en-v1.5",
        }),
      ),
    ).toBe("INVALID_DIMENSIONS");
    expect(await codeOf(() => api.upsertText("docs", [{ id: "a", text: "" }]))).toBe("INVALID_TEXT");
    expect(await codeOf(() => api.upsertText("docs", [{ id: "a", text: "   " }]))).toBe("INVALID_TEXT");
    expect(await codeOf(() => api.upsertText("docs", [{ id: "a", text: "x".repeat(8193) }]))).toBe("TEXT_TOO_LONG");
    await api.upsertText("docs", [{ id: "a", text: "x".repeat(8192) }]);
    const many = Array.from({ length: 101 }, (_, i) => ({ id: `${i}`, text: "hello" }));
    expect(await codeOf(() => api.upsertText("docs", many))).toBe("BATCH_TOO_LARGE");
    expect(await codeOf(() => api.upsertText("raw", [{ id: "a", text: "hello" }]))).toBe("EMBEDDER_MISMATCH");
    expect(await codeOf(() => api.searchText("bge", "hello"))).toBe("EMBEDDER_MISMATCH");
    expect(await codeOf(() => api.searchText("docs", ""))).toBe("INVALID_TEXT");
    expect(await codeOf(() => api.searchText("docs", "hello", { topK: 0 }))).toBe("INVALID_TOPK");
    const { api: none } = await tenantDo("acme");
    await none.createVectorIndex({ name: "docs", dimensions: 768, metric: "cosine", embedder: "lexical-hash-dev" });
    expect(await codeOf(() => none.searchText("docs", "hello"))).toBe("EMBEDDER_MISMATCH");
    expect((await api.describeVectorIndex("docs")).vectorCount).toBe(1);
  });
});

describe("the tenant's namespace", () => {
  it("binds every vector and query to the tenant; another namespace is INVALID_NAMESPACE", async () => {
    const { api } = await tenantDo("acme");
    await api.createVectorIndex({ name: "v", dimensions: 2, metric: "euclidean" });
    await api.upsertVectors("v", [{ id: "a", values: [1, 1] }]);
    await api.upsertVectors("v", [{ id: "b", values: [1, 2], namespace: "acme" }]);
    expect(await codeOf(() => api.upsertVectors("v", [{ id: "c", values: [1, 1], namespace: "globex" }]))).toBe(
      "INVALID_NAMESPACE",
    );
    expect(await codeOf(() => api.queryVectors("v", [1, 1], { namespace: "globex" }))).toBe("INVALID_NAMESPACE");
    const r = await api.queryVectors("v", [1, 1]);
    expect(r.matches.map((m) => [m.id, m.namespace])).toEqual([
      ["a", "acme"],
      ["b", "acme"],
    ]);
    expect((await api.getVectorsByIds("v", ["a"]))[0]?.namespace).toBe("acme");
  });
});

describe("a broken configuration", () => {
  it("answers 503 CONFIG_INVALID on every vector call", async () => {
    const backend: VectorBackend = { kind: "invalid", reason: "VECTOR_BACKEND is vectorize but no binding" };
    const { api } = await tenantDo("acme", { backend });
    for (const call of [
      () => api.createVectorIndex({ name: "v", dimensions: 2, metric: "cosine" }),
      () => api.listVectorIndexes(),
      () => api.queryVectors("v", [1, 1]),
      () => api.upsertVectors("v", [{ id: "a", values: [1, 1] }]),
      () => api.deleteVectorIndex("v"),
    ]) {
      expect(await codeOf(call)).toBe("CONFIG_INVALID");
    }
  });
});
