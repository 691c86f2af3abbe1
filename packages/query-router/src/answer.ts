/**
 * The shapes of answers: rows, columns, the meta a caller reads (source, age, budget, stale,
 * revalidating, refresh error, partial coverage, plan) and what the cache keeps.
 * @module
 */
import type { Plan } from "./plan.ts";

/** One result row: column name → value. */
export type Row = Record<string, unknown>;

/** One result column. */
export interface Column {
  name: string;
  /** `dimension`, `time` or `measure`, and the measure's agg. */
  role: "dimension" | "time" | "measure";
  agg?: string;
}

/** Where an answer came from. */
export type Source = "cache" | "rollup" | "local" | "fanout";

/** Coverage of a partial fan-out answer. */
export interface PartialInfo {
  coverage: { succeeded: number; attempted: number };
  errors: { target: string; code: string; message: string }[];
}

/** The meta of a routed answer. */
export interface RoutedMeta {
  source: Source;
  /** now − asOf: how old the data behind the answer is. */
  ageMs: number;
  budgetMs: number;
  /** Older than half the budget, or computed from older table versions. */
  stale: boolean;
  /** A background refresh was started (or joined) by this request. */
  revalidating: boolean;
  /** The code of the last failed refresh of this query, while its old entry is served. */
  refreshError?: string;
  partial?: PartialInfo;
  plan?: Plan;
  /** The rollup the answer (or the cached answer) came from. */
  rollup?: string;
}

/** A routed answer. */
export interface Routed {
  rows: Row[];
  columns: Column[];
  meta: RoutedMeta;
}

/** What a computation produced, before it is served or cached. */
export interface Computed {
  rows: Row[];
  columns: Column[];
  source: Exclude<Source, "cache">;
  /** Every change up to this instant is reflected. */
  asOf: number;
  /** Versions of the tables it read, taken before it read them (none for fan-out). */
  versions: Record<string, number>;
  rollup?: string;
  partial?: PartialInfo;
}
