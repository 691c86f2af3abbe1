/**
 * HyperLogLog distinct counts (items 2 of issue 9). Sparse mode keeps HLL++-style coupons at
 * precision 25 (exact-ish linear counting for small sets) and turns dense once its encoding
 * would outgrow the dense one; dense mode keeps one byte per register in memory and 6 bits in
 * bytes, and estimates with Ertl's improved estimator (no bias tables). Merge is register max;
 * mixed precisions fold to the smaller p.
 * @module
 */
import { ByteReader, ByteWriter, FORMAT_VERSION, SKETCH_TYPE } from "./byte-io.ts";
import { invalidSketchParams, sketchCorrupt } from "./errors.ts";
import { hashInto } from "./hash.ts";

/** Precision of sparse coupons. */
const SPARSE_P = 25;
const SPARSE_M = 2 ** SPARSE_P;
const scratch = new Uint32Array(2);

function checkPrecision(p: number): void {
  if (!Number.isInteger(p) || p < 10 || p > 16) throw invalidSketchParams(`HLL precision ${p} is outside 10–16`);
}

/** Leading-zero run + 1 of the bits of `hi:lo` after the first `p`, capped at 64 − p + 1. */
function rhoOf(hi: number, lo: number, p: number): number {
  const rest = (hi << p) >>> 0;
  if (rest !== 0) return Math.clz32(rest) + 1;
  return 32 - p + (lo === 0 ? 32 : Math.clz32(lo)) + 1;
}

/** The dense register (index, value) of a precision-25 coupon at precision `p`. */
function couponToDense(index25: number, rho25: number, p: number): [number, number] {
  const shift = SPARSE_P - p;
  const index = index25 >>> shift;
  const between = index25 & ((1 << shift) - 1);
  const rho = between !== 0 ? Math.clz32(between << (32 - shift)) + 1 : shift + rho25;
  return [index, rho];
}

/** σ of Ertl's estimator. */
function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  let prev: number;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (z !== prev);
  return z;
}

/** τ of Ertl's estimator. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let prev: number;
  do {
    x = Math.sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
  } while (z !== prev);
  return z / 3;
}

/**
 * A HyperLogLog sketch.
 * @example
 * const hll = new HyperLogLog(14);
 * hll.add("SFO");
 * hll.estimate();
 */
export class HyperLogLog {
  readonly p: number;
  readonly m: number;
  #sparse: Map<number, number> | null = new Map();
  #dense: Uint8Array | null = null;

  /** @throws {INVALID_SKETCH_PARAMS} p outside 10–16 */
  constructor(p = 14) {
    checkPrecision(p);
    this.p = p;
    this.m = 2 ** p;
  }

  /** Whether the sketch still keeps sparse coupons. */
  get sparse(): boolean {
    return this.#sparse !== null;
  }

  /** Relative standard error 1.04/√m of the dense estimator. */
  get standardError(): number {
    return 1.04 / Math.sqrt(this.m);
  }

  /** Adds a value (hashed with `hash64`). @throws {UNHASHABLE_VALUE} */
  add(value: unknown): void {
    hashInto(value, scratch);
    this.addHash(scratch[0] as number, scratch[1] as number);
  }

  /** Adds a precomputed 64-bit hash. */
  addHash(hi: number, lo: number): void {
    const sparse = this.#sparse;
    if (sparse !== null) {
      const index = hi >>> (32 - SPARSE_P);
      const rho = rhoOf(hi, lo, SPARSE_P);
      const cur = sparse.get(index);
      if (cur === undefined || cur < rho) {
        sparse.set(index, rho);
        if (sparse.size * 4 > this.m * 0.75) this.#toDense();
      }
      return;
    }
    const regs = this.#dense as Uint8Array;
    const index = hi >>> (32 - this.p);
    const rho = rhoOf(hi, lo, this.p);
    if ((regs[index] as number) < rho) regs[index] = rho;
  }

  #toDense(): void {
    const regs = new Uint8Array(this.m);
    for (const [index25, rho25] of this.#sparse ?? []) {
      const [i, r] = couponToDense(index25, rho25, this.p);
      if ((regs[i] as number) < r) regs[i] = r;
    }
    this.#sparse = null;
    this.#dense = regs;
  }

  /** The dense registers (computed from the coupons while sparse). */
  registers(): Uint8Array {
    if (this.#dense) return this.#dense.slice();
    const regs = new Uint8Array(this.m);
    for (const [index25, rho25] of this.#sparse ?? []) {
      const [i, r] = couponToDense(index25, rho25, this.p);
      if ((regs[i] as number) < r) regs[i] = r;
    }
    return regs;
  }

  /** The estimated number of distinct values. */
  estimate(): number {
    if (this.#sparse) {
      const zeros = SPARSE_M - this.#sparse.size;
      return SPARSE_M * Math.log(SPARSE_M / zeros);
    }
    const regs = this.#dense as Uint8Array;
    const q = 64 - this.p;
    const counts = new Float64Array(q + 2);
    for (let i = 0; i < regs.length; i++) {
      const r = regs[i] as number;
      counts[r] = (counts[r] as number) + 1;
    }
    const m = this.m;
    let z = m * tau(1 - (counts[q + 1] as number) / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + (counts[k] as number));
    z += m * sigma((counts[0] as number) / m);
    if (!Number.isFinite(z)) return 0;
    return (m * m) / (2 * Math.LN2 * z);
  }

  /**
   * Merges `other` into this sketch (register max). A sketch of higher precision folds down; a
   * sketch of lower precision makes this one fold down first.
   * @returns the merged sketch (this one, or a new one of the smaller precision)
   */
  merge(other: HyperLogLog): HyperLogLog {
    if (other.p < this.p) return this.foldTo(other.p).merge(other);
    if (this.#sparse && other.#sparse) {
      for (const [index, rho] of other.#sparse) {
        const cur = this.#sparse.get(index);
        if (cur === undefined || cur < rho) this.#sparse.set(index, rho);
      }
      if (this.#sparse.size * 4 > this.m * 0.75) this.#toDense();
      return this;
    }
    if (this.#sparse) this.#toDense();
    const regs = this.#dense as Uint8Array;
    const theirs = other.p === this.p ? other.registers() : other.foldTo(this.p).registers();
    for (let i = 0; i < regs.length; i++)
      if ((theirs[i] as number) > (regs[i] as number)) regs[i] = theirs[i] as number;
    return this;
  }

  /** A copy of this sketch at the smaller precision `p`. */
  foldTo(p: number): HyperLogLog {
    checkPrecision(p);
    if (p > this.p) throw invalidSketchParams(`cannot raise HLL precision from ${this.p} to ${p}`);
    const out = new HyperLogLog(p);
    if (this.#sparse) {
      for (const [index, rho] of this.#sparse) (out.#sparse as Map<number, number>).set(index, rho);
      if ((out.#sparse as Map<number, number>).size * 4 > out.m * 0.75) out.#toDense();
      return out;
    }
    out.#toDense();
    const regs = out.#dense as Uint8Array;
    const src = this.#dense as Uint8Array;
    const shift = this.p - p;
    for (let i = 0; i < src.length; i++) {
      const r = src[i] as number;
      if (r === 0) continue;
      const j = i >>> shift;
      const between = i & ((1 << shift) - 1);
      const v = shift === 0 ? r : between !== 0 ? Math.clz32(between << (32 - shift)) + 1 : shift + r;
      if ((regs[j] as number) < v) regs[j] = v;
    }
    return out;
  }

  /** A deep copy. */
  clone(): HyperLogLog {
    return HyperLogLog.fromBytes(this.toBytes());
  }

  /** Header (version, type, p, mode) then coupons (sparse) or 6-bit registers (dense). */
  toBytes(): Uint8Array {
    const w = new ByteWriter().u8(FORMAT_VERSION).u8(SKETCH_TYPE.hll).u8(this.p);
    if (this.#sparse) {
      w.u8(0).u32(this.#sparse.size);
      const coupons = [...this.#sparse].map(([i, r]) => i * 64 + r).sort((a, b) => a - b);
      for (const c of coupons) w.u32(c);
      return w.finish();
    }
    w.u8(1);
    const regs = this.#dense as Uint8Array;
    const packed = new Uint8Array((this.m * 3) / 4);
    for (let i = 0, o = 0; i < regs.length; i += 4, o += 3) {
      const a = regs[i] as number;
      const b = regs[i + 1] as number;
      const c = regs[i + 2] as number;
      const d = regs[i + 3] as number;
      packed[o] = (a << 2) | (b >> 4);
      packed[o + 1] = ((b & 15) << 4) | (c >> 2);
      packed[o + 2] = ((c & 3) << 6) | d;
    }
    return w.bytes(packed).finish();
  }

  /** @throws {SKETCH_CORRUPT} for bytes that are not an HLL of this format */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): HyperLogLog {
    const r = new ByteReader(bytes);
    const [p, mode] = r.header(SKETCH_TYPE.hll);
    if (p < 10 || p > 16) throw sketchCorrupt(`HLL precision ${p} in bytes`);
    const out = new HyperLogLog(p);
    const maxRho = 64 - p + 1;
    if (mode === 0) {
      const n = r.u32();
      if (n * 4 > out.m * 0.75 + 4) throw sketchCorrupt("too many HLL coupons");
      for (let k = 0; k < n; k++) {
        const c = r.u32();
        const rho = c % 64;
        if (rho === 0 || rho > 64 - SPARSE_P + 1) throw sketchCorrupt("HLL coupon out of range");
        (out.#sparse as Map<number, number>).set(Math.floor(c / 64), rho);
      }
    } else if (mode === 1) {
      out.#toDense();
      const regs = out.#dense as Uint8Array;
      const packed = r.bytes((out.m * 3) / 4);
      for (let i = 0, o = 0; i < regs.length; i += 4, o += 3) {
        const x = packed[o] as number;
        const y = packed[o + 1] as number;
        const z = packed[o + 2] as number;
        regs[i] = x >> 2;
        regs[i + 1] = ((x & 3) << 4) | (y >> 4);
        regs[i + 2] = ((y & 15) << 2) | (z >> 6);
        regs[i + 3] = z & 63;
      }
      for (const v of regs) if (v > maxRho) throw sketchCorrupt("HLL register out of range");
    } else throw sketchCorrupt(`unknown HLL mode ${mode}`);
    r.end();
    return out;
  }
}
