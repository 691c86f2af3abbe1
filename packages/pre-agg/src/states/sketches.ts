/**
 * The states that cannot forget a value: min and max (empty → null), countDistinct (the
 * estimator's HyperLogLog, precision 10–16, default 12) and quantiles (its KLL sketch, k
 * default 200, any q at query time). A delete marks their partition dirty instead.
 * @module
 */
import { compareText } from "@durable/core";
import { HyperLogLog, KllSketch } from "@durable/cost-estimator";
import { stateCorrupt } from "../errors.ts";
import { STATE_TAG, StateReader, StateWriter } from "./bytes.ts";
import type { StateOps } from "./types.ts";

/** The smallest or largest value seen (numbers, or text in SQLite's binary order). */
export interface ExtremeState {
  v: number | string | null;
}

/** Compares two values of one column as SQLite's BINARY collation does. */
export function compareStored(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return compareText(a, b);
}

function extremeOps(agg: "min" | "max"): StateOps<ExtremeState> {
  const sign = agg === "min" ? 1 : -1;
  const better = (a: number | string, b: number | string) => sign * compareStored(a, b) < 0;
  return {
    agg,
    subtractable: false,
    init: () => ({ v: null }),
    add: (s, v) => {
      if (v === null) return s;
      const x = typeof v === "bigint" ? Number(v) : v;
      if (s.v === null || better(x, s.v)) s.v = x;
      return s;
    },
    merge: (s, o) => {
      if (o.v !== null && (s.v === null || better(o.v, s.v))) s.v = o.v;
      return s;
    },
    finalize: (s) => s.v,
    toBytes: (s) => new StateWriter(STATE_TAG[agg]).value(s.v).finish(),
    fromBytes: (b) => {
      const r = new StateReader(b, STATE_TAG[agg]);
      const v = r.value();
      r.end();
      if (typeof v === "bigint") throw stateCorrupt(`${agg} state`);
      return { v };
    },
  };
}

/** min: the smallest non-null value, null when none. */
export const minOps: StateOps<ExtremeState> = extremeOps("min");
/** max: the largest non-null value, null when none. */
export const maxOps: StateOps<ExtremeState> = extremeOps("max");

/** A box around a sketch: HyperLogLog.merge may return a new object (precision folding). */
export interface HllState {
  hll: HyperLogLog;
}

/** countDistinct by HyperLogLog of precision `p`. */
export function countDistinctOps(p = 12): StateOps<HllState> {
  return {
    agg: "countDistinct",
    subtractable: false,
    init: () => ({ hll: new HyperLogLog(p) }),
    add: (s, v) => {
      if (v !== null) s.hll.add(v);
      return s;
    },
    merge: (s, o) => {
      s.hll = s.hll.merge(o.hll);
      return s;
    },
    finalize: (s) => Math.round(s.hll.estimate()),
    toBytes: (s) => new StateWriter(STATE_TAG.countDistinct).bytes(s.hll.toBytes()).finish(),
    fromBytes: (b) => {
      const r = new StateReader(b, STATE_TAG.countDistinct);
      const inner = r.bytes();
      r.end();
      return { hll: wrap(() => HyperLogLog.fromBytes(inner.slice())) };
    },
  };
}

/** quantiles by a KLL sketch of accuracy `k`. */
export function quantilesOps(k = 200): StateOps<KllSketch> {
  return {
    agg: "quantiles",
    subtractable: false,
    init: () => new KllSketch(k),
    add: (s, v) => {
      if (v !== null) s.update(typeof v === "bigint" ? Number(v) : v);
      return s;
    },
    merge: (s, o) => s.merge(o),
    finalize: (s, q = 0.5) => {
      const v = s.quantile(q);
      return v === null ? null : v;
    },
    toBytes: (s) => new StateWriter(STATE_TAG.quantiles).bytes(s.toBytes()).finish(),
    fromBytes: (b) => {
      const r = new StateReader(b, STATE_TAG.quantiles);
      const inner = r.bytes();
      r.end();
      return wrap(() => KllSketch.fromBytes(inner.slice()));
    },
  };
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw stateCorrupt(`sketch does not decode: ${err instanceof Error ? err.message : String(err)}`);
  }
}
