/**
 * `vectorIndexContract(name, factory)`: one suite every `VectorIndex` must pass (the local
 * backend on `openSqlite()` and in workerd, the Vectorize adapter over `VectorizeFake`). It never
 * assumes read-your-writes: after each write it waits for the mutation (`waitForMutation`).
 * @module
 */
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import type { IndexConfigInput, Metric } from "../config.ts";
import type { Mutation, VectorIndex } from "../types.ts";

/** What a factory returns: the index, and how to let pending mutations apply (a fake's `process`). */
export interface ContractSubject {
  index: VectorIndex;
  settle?: () => void | Promise<void>;
}

/** Builds a fresh, empty index for one test. */
export type ContractFactory = (config: IndexConfigInput) => ContractSubject | Promise<ContractSubject>;

/**
 * Waits until the index reflects `mutation` (describe's `processedUpToMutation`).
 * @throws when it does not within `attempts` polls
 */
export async function waitForMutation(s: ContractSubject, mutation: Mutation, attempts = 50): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    await s.settle?.();
    if ((await s.index.describe()).processedUpToMutation === mutation.mutationId) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`mutation ${mutation.mutationId} was not processed`);
}

const META = [
  { property: "genre", type: "string" },
  { property: "year", type: "number" },
  { property: "draft", type: "boolean" },
  { property: "author.name", type: "string" },
] as const;

function config(metric: Metric, dimensions = 4): IndexConfigInput {
  return { name: "contract", dimensions, metric, metadataIndexes: [...META] };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return errorCodeOf(err);
  }
  return undefined;
}

/** Registers the contract suite for one backend. */
export function vectorIndexContract(name: string, factory: ContractFactory): void {
  describe(`VectorIndex contract: ${name}`, () => {
    const write = async (s: ContractSubject, kind: "insert" | "upsert", v: Parameters<VectorIndex["upsert"]>[0]) => {
      const m = await s.index[kind](v);
      expect(typeof m.mutationId).toBe("string");
      await waitForMutation(s, m);
    };

    it("upsert then getByIds returns the float32 values, namespace and metadata", async () => {
      const s = await factory(config("cosine"));
      await write(s, "upsert", [
        { id: "a", values: [0.1, 0.2, 0.3, 0.4], namespace: "n1", metadata: { genre: "x", nested: { k: [1, 2] } } },
        { id: "b", values: new Float32Array([1, 0, 0, 0]) },
      ]);
      const got = await s.index.getByIds(["b", "a", "missing"]);
      expect(got.map((r) => r.id)).toEqual(["b", "a"]);
      const a = got[1];
      expect(Array.from(a?.values ?? [])).toEqual(Array.from(new Float32Array([0.1, 0.2, 0.3, 0.4])));
      expect(a?.namespace).toBe("n1");
      expect(a?.metadata).toEqual({ genre: "x", nested: { k: [1, 2] } });
      expect((await s.index.describe()).vectorCount).toBe(2);
    });

    it("insert leaves existing ids untouched; upsert replaces vector and metadata in full", async () => {
      const s = await factory(config("euclidean"));
      await write(s, "upsert", [{ id: "a", values: [1, 1, 1, 1], metadata: { genre: "old" } }]);
      await write(s, "insert", [
        { id: "a", values: [9, 9, 9, 9] },
        { id: "b", values: [2, 2, 2, 2] },
      ]);
      let got = await s.index.getByIds(["a", "b"]);
      expect(got.map((r) => Array.from(r.values))).toEqual([
        [1, 1, 1, 1],
        [2, 2, 2, 2],
      ]);
      expect(got[0]?.metadata).toEqual({ genre: "old" });
      await write(s, "upsert", [{ id: "a", values: [3, 3, 3, 3] }]);
      got = await s.index.getByIds(["a"]);
      expect(Array.from(got[0]?.values ?? [])).toEqual([3, 3, 3, 3]);
      expect(got[0]?.metadata).toBeUndefined();
    });

    it("deleteByIds is idempotent", async () => {
      const s = await factory(config("dot-product"));
      await write(s, "upsert", [
        { id: "a", values: [1, 0, 0, 0] },
        { id: "b", values: [0, 1, 0, 0] },
      ]);
      for (let i = 0; i < 2; i++) await waitForMutation(s, await s.index.deleteByIds(["a", "zzz"]));
      expect((await s.index.getByIds(["a", "b"])).map((r) => r.id)).toEqual(["b"]);
      expect((await s.index.describe()).vectorCount).toBe(1);
    });

    it("scores as Vectorize: cosine similarity, L2 distance, negative dot product; best first, ties by id", async () => {
      const cases: [Metric, number, "asc" | "desc"][] = [
        ["cosine", 1, "desc"],
        ["euclidean", 0, "asc"],
        ["dot-product", -4, "asc"],
      ];
      for (const [metric, self, order] of cases) {
        const s = await factory(config(metric));
        await write(s, "upsert", [
          { id: "same", values: [1, 1, 1, 1] },
          { id: "twin", values: [1, 1, 1, 1] },
          { id: "far", values: [-1, 0.5, -1, 0.2] },
          { id: "mid", values: [1, 0.8, 0.9, 0.2] },
        ]);
        const r = await s.index.query([1, 1, 1, 1], { topK: 4 });
        expect(r.count).toBe(4);
        expect(r.matches.map((m) => m.id).slice(0, 2)).toEqual(["same", "twin"]);
        expect(r.matches[0]?.score).toBeCloseTo(self, 5);
        const scores = r.matches.map((m) => m.score);
        const sorted = [...scores].sort((x, y) => (order === "asc" ? x - y : y - x));
        expect(scores).toEqual(sorted);
        expect(r.matches.at(-1)?.id).toBe("far");
      }
    });

    it("a namespace query searches only that namespace; without one, the whole index", async () => {
      const s = await factory(config("cosine"));
      await write(s, "upsert", [
        { id: "a", values: [1, 0, 0, 0], namespace: "left" },
        { id: "b", values: [0.9, 0.1, 0, 0], namespace: "right" },
        { id: "c", values: [0.8, 0.2, 0, 0] },
      ]);
      const left = await s.index.query([1, 0, 0, 0], { namespace: "right", topK: 3 });
      expect(left.matches.map((m) => [m.id, m.namespace])).toEqual([["b", "right"]]);
      const all = await s.index.query([1, 0, 0, 0], { topK: 3 });
      expect(all.matches.map((m) => m.id)).toEqual(["a", "b", "c"]);
    });

    it("filters in Vectorize syntax, applied before topK", async () => {
      const s = await factory(config("cosine"));
      const long = "é".repeat(40); // 80 bytes: indexed as its first 64
      await write(s, "upsert", [
        {
          id: "1",
          values: [1, 0, 0, 0],
          metadata: { genre: "jazz", year: 1959, draft: false, author: { name: "miles" } },
        },
        { id: "2", values: [0.9, 0.1, 0, 0], metadata: { genre: "rock", year: 1969, draft: true } },
        { id: "3", values: [0.8, 0.2, 0, 0], metadata: { genre: long, year: "1970" } },
        { id: "4", values: [0.7, 0.3, 0, 0] },
      ]);
      const ids = async (filter: object, topK = 4) =>
        (await s.index.query([1, 0, 0, 0], { topK, filter: filter as never })).matches.map((m) => m.id);
      expect(await ids({ genre: "jazz" }, 1)).toEqual(["1"]);
      expect(await ids({ genre: { $ne: "jazz" } })).toEqual(["2", "3"]);
      expect(await ids({ genre: { $in: ["rock", "jazz"] } })).toEqual(["1", "2"]);
      expect(await ids({ genre: { $nin: ["rock"] } })).toEqual(["1", "3"]);
      expect(await ids({ year: { $gte: 1960 } })).toEqual(["2"]);
      expect(await ids({ year: { $lt: 1960, $gte: 1900 } })).toEqual(["1"]);
      expect(await ids({ draft: true })).toEqual(["2"]);
      expect(await ids({ "author.name": "miles" })).toEqual(["1"]);
      expect(await ids({ genre: `${long}tail` })).toEqual(["3"]);
      expect(await ids({ genre: { $eq: null } })).toEqual(["4"]);
      expect(await ids({ year: 1970 })).toEqual([]);
      const indexed = await s.index.query([1, 0, 0, 0], {
        topK: 1,
        filter: { genre: { $gt: "s" } },
        returnMetadata: "indexed",
      });
      expect(indexed.matches[0]?.metadata).toEqual({ genre: "é".repeat(32) });
      const all = await s.index.query([1, 0, 0, 0], { topK: 1, returnMetadata: "all", returnValues: true });
      expect(all.matches[0]?.metadata).toEqual({ genre: "jazz", year: 1959, draft: false, author: { name: "miles" } });
      expect(all.matches[0]?.values).toEqual([1, 0, 0, 0]);
    });

    it("rejects bad input with the same codes, before anything is written", async () => {
      const s = await factory(config("cosine"));
      expect(await codeOf(s.index.upsert([{ id: "a", values: [1, 2, 3] }]))).toBe("DIMENSION_MISMATCH");
      expect(await codeOf(s.index.upsert([{ id: "a", values: [0, 0, 0, 0] }]))).toBe("INVALID_VECTOR");
      expect(await codeOf(s.index.upsert([{ id: "a", values: [1, Number.NaN, 0, 0] }]))).toBe("INVALID_VECTOR");
      expect(await codeOf(s.index.upsert([]))).toBe("EMPTY_BATCH");
      expect(await codeOf(s.index.upsert([{ id: "", values: [1, 0, 0, 0] }]))).toBe("INVALID_ID");
      expect(
        await codeOf(
          s.index.upsert([
            { id: "a", values: [1, 0, 0, 0] },
            { id: "a", values: [1, 0, 0, 0] },
          ]),
        ),
      ).toBe("DUPLICATE_IDS");
      expect(await codeOf(s.index.query([1, 0, 0, 0], { topK: 51, returnValues: true }))).toBe("INVALID_TOPK");
      expect(await codeOf(s.index.query([1, 0, 0, 0], { topK: 0 }))).toBe("INVALID_TOPK");
      expect(await codeOf(s.index.query([1, 0, 0], {}))).toBe("DIMENSION_MISMATCH");
      expect(await codeOf(s.index.query([1, 0, 0, 0], { filter: { nope: 1 } }))).toBe("FILTER_NOT_INDEXED");
      expect(await codeOf(s.index.query([1, 0, 0, 0], { filter: { genre: { $regex: "x" } } as never }))).toBe(
        "INVALID_FILTER",
      );
      expect(await codeOf(s.index.query([1, 0, 0, 0], { namespace: "" }))).toBe("INVALID_NAMESPACE");
      expect(await codeOf(s.index.deleteByIds(Array.from({ length: 101 }, (_, i) => `${i}`)))).toBe("TOO_MANY_IDS");
      expect((await s.index.describe()).vectorCount).toBe(0);
    });
  });
}
