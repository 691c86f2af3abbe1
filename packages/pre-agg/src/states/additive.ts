/**
 * The subtractable states: count, sum (exact integers, BigInt past 2^53; Neumaier-compensated
 * floats), avg (a sum with its non-null count) and variance (count, sum, sum of squares; the
 * sample variance).
 * @module
 */
import { stateCorrupt } from "../errors.ts";
import { STATE_TAG, StateReader, StateWriter } from "./bytes.ts";
import type { StateInput, StateOps, StateValue } from "./types.ts";

/** A count of values (or of rows, for count(*)). */
export interface CountState {
  n: number;
}

/** An exact integer accumulator: a number while safe, a bigint beyond. */
export type Exact = number | bigint;

/** Adds two exact integers, widening to bigint only when the result is past 2^53. */
export function addExact(a: Exact, b: Exact): Exact {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const big = BigInt(a) + BigInt(b);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** Neumaier's step: adds `x` to (s, c) and returns the new pair. */
export function neumaier(s: number, c: number, x: number): [number, number] {
  const t = s + x;
  const comp = Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
  return [t, c + comp];
}

/** A sum with its non-null count; `s` exact for integers, `s + c` compensated for floats. */
export interface SumState {
  n: number;
  s: Exact;
  c: number;
}

/** A sum of squares on top of a sum. */
export interface VarianceState extends SumState {
  q: Exact;
  qc: number;
}

function finalizeExact(v: Exact): StateValue {
  if (typeof v === "number") return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function toNum(v: StateInput): number {
  return typeof v === "number" ? v : Number(v);
}

/** count: counts non-null values; count(*) passes every row as a non-null value. */
export const countOps: StateOps<CountState> = {
  agg: "count",
  subtractable: true,
  init: () => ({ n: 0 }),
  add: (s, v) => {
    if (v !== null) s.n++;
    return s;
  },
  subtract: (s, v) => {
    if (v !== null) s.n--;
    return s;
  },
  merge: (s, o) => {
    s.n += o.n;
    return s;
  },
  finalize: (s) => s.n,
  toBytes: (s) => new StateWriter(STATE_TAG.count).f64(s.n).finish(),
  fromBytes: (b) => {
    const r = new StateReader(b, STATE_TAG.count);
    const n = r.f64();
    r.end();
    if (!Number.isInteger(n)) throw stateCorrupt("count is not an integer");
    return { n };
  },
};

function sumLike(agg: "sum" | "avg", integer: boolean): StateOps<SumState> {
  const tag = agg === "sum" ? STATE_TAG.sum : STATE_TAG.avg;
  const step = (s: SumState, v: StateInput, sign: 1 | -1): SumState => {
    if (v === null) return s;
    s.n += sign;
    if (integer) s.s = addExact(s.s, typeof v === "bigint" ? sign * Number(v) : sign * toNum(v));
    else [s.s, s.c] = neumaier(s.s as number, s.c, sign * toNum(v));
    return s;
  };
  return {
    agg,
    subtractable: true,
    init: () => ({ n: 0, s: 0, c: 0 }),
    add: (s, v) => step(s, v, 1),
    subtract: (s, v) => step(s, v, -1),
    merge: (s, o) => {
      s.n += o.n;
      if (integer) s.s = addExact(s.s, o.s);
      else {
        [s.s, s.c] = neumaier(s.s as number, s.c, o.s as number);
        s.c += o.c;
      }
      return s;
    },
    finalize: (s) => {
      if (s.n <= 0) return null;
      if (agg === "sum") return integer ? finalizeExact(s.s) : (s.s as number) + s.c;
      const total = typeof s.s === "bigint" ? Number(s.s) : s.s + s.c;
      return total / s.n;
    },
    toBytes: (s) =>
      new StateWriter(tag)
        .u8(integer ? 1 : 0)
        .f64(s.n)
        .value(s.s)
        .f64(s.c)
        .finish(),
    fromBytes: (b) => {
      const r = new StateReader(b, tag);
      const kind = r.u8();
      const n = r.f64();
      const sum = r.value();
      const c = r.f64();
      r.end();
      if (kind !== (integer ? 1 : 0) || typeof sum === "string" || sum === null) throw stateCorrupt(`${agg} state`);
      return { n, s: sum, c };
    },
  };
}

/** sum of an integer column (exact) or of a real one (compensated). */
export const sumOps = (integer: boolean): StateOps<SumState> => sumLike("sum", integer);

/** avg: sum ÷ non-null count. */
export const avgOps = (integer: boolean): StateOps<SumState> => sumLike("avg", integer);

/** The sample variance of (n, Σx, Σx²): exact through BigInt for integers. */
export function sampleVariance(s: VarianceState, integer: boolean): number | null {
  if (s.n < 2) return null;
  if (integer) {
    const n = BigInt(s.n);
    const num = n * BigInt(s.q) - BigInt(s.s) * BigInt(s.s);
    const v = Number(num) / (s.n * (s.n - 1));
    return Math.max(v, 0);
  }
  const sum = (s.s as number) + s.c;
  const v = ((s.q as number) + s.qc - (sum * sum) / s.n) / (s.n - 1);
  return Math.max(v, 0);
}

/** variance (sample); stddev is its square root. */
export function varianceOps(integer: boolean): StateOps<VarianceState> {
  const step = (s: VarianceState, v: StateInput, sign: 1 | -1): VarianceState => {
    if (v === null) return s;
    const x = toNum(v);
    s.n += sign;
    if (integer) {
      s.s = addExact(s.s, sign * x);
      const sq = x * x;
      s.q = addExact(s.q, Number.isSafeInteger(sq) ? sign * sq : BigInt(sign) * BigInt(x) * BigInt(x));
    } else {
      [s.s, s.c] = neumaier(s.s as number, s.c, sign * x);
      [s.q, s.qc] = neumaier(s.q as number, s.qc, sign * x * x);
    }
    return s;
  };
  return {
    agg: "variance",
    subtractable: true,
    init: () => ({ n: 0, s: 0, c: 0, q: 0, qc: 0 }),
    add: (s, v) => step(s, v, 1),
    subtract: (s, v) => step(s, v, -1),
    merge: (s, o) => {
      s.n += o.n;
      if (integer) {
        s.s = addExact(s.s, o.s);
        s.q = addExact(s.q, o.q);
      } else {
        [s.s, s.c] = neumaier(s.s as number, s.c + o.c, o.s as number);
        [s.q, s.qc] = neumaier(s.q as number, s.qc + o.qc, o.q as number);
      }
      return s;
    },
    finalize: (s) => sampleVariance(s, integer),
    toBytes: (s) =>
      new StateWriter(STATE_TAG.variance)
        .u8(integer ? 1 : 0)
        .f64(s.n)
        .value(s.s)
        .f64(s.c)
        .value(s.q)
        .f64(s.qc)
        .finish(),
    fromBytes: (b) => {
      const r = new StateReader(b, STATE_TAG.variance);
      const kind = r.u8();
      const n = r.f64();
      const sum = r.value();
      const c = r.f64();
      const q = r.value();
      const qc = r.f64();
      r.end();
      const bad = (v: unknown) => typeof v !== "number" && typeof v !== "bigint";
      if (kind !== (integer ? 1 : 0) || bad(sum) || bad(q)) throw stateCorrupt("variance state");
      return { n, s: sum as Exact, c, q: q as Exact, qc };
    },
  };
}
