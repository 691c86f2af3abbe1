/**
 * Property tests (fast-check): HLL merge laws and merge = sketch of the union (sparse and dense
 * mixes), KLL merge keeps n and its rank error, every sketch round-trips through bytes,
 * selectivity in [0, 1], low ≤ rows ≤ high, monotone ranges, s(p) + s(NOT p) + nullFrac = 1,
 * `in [v]` = `= v`, and the write hook never fails on stored rows of all seven column types.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EquiDepthHistogram, HyperLogLog, KllSketch, Reservoir, SpaceSaving } from "../src/index.ts";
import { fixture } from "./helpers.ts";

const values = fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 12 })), { maxLength: 3000 });
const sketchOf = (vs: readonly (number | string)[], p = 12) => {
  const h = new HyperLogLog(p);
  for (const v of vs) h.add(v);
  return h;
};
const same = (a: HyperLogLog, b: HyperLogLog) => expect([...a.registers()]).toEqual([...b.registers()]);

describe("HLL merge", () => {
  it("is commutative, associative and idempotent, and equals the sketch of the union", () => {
    fc.assert(
      fc.property(values, values, values, (a, b, c) => {
        same(sketchOf(a).merge(sketchOf(b)), sketchOf(b).merge(sketchOf(a)));
        same(sketchOf(a).merge(sketchOf(b)).merge(sketchOf(c)), sketchOf(a).merge(sketchOf(b).merge(sketchOf(c))));
        same(sketchOf(a).merge(sketchOf(a)), sketchOf(a));
        same(sketchOf(a).merge(sketchOf(b)), sketchOf([...a, ...b]));
      }),
      { numRuns: 40 },
    );
  });

  it("mixed precisions fold to the smaller p with the registers of the union", () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        same(sketchOf(a, 14).merge(sketchOf(b, 11)), sketchOf([...a, ...b], 11));
      }),
      { numRuns: 25 },
    );
  });
});

describe("KLL merge", () => {
  it("keeps n exactly and ranks within the error bound", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 4000 }),
        fc.integer({ min: 1, max: 3999 }),
        (xs, cut) => {
          const a = new KllSketch(200, 1);
          const b = new KllSketch(200, 2);
          for (const [i, x] of xs.entries()) (i < cut ? a : b).update(x);
          const m = a.merge(b);
          expect(m.n).toBe(xs.length);
          const sorted = [...xs].sort((p, q) => p - q);
          const x = sorted[Math.floor(sorted.length / 2)] as number;
          const truth = sorted.filter((v) => v < x).length / sorted.length;
          expect(Math.abs(m.rank(x) - truth)).toBeLessThanOrEqual(0.0165 * 2);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("bytes", () => {
  it("every sketch round-trips", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 3000 }),
        fc.array(fc.string({ maxLength: 80 }), { maxLength: 300 }),
        (ns, ss) => {
          const h = sketchOf(ns, 10);
          expect([...HyperLogLog.fromBytes(h.toBytes()).registers()]).toEqual([...h.registers()]);
          const k = new KllSketch(50);
          for (const s of ss) k.update(s);
          const k2 = KllSketch.fromBytes(k.toBytes());
          expect(k2.toBytes()).toEqual(k.toBytes());
          const sp = new SpaceSaving(16);
          for (const n of ns) sp.add(n);
          expect(SpaceSaving.fromBytes(sp.toBytes()).top(16)).toEqual(sp.top(16));
          const sorted = [...ns].sort((a, b) => a - b);
          if (sorted.length > 0) {
            const hist = EquiDepthHistogram.fromSorted(sorted, 10);
            expect(EquiDepthHistogram.fromBytes(hist.toBytes()).buckets).toEqual(hist.buckets);
          }
          const r = new Reservoir(20);
          for (const s of ss) r.offer({ s, n: s.length, z: null });
          expect(Reservoir.fromBytes(r.toBytes()).rows).toEqual(r.rows);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("selectivity", () => {
  const f = fixture();
  f.tables.createTable({
    name: "p",
    columns: [
      { name: "id", type: "integer" },
      { name: "x", type: "integer" },
      { name: "t", type: "text" },
    ],
    primaryKey: "id",
  });
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    id: i,
    x: i % 17 === 0 ? null : (i * 7919) % 1000,
    t: `k${(i * 31) % 97}`,
  }));
  for (let i = 0; i < rows.length; i += 1000) f.tables.insert("p", rows.slice(i, i + 1000));
  f.estimator.analyze("p");
  const rowsOf = (where: unknown) => f.estimator.estimate({ table: "p", where }).rows;
  const leaf = fc.oneof(
    fc.record({
      col: fc.constant("x"),
      op: fc.constantFrom("=", "!=", "<", "<=", ">", ">="),
      value: fc.integer({ min: -10, max: 1010 }),
    }),
    fc.record({
      col: fc.constant("x"),
      op: fc.constant("between"),
      low: fc.integer({ min: -10, max: 1010 }),
      high: fc.integer({ min: -10, max: 1010 }),
    }),
    fc.record({
      col: fc.constant("t"),
      op: fc.constant("in"),
      values: fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 5 }),
    }),
    fc.record({ col: fc.constant("t"), op: fc.constant("like"), pattern: fc.constantFrom("k1%", "%3", "k_", "k") }),
  );
  const pred: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.record({ and: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
      fc.record({ or: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: tie("node") }),
    ),
  })).node;

  it("stays in [0, rows] with low ≤ rows ≤ high, never NaN", () => {
    fc.assert(
      fc.property(pred, (where) => {
        const e = f.estimator.estimate({ table: "p", where });
        expect(Number.isFinite(e.rows)).toBe(true);
        expect(e.rows).toBeGreaterThanOrEqual(0);
        expect(e.rows).toBeLessThanOrEqual(3000 + 1e-6);
        expect(e.low).toBeLessThanOrEqual(e.rows);
        expect(e.high).toBeGreaterThanOrEqual(e.rows);
      }),
      { numRuns: 150 },
    );
  });

  it("is monotone: s(x < a) ≤ s(x < b) when a ≤ b", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 1010 }), fc.integer({ min: -10, max: 1010 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(rowsOf({ col: "x", op: "<", value: lo })).toBeLessThanOrEqual(
          rowsOf({ col: "x", op: "<", value: hi }) + 1e-9,
        );
      }),
      { numRuns: 100 },
    );
  });

  it("s(p) + s(NOT p) + nullFrac = 1 for a single-column p", () => {
    const nullFrac = f.estimator.stats("p").columns.find((c) => c.name === "x")?.nullFrac ?? 0;
    fc.assert(
      fc.property(
        leaf.filter((p) => (p as { col: string }).col === "x"),
        (p) => {
          const sum = rowsOf(p) / 3000 + rowsOf({ not: p }) / 3000 + nullFrac;
          expect(sum).toBeCloseTo(1, 6);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("`in [v]` equals `= v`", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -5, max: 1005 }).map((v) => ["x", v] as const),
          fc.string({ maxLength: 3 }).map((v) => ["t", `k${v}`] as const),
        ),
        ([col, v]) => {
          expect(rowsOf({ col, op: "in", values: [v] })).toBeCloseTo(rowsOf({ col, op: "=", value: v }), 9);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("the write hook on all seven column types", () => {
  it("never fails a write: stored values always hash", () => {
    const f = fixture();
    f.tables.createTable({
      name: "all",
      columns: [
        { name: "id", type: "integer" },
        { name: "i", type: "integer" },
        { name: "r", type: "real" },
        { name: "t", type: "text" },
        { name: "b", type: "blob" },
        { name: "o", type: "boolean" },
        { name: "ts", type: "timestamp" },
        { name: "j", type: "json" },
      ],
      primaryKey: "id",
    });
    let id = 0;
    const row = fc.record({
      i: fc.option(fc.integer()),
      r: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
      t: fc.option(fc.string({ unit: "grapheme", maxLength: 40 })),
      b: fc.option(fc.base64String({ maxLength: 40 })),
      o: fc.option(fc.boolean()),
      ts: fc.option(fc.integer({ min: 0, max: 4_000_000_000_000 })),
      j: fc.option(fc.jsonValue({ maxDepth: 2 })),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), (rs) => {
        const before = f.estimator.stats("all").rows;
        f.tables.insert(
          "all",
          rs.map((r) => ({ ...r, id: id++ })),
        );
        expect(f.estimator.stats("all").rows).toBe(before + rs.length);
      }),
      { numRuns: 60 },
    );
    f.estimator.flush();
    expect(f.restart().stats("all").rows).toBe(id);
  });
});
