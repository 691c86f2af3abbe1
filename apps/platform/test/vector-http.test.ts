/**
 * Proves the vector routes in workerd (real DO SQLite): create/list/describe/delete, writes,
 * queries, text routes with the lexical embedder (no AI or Vectorize binding in the default
 * config), calibration, scopes, body caps and every error body with its code and status.
 */
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf } from "./helpers.ts";
import { vectorTenant } from "./vector-fixture.ts";

const META = [
  { property: "genre", type: "string" },
  { property: "year", type: "number" },
];

describe("vector routes", () => {
  it("create 201, list, describe, write, query, get, delete by id, drop 404 at once", async () => {
    const t = await vectorTenant();
    const created = await t.post("/indexes", { name: "docs", dimensions: 3, metric: "cosine", metadataIndexes: META });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "docs",
      dimensions: 3,
      metric: "cosine",
      vectorCount: 0,
      mode: "exact",
    });
    const ins = await t.post("/indexes/docs/insert", {
      vectors: [
        { id: "a", values: [1, 0, 0], metadata: { genre: "jazz", year: 1959 } },
        { id: "b", values: [0, 1, 0], metadata: { genre: "rock", year: 1969 } },
      ],
    });
    expect(ins.status).toBe(200);
    expect(ins.body.mutationId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await t.post("/indexes/docs/upsert", { vectors: [{ id: "c", values: [0.9, 0.1, 0] }] })).status).toBe(200);
    const q = await t.post("/indexes/docs/query", { vector: [1, 0, 0], topK: 2, returnMetadata: "indexed" }, t.reader);
    expect(q.status).toBe(200);
    expect(q.body.count).toBe(2);
    expect((q.body.matches as { id: string; namespace: string }[]).map((m) => [m.id, m.namespace])).toEqual([
      ["a", t.tenant],
      ["c", t.tenant],
    ]);
    const f = await t.post("/indexes/docs/query", { vector: [1, 0, 0], filter: { year: { $gt: 1960 } } });
    expect((f.body.matches as { id: string }[]).map((m) => m.id)).toEqual(["b"]);
    const got = await t.post("/indexes/docs/get-by-ids", { ids: ["b", "zz"] }, t.reader);
    expect(got.body).toEqual([
      { id: "b", values: [0, 1, 0], namespace: t.tenant, metadata: { genre: "rock", year: 1969 } },
    ]);
    expect((await t.post("/indexes/docs/delete-by-ids", { ids: ["b"] })).status).toBe(200);
    expect((await t.get("/indexes/docs")).body.vectorCount).toBe(2);
    expect(((await t.get("/indexes")).body.indexes as unknown[]).length).toBe(1);
    expect((await t.get("/indexes/docs", "DELETE")).status).toBe(200);
    const gone = await t.get("/indexes/docs");
    expect([gone.status, gone.body.error.code]).toEqual([404, "INDEX_NOT_FOUND"]);
  });

  it("no Vectorize or AI binding: the local backend and the lexical embedder; bge indexes are EMBEDDER_MISMATCH", async () => {
    const t = await vectorTenant();
    await t.post("/indexes", { name: "notes", dimensions: 768, metric: "cosine", embedder: "lexical-hash-dev" });
    await t.post("/indexes", {
      name: "prod",
      dimensions: 768,
      metric: "cosine",
      embedder: "@cf/baai/bge-base-en-v1.5",
    });
    const up = await t.post("/indexes/notes/upsert-text", {
      items: [
        { id: "pie", text: "apple pie with cinnamon", metadata: { kind: "recipe" } },
        { id: "tax", text: "quarterly tax deadlines" },
      ],
    });
    expect(up.status).toBe(200);
    const s = await t.post("/indexes/notes/search", { text: "apple pie", topK: 1 }, t.reader);
    expect((s.body.matches as { id: string }[])[0]?.id).toBe("pie");
    expect((await t.get("/indexes/notes")).body.mode).toBe("exact");
    const mismatch = await t.post("/indexes/prod/search", { text: "apple" });
    expect([mismatch.status, mismatch.body.error.code]).toEqual([409, "EMBEDDER_MISMATCH"]);
    const cal = await t.post(
      "/calibrate",
      {
        pairs: [
          { a: "apple pie", b: "apple pie recipe", similar: true },
          { a: "apple pie", b: "tax law", similar: false },
        ],
      },
      t.reader,
    );
    expect(cal.status).toBe(200);
    expect(cal.body).toMatchObject({ model: "lexical-hash-dev", best: { f1: 1 } });
  });

  it("a read-only token queries (200) but cannot write (403 FORBIDDEN)", async () => {
    const t = await vectorTenant();
    await t.post("/indexes", { name: "r", dimensions: 2, metric: "euclidean" });
    expect((await t.post("/indexes/r/query", { vector: [1, 1] }, t.reader)).status).toBe(200);
    const denied = await t.post("/indexes/r/upsert", { vectors: [{ id: "a", values: [1, 1] }] }, t.reader);
    expect([denied.status, denied.body.error.code]).toEqual([403, "FORBIDDEN"]);
    expect((await t.post("/indexes", { name: "x", dimensions: 2, metric: "cosine" }, t.reader)).status).toBe(403);
    expect((await t.get("/indexes/r")).body.vectorCount).toBe(0);
  });

  it("every bad input is a clear 4xx with its code, and nothing is written", async () => {
    const t = await vectorTenant();
    await t.post("/indexes", { name: "e", dimensions: 3, metric: "cosine", metadataIndexes: META });
    await t.post("/indexes/e/upsert", { vectors: [{ id: "keep", values: [1, 2, 3] }] });
    const cases: [string, unknown, number, string][] = [
      ["/indexes", { name: "d", dimensions: 1537, metric: "cosine" }, 400, "INVALID_DIMENSIONS"],
      ["/indexes", { name: "d", dimensions: 3, metric: "hamming" }, 400, "INVALID_METRIC"],
      [
        "/indexes",
        {
          name: "d",
          dimensions: 3,
          metric: "cosine",
          metadataIndexes: Array.from({ length: 11 }, (_, i) => ({ property: `p${i}`, type: "number" })),
        },
        400,
        "TOO_MANY_METADATA_INDEXES",
      ],
      ["/indexes", { name: "e", dimensions: 3, metric: "cosine" }, 409, "INDEX_EXISTS"],
      ["/indexes/nope/query", { vector: [1, 2, 3] }, 404, "INDEX_NOT_FOUND"],
      ["/indexes/e/upsert", { vectors: [{ id: "keep", values: [1, 2] }] }, 400, "DIMENSION_MISMATCH"],
      ["/indexes/e/upsert", { vectors: [{ id: "keep", values: [0, 0, 0] }] }, 400, "INVALID_VECTOR"],
      ["/indexes/e/upsert", { vectors: [{ id: "keep", values: [1, "x", 3] }] }, 400, "INVALID_VECTOR"],
      ["/indexes/e/upsert", { vectors: [{ id: "x".repeat(65), values: [1, 2, 3] }] }, 400, "INVALID_ID"],
      ["/indexes/e/upsert", { vectors: [{ id: "", values: [1, 2, 3] }] }, 400, "INVALID_ID"],
      [
        "/indexes/e/upsert",
        {
          vectors: [
            { id: "k", values: [1, 2, 3] },
            { id: "k", values: [1, 2, 3] },
          ],
        },
        400,
        "DUPLICATE_IDS",
      ],
      ["/indexes/e/upsert", { vectors: [{ id: "k", values: [1, 2, 3], metadata: [1] }] }, 400, "INVALID_METADATA"],
      [
        "/indexes/e/upsert",
        { vectors: [{ id: "k", values: [1, 2, 3], metadata: { x: "y".repeat(10_240) } }] },
        413,
        "METADATA_TOO_LARGE",
      ],
      ["/indexes/e/upsert", { vectors: [] }, 400, "EMPTY_BATCH"],
      [
        "/indexes/e/insert",
        { vectors: Array.from({ length: 1001 }, (_, i) => ({ id: `${i}`, values: [1, 2, 3] })) },
        413,
        "BATCH_TOO_LARGE",
      ],
      [
        "/indexes/e/upsert",
        { vectors: [{ id: "k", values: [1, 2, 3], namespace: "someone-else" }] },
        400,
        "INVALID_NAMESPACE",
      ],
      ["/indexes/e/delete-by-ids", { ids: Array.from({ length: 101 }, (_, i) => `${i}`) }, 413, "TOO_MANY_IDS"],
      ["/indexes/e/query", { vector: [1, 2, 3], topK: 51, returnValues: true }, 400, "INVALID_TOPK"],
      ["/indexes/e/query", { vector: [1, 2, 3], topK: 1.5 }, 400, "INVALID_TOPK"],
      ["/indexes/e/query", { vector: [1, 2, 3], filter: { genre: { $like: "x" } } }, 400, "INVALID_FILTER"],
      ["/indexes/e/query", { vector: [1, 2, 3], filter: { color: "red" } }, 400, "FILTER_NOT_INDEXED"],
      ["/indexes/e/query", { vector: [1, 2, 3], namespace: "" }, 400, "INVALID_NAMESPACE"],
      ["/indexes/e/query", { vector: [1, 2] }, 400, "DIMENSION_MISMATCH"],
      ["/indexes/e/search", { text: "hello" }, 409, "EMBEDDER_MISMATCH"],
      [
        "/indexes/e/upsert-text",
        { items: Array.from({ length: 101 }, (_, i) => ({ id: `${i}`, text: "x" })) },
        413,
        "BATCH_TOO_LARGE",
      ],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await t.post(path, body);
      expect([path, r.status, r.body.error?.code]).toEqual([path, status, code]);
    }
    const dim = await t.post("/indexes/e/upsert", {
      vectors: [
        { id: "a", values: [1, 2, 3] },
        { id: "b", values: [1] },
      ],
    });
    expect(dim.body.error).toMatchObject({ code: "DIMENSION_MISMATCH", expected: 3, got: 1, position: 1 });
    for (let i = 0; i < 15; i++) await t.post("/indexes", { name: `i${i}`, dimensions: 2, metric: "cosine" });
    const limit = await t.post("/indexes", { name: "seventeen", dimensions: 2, metric: "cosine" });
    expect([limit.status, limit.body.error.code]).toEqual([409, "INDEX_LIMIT"]);
    const info = await t.get("/indexes/e");
    expect(info.body.vectorCount).toBe(1);
  });

  it("text errors: INVALID_TEXT and TEXT_TOO_LONG", async () => {
    const t = await vectorTenant();
    await t.post("/indexes", { name: "n", dimensions: 768, metric: "cosine", embedder: "lexical-hash-dev" });
    const empty = await t.post("/indexes/n/upsert-text", { items: [{ id: "a", text: "" }] });
    expect([empty.status, empty.body.error.code]).toEqual([400, "INVALID_TEXT"]);
    const long = await t.post("/indexes/n/search", { text: "a".repeat(8193) });
    expect([long.status, long.body.error.code]).toEqual([413, "TEXT_TOO_LONG"]);
  });

  it("body caps: 1 MiB on index creation, 32 MiB on writes (PAYLOAD_TOO_LARGE before anything is read)", async () => {
    const t = await vectorTenant();
    const big = JSON.stringify({ name: "b", dimensions: 3, metric: "cosine", pad: "x".repeat(1024 * 1024) });
    const res = await call(`${t.base}/indexes`, jsonInit("POST", JSON.parse(big), t.token));
    expect([res.status, (await jsonOf(res)).error.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    await t.post("/indexes", { name: "w", dimensions: 3, metric: "cosine" });
    const over = `{"vectors":[],"pad":"${"x".repeat(32 * 1024 * 1024)}"}`;
    const res2 = await call(`${t.base}/indexes/w/upsert`, {
      method: "POST",
      body: over,
      headers: { "content-type": "application/json" },
      token: t.token,
    });
    expect([res2.status, (await jsonOf(res2)).error.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
  });
});
