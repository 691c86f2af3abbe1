/**
 * Equi-depth histograms (item 4 of issue 9), PostgreSQL style: the values that are not MCVs,
 * cut into up to `target` buckets of equal row counts, a run of equal values never split.
 * Inside a bucket numbers interpolate linearly and strings by their position after the common
 * prefix of the bucket's bounds; a point bucket (lo = hi) never divides by zero.
 * @module
 */
import { ByteReader, ByteWriter, FORMAT_VERSION, SKETCH_TYPE } from "./byte-io.ts";
import { invalidSketchParams, sketchCorrupt } from "./errors.ts";
import { compareValues, type OrderedValue, truncateUtf8 } from "./value-order.ts";

/** One bucket: bounds (inclusive), rows and distinct values in it. */
export interface Bucket {
  lo: OrderedValue;
  hi: OrderedValue;
  count: number;
  ndv: number;
}

const encoder = new TextEncoder();

/** Where `x` sits between `lo` and `hi` (0–1), for numbers or strings. */
export function position(x: OrderedValue, lo: OrderedValue, hi: OrderedValue): number {
  if (compareValues(x, lo) <= 0) return 0;
  if (compareValues(x, hi) >= 0) return 1;
  if (typeof x === "number" && typeof lo === "number" && typeof hi === "number") return (x - lo) / (hi - lo);
  if (typeof x !== "string" || typeof lo !== "string" || typeof hi !== "string") return 0.5;
  let p = 0;
  while (p < lo.length && p < hi.length && lo.charCodeAt(p) === hi.charCodeAt(p)) p++;
  const scalar = (s: string) => {
    const bytes = encoder.encode(s.slice(p, p + 6));
    let v = 0;
    for (let i = 0; i < 6; i++) v = v * 256 + (bytes[i] ?? 0);
    return v;
  };
  const a = scalar(lo);
  const b = scalar(hi);
  if (b <= a) return 0.5;
  return Math.min(1, Math.max(0, (scalar(x) - a) / (b - a)));
}

/**
 * An equi-depth histogram.
 * @example
 * const h = EquiDepthHistogram.fromSorted(values, 100);
 * h.fractionBelow(60, false);
 */
export class EquiDepthHistogram {
  readonly buckets: readonly Bucket[];
  readonly total: number;

  constructor(buckets: Bucket[]) {
    this.buckets = buckets;
    this.total = buckets.reduce((s, b) => s + b.count, 0);
  }

  /**
   * Builds from sorted values with optional weights (a KLL's sorted view, or a sample).
   * @param values sorted ascending
   * @param target most buckets (10–1,000)
   * @param weights weight per value (default 1)
   * @throws {INVALID_SKETCH_PARAMS} target outside 10–1,000
   */
  static fromSorted(values: readonly OrderedValue[], target = 100, weights?: ArrayLike<number>): EquiDepthHistogram {
    if (!Number.isInteger(target) || target < 10 || target > 1000) {
      throw invalidSketchParams(`statistics target ${target} is outside 10–1,000`);
    }
    let total = 0;
    for (let i = 0; i < values.length; i++) total += weights ? (weights[i] as number) : 1;
    const per = total / target;
    const buckets: Bucket[] = [];
    let i = 0;
    while (i < values.length) {
      const lo = values[i] as OrderedValue;
      let count = 0;
      let ndv = 0;
      let hi = lo;
      while (i < values.length) {
        const v = values[i] as OrderedValue;
        ndv++;
        hi = v;
        // A run of equal values stays in one bucket.
        while (i < values.length && compareValues(values[i] as OrderedValue, v) === 0) {
          count += weights ? (weights[i] as number) : 1;
          i++;
        }
        if (count >= per && buckets.length < target - 1) break;
      }
      buckets.push({ lo, hi, count, ndv });
    }
    return new EquiDepthHistogram(buckets);
  }

  /** Rows of the histogram below `x` (≤ x when `inclusive`), as a fraction of its rows. */
  fractionBelow(x: OrderedValue, inclusive: boolean): number {
    if (this.total <= 0) return 0;
    let rows = 0;
    for (const b of this.buckets) {
      const cHi = compareValues(x, b.hi);
      if (cHi > 0 || (cHi === 0 && inclusive)) {
        rows += b.count;
        continue;
      }
      const cLo = compareValues(x, b.lo);
      if (cLo < 0 || (cLo === 0 && !inclusive)) break;
      if (compareValues(b.lo, b.hi) === 0) {
        rows += inclusive ? b.count : 0;
        break;
      }
      const one = b.count / Math.max(1, b.ndv);
      const inside = b.count * position(x, b.lo, b.hi) + (inclusive ? one : 0);
      rows += Math.min(b.count, Math.max(0, inside));
      break;
    }
    return Math.min(1, rows / this.total);
  }

  /** Lowest and highest bound, or null when empty. */
  bounds(): [OrderedValue, OrderedValue] | null {
    const first = this.buckets[0];
    const last = this.buckets[this.buckets.length - 1];
    return first && last ? [first.lo, last.hi] : null;
  }

  /** The same histogram with string bounds cut to `maxBytes` (to fit the 64 KB column budget). */
  truncated(maxBytes: number): EquiDepthHistogram {
    const cut = (v: OrderedValue) => (typeof v === "string" ? truncateUtf8(v, maxBytes) : v);
    return new EquiDepthHistogram(this.buckets.map((b) => ({ ...b, lo: cut(b.lo), hi: cut(b.hi) })));
  }

  toBytes(): Uint8Array {
    const w = new ByteWriter().u8(FORMAT_VERSION).u8(SKETCH_TYPE.histogram).u8(0).u8(0).u32(this.buckets.length);
    for (const b of this.buckets) w.item(b.lo).item(b.hi).f64(b.count).f64(b.ndv);
    return w.finish();
  }

  /** @throws {SKETCH_CORRUPT} */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): EquiDepthHistogram {
    const r = new ByteReader(bytes);
    r.header(SKETCH_TYPE.histogram);
    const n = r.u32();
    if (n > 1000) throw sketchCorrupt(`histogram of ${n} buckets`);
    const buckets: Bucket[] = [];
    for (let i = 0; i < n; i++) {
      const b = { lo: r.item(), hi: r.item(), count: r.f64(), ndv: r.f64() };
      if (!(b.count >= 0) || !(b.ndv >= 0) || compareValues(b.lo, b.hi) > 0) throw sketchCorrupt("histogram bucket");
      buckets.push(b);
    }
    r.end();
    return new EquiDepthHistogram(buckets);
  }
}
