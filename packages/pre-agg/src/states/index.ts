/**
 * `states`: the mergeable aggregate states of item 2, one {@link StateOps} per aggregate.
 * @example
 * const ops = states.sum(true);
 * const a = ops.add(ops.init(), 3);
 * ops.finalize(ops.merge(a, ops.fromBytes(ops.toBytes(a)))); // 6
 * @module
 */
import { avgOps, countOps, sumOps, varianceOps } from "./additive.ts";
import { countDistinctOps, maxOps, minOps, quantilesOps } from "./sketches.ts";
import type { Agg, StateOps } from "./types.ts";

export type { CountState, Exact, SumState, VarianceState } from "./additive.ts";
export { STATE_FORMAT_VERSION } from "./bytes.ts";
export type { ExtremeState, HllState } from "./sketches.ts";
export { AGGS, type Agg, type StateInput, type StateOps, type StateValue } from "./types.ts";

/** Factories of the states: `integer` picks exact integer arithmetic over compensated floats. */
export const states = {
  count: () => countOps,
  sum: (integer = false) => sumOps(integer),
  min: () => minOps,
  max: () => maxOps,
  avg: (integer = false) => avgOps(integer),
  variance: (integer = false) => varianceOps(integer),
  countDistinct: (precision = 12) => countDistinctOps(precision),
  quantiles: (k = 200) => quantilesOps(k),
} as const;

/** Parameters of a state beyond its aggregate. */
export interface StateParams {
  /** The source column is `integer` (exact sums) rather than `real`. */
  integer?: boolean;
  /** HLL precision (countDistinct). */
  precision?: number;
  /** KLL k (quantiles). */
  k?: number;
}

/** The state operations of `agg` with `params`. */
export function stateOps(agg: Agg, params: StateParams = {}): StateOps<unknown> {
  switch (agg) {
    case "count":
      return countOps as StateOps<unknown>;
    case "sum":
      return sumOps(params.integer === true) as StateOps<unknown>;
    case "avg":
      return avgOps(params.integer === true) as StateOps<unknown>;
    case "variance":
      return varianceOps(params.integer === true) as StateOps<unknown>;
    case "min":
      return minOps as StateOps<unknown>;
    case "max":
      return maxOps as StateOps<unknown>;
    case "countDistinct":
      return countDistinctOps(params.precision ?? 12) as StateOps<unknown>;
    case "quantiles":
      return quantilesOps(params.k ?? 200) as StateOps<unknown>;
  }
}
