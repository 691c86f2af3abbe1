/**
 * HyperLogLog: mean relative error ≤ 1.2 × 1.04/√m at p = 10–16 over 50 cardinalities from 10²
 * to 10⁷ (sparse→dense transitions included), sparse within 0.5% below 1,000, bytes, bad params
 * and corrupt bytes.
 */
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { hashInto } from "../src/hash.ts";
import { HyperLogLog } from "../src/index.ts";

describe("HyperLogLog", () => {
  it("mean relative error ≤ 1.2 × 1.04/√m at p = 10–16 over 50 cardinalities 10²–10⁷", () => {
    const ps = [10, 11, 12, 13, 14, 15, 16];
    const sketches = ps.map((p) => new HyperLogLog(p));
    const points = Array.from({ length: 50 }, (_, i) => Math.round(10 ** (2 + (5 * i) / 49)));
    const errors = ps.map(() => [] as number[]);
    const h = new Uint32Array(2);
    let next = 0;
    for (let i = 1; i <= 10_000_000; i++) {
      hashInto(i, h);
      for (const s of sketches) s.addHash(h[0] as number, h[1] as number);
      while (points[next] === i) {
        sketches.forEach((s, j) => {
          errors[j]?.push(Math.abs(s.estimate() - i) / i);
        });
        next++;
      }
    }
    ps.forEach((p, j) => {
      const e = errors[j] as number[];
      const mean = e.reduce((a, b) => a + b, 0) / e.length;
      expect(mean, `p=${p}`).toBeLessThanOrEqual((1.2 * 1.04) / Math.sqrt(2 ** p));
    });
    expect(sketches.every((s) => !s.sparse)).toBe(true);
  }, 120_000);

  it("sparse mode is within 0.5% below 1,000 values and turns dense when the coupons outgrow 6-bit registers", () => {
    const s = new HyperLogLog(14);
    for (let i = 0; i < 1000; i++) {
      s.add(`user-${i}`);
      if (i % 50 === 49) expect(Math.abs(s.estimate() - (i + 1)) / (i + 1)).toBeLessThanOrEqual(0.005);
    }
    expect(s.sparse).toBe(true);
    for (let i = 1000; i < 4000; i++) s.add(`user-${i}`);
    expect(s.sparse).toBe(false);
    expect(s.toBytes().length).toBe(4 + 12 * 1024);
  });

  it("an empty sketch estimates 0; duplicates do not count", () => {
    const s = new HyperLogLog(12);
    expect(s.estimate()).toBe(0);
    for (let i = 0; i < 100; i++) s.add("same");
    expect(Math.round(s.estimate())).toBe(1);
  });

  it("refuses precisions outside 10–16 (INVALID_SKETCH_PARAMS) and corrupt bytes (SKETCH_CORRUPT)", () => {
    for (const p of [9, 17, 12.5])
      expect(errorCodeOf(catchErr(() => new HyperLogLog(p)))).toBe("INVALID_SKETCH_PARAMS");
    const bytes = new HyperLogLog(10).toBytes();
    const bad = [
      bytes.slice(0, 3),
      new Uint8Array([9, 1, 10, 0]),
      new Uint8Array([1, 2, 10, 0]),
      new Uint8Array([1, 1, 30, 0]),
    ];
    for (const b of bad) expect(errorCodeOf(catchErr(() => HyperLogLog.fromBytes(b)))).toBe("SKETCH_CORRUPT");
    const dense = new HyperLogLog(10);
    for (let i = 0; i < 5000; i++) dense.add(i);
    const d = dense.toBytes();
    d[10] = 0xff;
    d[11] = 0xff;
    expect(errorCodeOf(catchErr(() => HyperLogLog.fromBytes(d)))).toBe("SKETCH_CORRUPT");
  });

  it("folds to the smaller precision when merging mixed precisions", () => {
    const a = new HyperLogLog(14);
    const b = new HyperLogLog(12);
    for (let i = 0; i < 50_000; i++) (i % 2 ? a : b).add(i);
    const m = a.merge(b);
    expect(m.p).toBe(12);
    expect(Math.abs(m.estimate() - 50_000) / 50_000).toBeLessThan(0.05);
  });
});

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
