/**
 * Item 2: every state against a direct computation, its subtract path, its bytes (version byte
 * first; corrupt bytes refused), and the merge laws as properties (fast-check): merge(A, B) =
 * state(A ∪ B), commutative, associative, the empty state the identity, add-then-subtract
 * restores; HLL register-equal; KLL within its rank error.
 */
import { isPlatformError } from "@durable/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STATE_FORMAT_VERSION, type StateOps, states } from "../src/index.ts";

const build = <S>(ops: StateOps<S>, values: (number | null)[]) => values.reduce((s, v) => ops.add(s, v), ops.init());
const roundTrip = <S>(ops: StateOps<S>, s: S) => ops.fromBytes(ops.toBytes(s));

function sampleVar(xs: number[]): number | null {
  if (xs.length < 2) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
}

const ints = fc.array(fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.constant(null)), { maxLength: 60 });

describe("states", () => {
  it("finalize like a direct computation; empty groups are null, never 0 or NaN", () => {
    const xs = [3, null, -7, 10, 10];
    expect(states.count().finalize(build(states.count(), xs))).toBe(4);
    expect(states.sum(true).finalize(build(states.sum(true), xs))).toBe(16);
    expect(states.min().finalize(build(states.min(), xs))).toBe(-7);
    expect(states.max().finalize(build(states.max(), xs))).toBe(10);
    expect(states.avg(true).finalize(build(states.avg(true), xs))).toBe(4);
    expect(states.variance(true).finalize(build(states.variance(true), xs))).toBeCloseTo(
      sampleVar([3, -7, 10, 10]) as number,
      12,
    );
    const all = [
      states.sum(true),
      states.min(),
      states.max(),
      states.avg(false),
      states.variance(false),
    ] as StateOps<unknown>[];
    for (const ops of all) {
      expect(ops.finalize(ops.init())).toBeNull();
      expect(ops.finalize(build(ops, [null, null]))).toBeNull();
    }
    expect(states.min().finalize(build(states.min(), ["b", "a", "ab"] as never))).toBe("a");
  });

  it("keeps integer sums exact past 2^53 and compensates float sums", () => {
    const big = build(states.sum(true), [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 3]);
    expect(states.sum(true).finalize(big)).toBe("18014398509481985");
    expect(states.sum(true).finalize(roundTrip(states.sum(true), big))).toBe("18014398509481985");
    const f = build(states.sum(false), [1e16, 1, -1e16, 1]);
    expect(states.sum(false).finalize(f)).toBe(2);
  });

  it("writes the format version first and refuses bytes that do not decode", () => {
    const ops = states.variance(true);
    const bytes = ops.toBytes(build(ops, [1, 2, 3]));
    expect(bytes[0]).toBe(STATE_FORMAT_VERSION);
    for (const bad of [bytes.slice(0, 5), Uint8Array.of(9, ...bytes.slice(1)), Uint8Array.of(...bytes, 0)]) {
      expect(() => ops.fromBytes(bad)).toThrow(expect.objectContaining({ code: "STATE_CORRUPT" }));
    }
    // Another state's bytes, and a sketch whose inner bytes are garbage.
    expect(() => states.quantiles().fromBytes(states.count().toBytes({ n: 1 }))).toThrow(/STATE_CORRUPT/);
    let code: string | undefined;
    try {
      states.countDistinct().fromBytes(Uint8Array.of(STATE_FORMAT_VERSION, 7, 0, 0, 0, 0, 0, 0, 0, 0));
    } catch (err) {
      code = isPlatformError(err) ? err.code : undefined;
    }
    expect(code).toBe("STATE_CORRUPT");
  });

  it("merge(state(A), state(B)) = state(A ∪ B), commutative, associative, empty identity (exact aggregates)", () => {
    const exact = [
      states.count(),
      states.sum(true),
      states.min(),
      states.max(),
      states.avg(true),
      states.variance(true),
    ] as StateOps<unknown>[];
    fc.assert(
      fc.property(ints, ints, ints, (a, b, c) => {
        for (const ops of exact) {
          const whole = ops.finalize(build(ops, [...a, ...b, ...c]));
          const ab = ops.merge(build(ops, a), roundTrip(ops, build(ops, b)));
          const left = ops.finalize(ops.merge(ab, build(ops, c)));
          const right = ops.finalize(ops.merge(build(ops, a), ops.merge(build(ops, b), build(ops, c))));
          const swapped = ops.finalize(ops.merge(ops.merge(build(ops, c), build(ops, b)), build(ops, a)));
          const withEmpty = ops.finalize(ops.merge(ops.init(), ops.merge(build(ops, [...a, ...b, ...c]), ops.init())));
          for (const v of [left, right, swapped, withEmpty]) {
            if (typeof whole === "number" && ops.agg === "variance") expect(v as number).toBeCloseTo(whole, 6);
            else expect(v).toEqual(whole);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("add then subtract restores count, sum, avg and variance", () => {
    const subtractable = [
      states.count(),
      states.sum(true),
      states.avg(true),
      states.variance(true),
    ] as StateOps<unknown>[];
    fc.assert(
      fc.property(ints, ints, (keep, drop) => {
        for (const ops of subtractable) {
          const s = build(ops, [...keep, ...drop]);
          for (const v of drop) ops.subtract?.(s, v);
          expect(ops.finalize(s)).toEqual(ops.finalize(build(ops, keep)));
        }
      }),
      { numRuns: 150 },
    );
  });

  it("HLL merges register-equal; KLL answers within its rank error", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }),
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }),
        (a, b) => {
          const ops = states.countDistinct(12);
          const merged = ops.merge(build(ops, a), roundTrip(ops, build(ops, b)));
          expect(merged.hll.registers()).toEqual(build(ops, [...a, ...b]).hll.registers());
        },
      ),
      { numRuns: 50 },
    );
    const ops = states.quantiles(200);
    const values = Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 10_007);
    const parts = [0, 1, 2, 3].map((p) =>
      build(
        ops,
        values.filter((_, i) => i % 4 === p),
      ),
    );
    const merged = parts.reduce((s, p) => ops.merge(s, roundTrip(ops, p)), ops.init());
    const sorted = [...values].sort((x, y) => x - y);
    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      const v = ops.finalize(merged, q) as number;
      const rank = sorted.filter((x) => x <= v).length / sorted.length;
      expect(Math.abs(rank - q)).toBeLessThan(0.02);
    }
    expect(states.quantiles().finalize(states.quantiles().init(), 0.5)).toBeNull();
  });
});
