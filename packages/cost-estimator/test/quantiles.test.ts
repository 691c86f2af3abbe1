/**
 * KLL (rank error ≤ 1.65% at k = 200 on uniform, Zipf, sorted and reverse-sorted streams of
 * 10^6), SpaceSaving's guarantee, reservoir uniformity and the histogram's edge cases.
 */
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { EquiDepthHistogram, KllSketch, Reservoir, SpaceSaving } from "../src/index.ts";
import { prng, zipf } from "./helpers.ts";

function maxRankError(kll: KllSketch, sorted: Float64Array): number {
  let worst = 0;
  const n = sorted.length;
  for (let q = 1; q < 200; q++) {
    const x = sorted[Math.floor((q / 200) * n)] as number;
    // True rank of x: fraction of items < x.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    worst = Math.max(worst, Math.abs(kll.rank(x) - lo / n));
  }
  return worst;
}

describe("KllSketch", () => {
  const n = 1_000_000;
  const rand = prng(3);
  const draw = zipf(100_000, 1.1, rand);
  const streams: [string, (i: number) => number][] = [
    ["uniform", () => rand()],
    ["zipf", () => draw()],
    ["sorted", (i) => i],
    ["reverse-sorted", (i) => n - i],
  ];
  for (const [name, gen] of streams) {
    it(`rank error ≤ 1.65% on a ${name} stream of 10^6`, () => {
      const kll = new KllSketch(200, 5);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = gen(i);
        values[i] = v;
        kll.update(v);
      }
      values.sort();
      expect(kll.n).toBe(n);
      expect(maxRankError(kll, values)).toBeLessThanOrEqual(0.0165);
      expect(kll.quantile(0)).toBe(values[0]);
      expect(kll.quantile(1)).toBe(values[n - 1]);
    });
  }

  it("orders strings by UTF-8 bytes and cuts them to 64 bytes", () => {
    const kll = new KllSketch(200);
    for (const s of ["b", "a", "\u{1F600}", "\uFFFD", "z".repeat(100)]) kll.update(s);
    expect(kll.quantile(0)).toBe("a");
    expect(kll.max).toBe("\u{1F600}");
    expect(kll.rank("z".repeat(64), true)).toBeCloseTo(3 / 5);
  });

  it("refuses k < 8 (INVALID_SKETCH_PARAMS) and corrupt bytes (SKETCH_CORRUPT)", () => {
    expect(errorCodeOf(tryIt(() => new KllSketch(4)))).toBe("INVALID_SKETCH_PARAMS");
    const bytes = new KllSketch(200).toBytes();
    expect(errorCodeOf(tryIt(() => KllSketch.fromBytes(bytes.slice(0, bytes.length - 1))))).toBe("SKETCH_CORRUPT");
  });
});

describe("SpaceSaving", () => {
  it("lists every value above N/128 and never under-counts", () => {
    const rand = prng(9);
    const draw = zipf(50_000, 1.05, rand);
    const ss = new SpaceSaving(128);
    const truth = new Map<number, number>();
    const n = 300_000;
    for (let i = 0; i < n; i++) {
      const v = draw();
      truth.set(v, (truth.get(v) ?? 0) + 1);
      ss.add(v);
    }
    const top = ss.top(100);
    const listed = new Map(top.map((h) => [h.value, h]));
    for (const [v, c] of truth) {
      if (c > n / 128) expect(listed.has(v), `value ${v} (${c})`).toBe(true);
    }
    for (const h of top) {
      const c = truth.get(h.value as number) ?? 0;
      expect(h.count).toBeGreaterThanOrEqual(c);
      expect(h.count - h.error).toBeLessThanOrEqual(c);
    }
  });

  it("forgets deleted occurrences of a counted value", () => {
    const ss = new SpaceSaving(4);
    for (let i = 0; i < 10; i++) ss.add("a");
    ss.remove("a");
    expect(ss.count("a")).toBe(9);
  });
});

describe("Reservoir (Algorithm L)", () => {
  it("keeps every row with the same probability", () => {
    const bins = new Array(10).fill(0) as number[];
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const r = new Reservoir(100, t + 1);
      for (let i = 0; i < 10_000; i++) r.offer({ i });
      expect(r.rows.length).toBe(100);
      for (const row of r.rows) {
        const b = Math.floor((row.i as number) / 1000);
        bins[b] = (bins[b] ?? 0) + 1;
      }
    }
    const expected = (trials * 100) / 10;
    let chi2 = 0;
    for (const b of bins) chi2 += (b - expected) ** 2 / expected;
    // χ² with 9 degrees of freedom: 27.9 is the 99.9th percentile.
    expect(chi2).toBeLessThan(27.9);
  });

  it("truncates values over 256 bytes and stays ≤ 256 KB stored", () => {
    const r = new Reservoir(1000);
    for (let i = 0; i < 2000; i++) r.offer({ a: "x".repeat(1000), b: "y".repeat(1000), c: i });
    expect(String(r.rows[0]?.a).length).toBe(256);
    expect(r.toBytes().length).toBeLessThanOrEqual(256 * 1024);
    expect(Reservoir.fromBytes(r.toBytes()).rows.length).toBe(1000);
  });
});

describe("EquiDepthHistogram", () => {
  it("a point bucket never divides by zero; numbers interpolate linearly", () => {
    const h = EquiDepthHistogram.fromSorted([5, 5, 5, 5, 5, 5, 5, 5, 5, 5], 10);
    expect(h.fractionBelow(5, false)).toBe(0);
    expect(h.fractionBelow(5, true)).toBe(1);
    const u = EquiDepthHistogram.fromSorted(
      Array.from({ length: 1000 }, (_, i) => i),
      10,
    );
    expect(u.buckets.length).toBe(10);
    expect(u.fractionBelow(250, false)).toBeCloseTo(0.25, 2);
  });

  it("strings interpolate by position after the common prefix", () => {
    const words = Array.from(
      { length: 26 * 26 },
      (_, i) => `k${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`,
    );
    const h = EquiDepthHistogram.fromSorted(words, 10);
    expect(h.fractionBelow("kn", false)).toBeCloseTo(0.5, 1);
    expect(h.fractionBelow("ka", false)).toBe(0);
    expect(h.fractionBelow("kzz", true)).toBe(1);
  });

  it("refuses a statistics target outside 10–1,000", () => {
    expect(errorCodeOf(tryIt(() => EquiDepthHistogram.fromSorted([1], 5)))).toBe("INVALID_SKETCH_PARAMS");
  });
});

function tryIt(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
