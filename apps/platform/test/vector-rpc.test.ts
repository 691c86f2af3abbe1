/**
 * Proves the `vector` RPC target of TenantDO (`stub.capability("vector", tenant)`), one method
 * per route, with Float32Array values crossing RPC and `[CODE]` errors; and tenant isolation.
 */
import { describe, expect, it } from "vitest";
import { type TenantStub, tenantApi } from "../src/index.ts";
import { env, uniqueTenant } from "./helpers.ts";
import { rpcCode } from "./vector-fixture.ts";

describe("vector RPC", () => {
  it("every method, as another Worker calls them", async () => {
    const tenant = uniqueTenant("vrpc");
    const v = tenantApi(env.TENANT, tenant, "vector");
    const created = await v.createVectorIndex({ name: "docs", dimensions: 4, metric: "dot-product" });
    expect(created).toMatchObject({ name: "docs", dimensions: 4, mode: "exact" });
    expect(await rpcCode(v.createVectorIndex({ name: "docs", dimensions: 4, metric: "cosine" }))).toBe("INDEX_EXISTS");
    const m = await v.upsertVectors("docs", [
      { id: "a", values: new Float32Array([1, 2, 3, 4]), metadata: { t: 1 } },
      { id: "b", values: [0.5, 0.5, 0.5, 0.5] },
    ]);
    expect(m.mutationId).toMatch(/-/);
    await v.insertVectors("docs", [{ id: "a", values: [9, 9, 9, 9] }]);
    const q = await v.queryVectors("docs", new Float32Array([1, 1, 1, 1]), { topK: 2, returnValues: true });
    expect(q.matches.map((x) => [x.id, x.score, x.values])).toEqual([
      ["a", -10, [1, 2, 3, 4]],
      ["b", -2, [0.5, 0.5, 0.5, 0.5]],
    ]);
    expect((await v.getVectorsByIds("docs", ["a"]))[0]).toEqual({
      id: "a",
      values: [1, 2, 3, 4],
      namespace: tenant,
      metadata: { t: 1 },
    });
    await v.deleteVectorsByIds("docs", ["b"]);
    expect((await v.describeVectorIndex("docs")).vectorCount).toBe(1);
    expect(await rpcCode(v.upsertText("docs", [{ id: "x", text: "hello" }]))).toBe("EMBEDDER_MISMATCH");
    expect(
      await rpcCode(
        v.createVectorIndex({ name: "small", dimensions: 4, metric: "cosine", embedder: "lexical-hash-dev" }),
      ),
    ).toBe("INVALID_DIMENSIONS");
    await v.createVectorIndex({ name: "text", dimensions: 768, metric: "cosine", embedder: "lexical-hash-dev" });
    await v.upsertText("text", [{ id: "hello", text: "hello world" }]);
    expect((await v.searchText("text", "hello", { topK: 1 })).matches[0]?.id).toBe("hello");
    const cal = await v.calibrate([
      { score: 0.9, similar: true },
      { score: 0.6, similar: false },
    ]);
    expect(cal.best.threshold).toBe(0.9);
    expect((await v.listVectorIndexes()).map((i) => i.name)).toEqual(["docs", "text"]);
    expect(await v.deleteVectorIndex("text")).toEqual({ name: "text", deleted: true });
    expect(await rpcCode(v.searchText("text", "hello"))).toBe("INDEX_NOT_FOUND");
    expect(await rpcCode(v.queryVectors("docs", [1, 2], {}))).toBe("DIMENSION_MISMATCH");
  });

  it("tenants are isolated: same index name and ids, separate vectors; another tenant's target is refused", async () => {
    const [a, b] = [uniqueTenant("va"), uniqueTenant("vb")];
    for (const [tenant, x] of [
      [a, 1],
      [b, -1],
    ] as const) {
      const v = tenantApi(env.TENANT, tenant, "vector");
      await v.createVectorIndex({ name: "shared", dimensions: 2, metric: "euclidean" });
      await v.upsertVectors("shared", [{ id: "same", values: [x, x] }]);
    }
    const va = tenantApi(env.TENANT, a, "vector");
    const vb = tenantApi(env.TENANT, b, "vector");
    expect((await va.getVectorsByIds("shared", ["same"]))[0]?.values).toEqual([1, 1]);
    expect((await vb.getVectorsByIds("shared", ["same"]))[0]?.values).toEqual([-1, -1]);
    expect((await vb.queryVectors("shared", [1, 1], { topK: 5 })).matches).toEqual([
      { id: "same", score: Math.sqrt(8), namespace: b },
    ]);
    const stub = env.TENANT.getByName(a) as unknown as TenantStub;
    // Awaiting the accessor itself: the refusal comes before any method is called.
    expect(await rpcCode(stub.capability("vector", b) as unknown as Promise<unknown>)).toBe("TENANT_MISMATCH");
  });
});
