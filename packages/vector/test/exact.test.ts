/** Exact search against a naive full sort, for every metric; namespaces; the scan's details. */
import { describe, expect, it } from "vitest";
import { naiveTopK, randomVectors, setup } from "./helpers.ts";

describe("exact search", () => {
  for (const metric of ["cosine", "euclidean", "dot-product"] as const) {
    it(`${metric}: same ids as a full sort, scores within 1e-5 (3,000 × 37 dims, blocks of 1,024)`, async () => {
      const { store } = await setup();
      await store.create({ name: "e", dimensions: 37, metric });
      const vectors = randomVectors(3000, 37, 7);
      const items: [string, Float32Array][] = vectors.map((v, i) => [`v${String(i).padStart(4, "0")}`, v]);
      const index = store.index("e");
      for (let i = 0; i < items.length; i += 1000) {
        await index.upsert(items.slice(i, i + 1000).map(([id, values]) => ({ id, values })));
      }
      for (const [qi, q] of randomVectors(5, 37, 99).entries()) {
        const k = [1, 10, 100, 33, 7][qi] as number;
        const got = await index.query(q, { topK: k });
        const want = naiveTopK(metric, q, items, k);
        expect(got.matches.map((m) => m.id)).toEqual(want.map((w) => w.id));
        got.matches.forEach((m, i) => {
          expect(Math.abs(m.score - (want[i]?.score as number))).toBeLessThan(1e-5);
        });
      }
    });
  }

  it("returns values and metadata only when asked, and the namespace of each match", async () => {
    const { store } = await setup();
    await store.create({
      name: "e",
      dimensions: 3,
      metric: "euclidean",
      metadataIndexes: [{ property: "k", type: "string" }],
    });
    const index = store.index("e");
    await index.upsert([
      { id: "a", values: [0, 0, 0], namespace: "n", metadata: { k: "x", other: 1 } },
      { id: "b", values: [1, 0, 0] },
    ]);
    const plain = await index.query([0, 0, 0], { topK: 2 });
    expect(plain.matches).toEqual([
      { id: "a", score: 0, namespace: "n" },
      { id: "b", score: 1 },
    ]);
    const rich = await index.query([0, 0, 0], { topK: 2, returnValues: true, returnMetadata: "indexed" });
    expect(rich.matches[0]).toEqual({ id: "a", score: 0, namespace: "n", values: [0, 0, 0], metadata: { k: "x" } });
    expect(rich.matches[1]?.metadata).toEqual({});
    const v1 = await index.query([0, 0, 0], { topK: 1, returnMetadata: true });
    expect(v1.matches[0]?.metadata).toEqual({ k: "x", other: 1 });
  });

  it("a filter matching k < topK returns all k", async () => {
    const { store } = await setup();
    await store.create({
      name: "e",
      dimensions: 4,
      metric: "cosine",
      metadataIndexes: [{ property: "t", type: "number" }],
    });
    const vectors = randomVectors(500, 4, 3);
    await store.index("e").upsert(vectors.map((values, i) => ({ id: `${i}`, values, metadata: { t: i % 100 } })));
    const r = await store.index("e").query(vectors[0] as Float32Array, { topK: 20, filter: { t: 42 } });
    expect(r.count).toBe(5);
    expect(r.matches.map((m) => m.id).sort()).toEqual(["142", "242", "342", "42", "442"]);
  });

  it("a BLOB of the wrong length is skipped and counted", async () => {
    const { store, db } = await setup();
    await store.create({ name: "e", dimensions: 4, metric: "euclidean" });
    await store.index("e").upsert([
      { id: "good", values: [1, 0, 0, 0] },
      { id: "bad", values: [1, 0, 0, 0] },
    ]);
    db.sql.exec("UPDATE vec_items SET vector = ? WHERE id = 'bad'", new Uint8Array(12));
    const r = await store.index("e").query([1, 0, 0, 0], { topK: 5 });
    expect(r.matches.map((m) => m.id)).toEqual(["good"]);
    expect((await store.index("e").describe()).corruptRows).toBe(1);
    expect((await store.index("e").getByIds(["bad", "good"])).map((x) => x.id)).toEqual(["good"]);
  });
});
