/**
 * SpaceSaving heavy hitters (item 5 of issue 9): 128 counters over an indexed min-heap, so an
 * update is O(log 128) even on a column where every value is new. Guarantee (Metwally et al.):
 * every value with true count > N/capacity holds a counter, and each counter over-counts by at
 * most its recorded error.
 * @module
 */
import { ByteReader, ByteWriter, FORMAT_VERSION, SKETCH_TYPE } from "./byte-io.ts";
import { invalidSketchParams, sketchCorrupt } from "./errors.ts";
import { type OrderedValue, truncateUtf8 } from "./value-order.ts";

/** Longest string value kept, in UTF-8 bytes. */
export const MCV_MAX_VALUE_BYTES = 64;

/** One heavy hitter: its counted occurrences and the most they over-count. */
export interface HeavyHitter {
  value: OrderedValue;
  count: number;
  error: number;
}

interface Counter extends HeavyHitter {
  pos: number;
}

/**
 * A SpaceSaving sketch.
 * @example
 * const ss = new SpaceSaving(128);
 * ss.add("SFO");
 * ss.top(10);
 */
export class SpaceSaving {
  readonly capacity: number;
  readonly #byValue = new Map<OrderedValue, Counter>();
  readonly #heap: Counter[] = [];
  #n = 0;

  /** @throws {INVALID_SKETCH_PARAMS} capacity < 1 */
  constructor(capacity = 128) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 65_535) {
      throw invalidSketchParams(`SpaceSaving capacity ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Occurrences added minus those removed. */
  get n(): number {
    return this.#n;
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i] as Counter;
    const b = this.#heap[j] as Counter;
    this.#heap[i] = b;
    this.#heap[j] = a;
    a.pos = j;
    b.pos = i;
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < h.length && (h[l] as Counter).count < (h[s] as Counter).count) s = l;
      if (r < h.length && (h[r] as Counter).count < (h[s] as Counter).count) s = r;
      if (s === i) return;
      this.#swap(i, s);
      i = s;
    }
  }

  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((this.#heap[p] as Counter).count <= (this.#heap[i] as Counter).count) return;
      this.#swap(i, p);
      i = p;
    }
  }

  /** Counts one occurrence of `value` (strings cut to 64 UTF-8 bytes). */
  add(value: OrderedValue, times = 1): void {
    const v = typeof value === "string" ? truncateUtf8(value, MCV_MAX_VALUE_BYTES) : value;
    this.#n += times;
    const hit = this.#byValue.get(v);
    if (hit) {
      hit.count += times;
      this.#down(hit.pos);
      return;
    }
    if (this.#heap.length < this.capacity) {
      const c: Counter = { value: v, count: times, error: 0, pos: this.#heap.length };
      this.#heap.push(c);
      this.#byValue.set(v, c);
      this.#up(c.pos);
      return;
    }
    const min = this.#heap[0] as Counter;
    this.#byValue.delete(min.value);
    min.error = min.count;
    min.count += times;
    min.value = v;
    this.#byValue.set(v, min);
    this.#down(0);
  }

  /** Removes one occurrence of `value` when it holds a counter (deletes cannot be undone otherwise). */
  remove(value: OrderedValue): void {
    const v = typeof value === "string" ? truncateUtf8(value, MCV_MAX_VALUE_BYTES) : value;
    this.#n = Math.max(0, this.#n - 1);
    const hit = this.#byValue.get(v);
    if (!hit || hit.count <= 0) return;
    hit.count--;
    if (hit.error > hit.count) hit.error = hit.count;
    this.#up(hit.pos);
  }

  /** The counted occurrences of `value` (0 when it holds no counter). */
  count(value: OrderedValue): number {
    return this.#byValue.get(value)?.count ?? 0;
  }

  /**
   * The heavy hitters, largest first: at most `limit`, but always every value whose count
   * exceeds N/capacity (the guarantee).
   */
  top(limit = 100): HeavyHitter[] {
    const all = this.#heap
      .filter((c) => c.count > 0)
      .map((c) => ({ value: c.value, count: c.count, error: c.error }))
      .sort((a, b) => b.count - a.count);
    const guaranteed = all.filter((c) => c.count - c.error > this.#n / this.capacity).length;
    return all.slice(0, Math.max(limit, guaranteed));
  }

  /** Header (version, type, 0, 0), capacity, n, then the counters. */
  toBytes(): Uint8Array {
    const w = new ByteWriter().u8(FORMAT_VERSION).u8(SKETCH_TYPE.spaceSaving).u8(0).u8(0);
    w.u32(this.capacity).f64(this.#n).u32(this.#heap.length);
    for (const c of this.#heap) w.item(c.value).f64(c.count).f64(c.error);
    return w.finish();
  }

  /** @throws {SKETCH_CORRUPT} */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): SpaceSaving {
    const r = new ByteReader(bytes);
    r.header(SKETCH_TYPE.spaceSaving);
    const capacity = r.u32();
    if (capacity < 1 || capacity > 65_535) throw sketchCorrupt(`SpaceSaving capacity ${capacity}`);
    const out = new SpaceSaving(capacity);
    out.#n = r.f64();
    const size = r.u32();
    if (size > capacity || !Number.isFinite(out.#n)) throw sketchCorrupt("SpaceSaving header");
    for (let i = 0; i < size; i++) {
      const value = r.item();
      const count = r.f64();
      const error = r.f64();
      if (!Number.isFinite(count) || !Number.isFinite(error) || out.#byValue.has(value)) {
        throw sketchCorrupt("SpaceSaving counter");
      }
      const c: Counter = { value, count, error, pos: out.#heap.length };
      out.#heap.push(c);
      out.#byValue.set(value, c);
      out.#up(c.pos);
    }
    r.end();
    return out;
  }
}
