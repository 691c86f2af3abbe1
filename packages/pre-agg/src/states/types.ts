/**
 * The contract of a mergeable aggregate state (ClickHouse's -State/-Merge): a state is built
 * by `add`, combined by `merge` in any order and grouping, read by `finalize`, and stored as
 * bytes whose first byte is the format version. States that can forget a value offer
 * `subtract` (count, sum, avg, variance); the others are rebuilt from the source instead.
 * @module
 */

/** The aggregate functions a measure may use. */
export const AGGS = ["count", "sum", "min", "max", "avg", "variance", "countDistinct", "quantiles"] as const;

/** An aggregate function. */
export type Agg = (typeof AGGS)[number];

/** A value a state takes in: a stored source value (NULL is skipped by all but `count(*)`). */
export type StateInput = number | string | bigint | null;

/** What a state finalizes to: a number, text (min/max of text, sums past 2^53) or null. */
export type StateValue = number | string | null;

/** The operations on one kind of state. `add`, `subtract` and `merge` mutate and return it. */
export interface StateOps<S> {
  /** The aggregate this state serves. */
  readonly agg: Agg;
  /** Whether {@link subtract} exists: a delete can be applied without the source. */
  readonly subtractable: boolean;
  /** The empty state: the identity of merge. */
  init(): S;
  /** Adds one value (NULL skipped, except by count(*) which counts every row). */
  add(state: S, value: StateInput): S;
  /** Removes one value added before (only when {@link subtractable}). */
  subtract?(state: S, value: StateInput): S;
  /** Merges `other` into `state` (commutative and associative). */
  merge(state: S, other: S): S;
  /** The answer: null for an empty state (never 0, NaN or ±Infinity); `q` for quantiles. */
  finalize(state: S, q?: number): StateValue;
  /** The state as bytes (version byte first). */
  toBytes(state: S): Uint8Array;
  /** @throws {STATE_CORRUPT} for bytes that are not such a state */
  fromBytes(bytes: Uint8Array | ArrayBuffer): S;
}
