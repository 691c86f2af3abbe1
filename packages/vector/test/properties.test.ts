/**
 * Property tests (fast-check), generating the edges on purpose: filters against an independent
 * reference evaluator (local SQL and the fake's evaluator), exact top-k against a full sort,
 * int8 round trips, float32 values bit for bit, insert never changing a vector.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Metric, matchesFilter, parseFilter, Quantizer } from "../src/index.ts";
import { naiveTopK, setup } from "./helpers.ts";

const DECLARED = [
  { property: "s", type: "string" },
  { property: "n", type: "number" },
  { property: "b", type: "boolean" },
  { property: "o.x", type: "string" },
] as const;

/** Strings near the edges: empty, multibyte, 63–66 bytes, a prefix of another. */
const str = fc.oneof(
  fc.constantFrom(
    "",
    "a",
    "b",
    "ab",
    "é",
    "😀",
    "Z",
    "a".repeat(63),
    "a".repeat(64),
    `${"a".repeat(64)}x`,
    `${"é".repeat(32)}`,
    `${"é".repeat(32)}y`,
    `${"a".repeat(63)}é`,
  ),
  fc.string({ maxLength: 4 }),
);
const num = fc.oneof(fc.constantFrom(0, -0, 1, -1, 1.5, 1e21, 2 ** 53), fc.integer({ min: -3, max: 3 }));
const scalar = fc.oneof(str, num, fc.boolean());
const stored = fc.oneof(scalar, fc.constant(null), fc.constant(undefined));

const metadata = fc.record(
  { s: stored, n: stored, b: stored, o: fc.oneof(fc.record({ x: stored }), fc.constant(undefined)) },
  { requiredKeys: [] },
);

const opValue = fc.oneof(
  fc.record({ $eq: fc.oneof(scalar, fc.constant(null)) }),
  fc.record({ $ne: fc.oneof(scalar, fc.constant(null)) }),
  fc.record({ $lt: scalar }),
  fc.record({ $lte: scalar }),
  fc.record({ $gt: scalar }),
  fc.record({ $gte: scalar, $lt: scalar }),
  fc.record({ $in: fc.array(scalar, { minLength: 1, maxLength: 4 }) }),
  fc.record({ $nin: fc.array(scalar, { minLength: 1, maxLength: 4 }) }),
  scalar,
  fc.constant(null),
);
const filter = fc.dictionary(fc.constantFrom("s", "n", "b", "o.x"), opValue, { maxKeys: 3 });

/** First 64 UTF-8 bytes, cut back to a whole character. */
function cut(s: string): Buffer {
  const b = Buffer.from(s, "utf8");
  if (b.length <= 64) return b;
  let end = 64;
  while (end > 0 && ((b[end] as number) & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/** An independent reading of the filter rules (declared type only, bytes, type-strict, null = absent). */
function reference(meta: Record<string, unknown>, f: Record<string, unknown>): boolean {
  const typeOf = { s: "string", n: "number", b: "boolean", "o.x": "string" } as Record<string, string>;
  return Object.entries(f).every(([key, cond]) => {
    const raw = key === "o.x" ? (meta.o as Record<string, unknown> | undefined)?.x : meta[key];
    const v = typeof raw === typeOf[key] ? raw : undefined;
    const cmp = (a: unknown, b: unknown): number | null => {
      if (typeof a !== typeof b) return null;
      if (typeof a === "string") return Buffer.compare(cut(a), cut(b as string));
      const x = Number(a);
      const y = Number(b);
      return x < y ? -1 : x > y ? 1 : 0;
    };
    const ops: [string, unknown][] =
      cond !== null && typeof cond === "object" ? Object.entries(cond as object) : [["$eq", cond]];
    return ops.every(([op, w]) => {
      if (w === null) return op === "$eq" ? v === undefined : v !== undefined;
      if (v === undefined) return false;
      if (op === "$in" || op === "$nin") {
        const same = (w as unknown[]).filter((x) => typeof x === typeof v);
        if (same.length === 0) return false;
        const hit = same.some((x) => cmp(v, x) === 0);
        return op === "$in" ? hit : !hit;
      }
      const c = cmp(v, w);
      if (c === null) return false;
      return { $eq: c === 0, $ne: c !== 0, $lt: c < 0, $lte: c <= 0, $gt: c > 0, $gte: c >= 0 }[op] as boolean;
    });
  });
}

describe("properties", () => {
  it("filters: the local backend's SQL and the fake's evaluator both equal the reference", async () => {
    const { store } = await setup();
    await store.create({ name: "f", dimensions: 2, metric: "euclidean", metadataIndexes: [...DECLARED] });
    const index = store.index("f");
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(metadata, { minLength: 1, maxLength: 30 }), filter, async (metas, f) => {
        const ids = metas.map((_, i) => `r${round}-${i}`);
        round++;
        const clean = metas.map((m) => JSON.parse(JSON.stringify(m)) as Record<string, unknown>);
        await index.upsert(clean.map((m, i) => ({ id: ids[i] as string, values: [i, 0], metadata: m })));
        const got = await index.query([0, 0], { topK: 100, filter: f as never });
        const mine = new Set(got.matches.map((m) => m.id).filter((id) => id.startsWith(`r${round - 1}-`)));
        const want = new Set(ids.filter((_, i) => reference(clean[i] as Record<string, unknown>, f)));
        expect(mine).toEqual(want);
        const clauses = parseFilter(f, DECLARED);
        for (const [i, m] of clean.entries()) {
          const indexed =
            (await index.query([i, 0], { topK: 1, returnMetadata: "indexed" })).matches[0]?.metadata ?? null;
          expect(matchesFilter(clauses, indexed)).toBe(reference(m, f));
        }
        await index.deleteByIds(ids.slice(0, 100));
      }),
      { numRuns: 60 },
    );
  }, 30_000);

  it("exact top-k equals a full sort (random vectors, metrics, topK)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Metric>("cosine", "euclidean", "dot-product"),
        fc.integer({ min: 1, max: 9 }),
        fc.array(
          fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: 5, maxLength: 5 }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        fc.integer({ min: 1, max: 100 }),
        async (metric, seedish, rows, topK) => {
          const vectors = rows.map((r, i) => Float32Array.from(r.map((x, j) => (j === i % 5 ? x + seedish : x))));
          if (metric === "cosine" && vectors.some((v) => v.every((x) => x === 0))) return;
          const { store } = await setup();
          await store.create({ name: "p", dimensions: 5, metric });
          const items = vectors.map((v, i): [string, Float32Array] => [`id${i}`, v]);
          await store.index("p").upsert(items.map(([id, values]) => ({ id, values })));
          const q = vectors[0] as Float32Array;
          const got = await store.index("p").query(q, { topK });
          const want = naiveTopK(metric, q, items, topK);
          expect(got.matches.length).toBe(want.length);
          got.matches.forEach((m, i) => {
            expect(Math.abs(m.score - (want[i]?.score as number))).toBeLessThan(1e-5);
            // Ids agree except where two scores tie within float noise.
            if (m.id !== want[i]?.id) expect(Math.abs(m.score - (want[i]?.score as number))).toBeLessThan(1e-9);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("int8 round trip: a value within the sample's range comes back within half a step", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.float({ min: -100, max: 100, noNaN: true }),
            fc.float({ min: 0, max: 50, noNaN: true }),
            fc.double({ min: 0, max: 1, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 16,
          },
        ),
        (dims) => {
          const min = Float32Array.from(dims.map(([lo]) => lo));
          const max = Float32Array.from(dims.map(([lo, span]) => lo + span));
          const q = Quantizer.fromRange(min, max);
          const v = Float32Array.from(
            dims.map(([, , t], i) => (min[i] as number) + t * ((max[i] as number) - (min[i] as number))),
          );
          const codes = new Int8Array(dims.length);
          q.encode(v, 0, codes, 0);
          for (let i = 0; i < dims.length; i++) {
            const back = q.decode(codes[i] as number, i);
            expect(Math.abs(back - (v[i] as number))).toBeLessThanOrEqual(
              (q.scale[i] as number) / 2 + 1e-5 * Math.abs(v[i] as number) + 1e-6,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("upsert → getByIds gives the float32 values bit for bit; insert never changes a vector", async () => {
    const { store } = await setup();
    await store.create({ name: "b", dimensions: 4, metric: "euclidean" });
    const index = store.index("b");
    const anyFloat = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -3e38, max: 3e38 }),
      fc.constantFrom(0, -0, 1e-45, -1e-45, 1.1754943508222875e-38, 3.4028234663852886e38, 0.1, 1 / 3),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyFloat, { minLength: 4, maxLength: 4 }),
        fc.array(anyFloat, { minLength: 4, maxLength: 4 }),
        async (a, b) => {
          await index.upsert([{ id: "x", values: a }]);
          const got = (await index.getByIds(["x"]))[0]?.values as number[];
          expect(got.map((v) => Object.is(v, Math.fround(v)))).toEqual([true, true, true, true]);
          expect(new Uint32Array(Float32Array.from(got).buffer)).toEqual(new Uint32Array(Float32Array.from(a).buffer));
          await index.insert([{ id: "x", values: b }]);
          const after = (await index.getByIds(["x"]))[0]?.values as number[];
          expect(new Uint32Array(Float32Array.from(after).buffer)).toEqual(
            new Uint32Array(Float32Array.from(a).buffer),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
