/**
 * The shapes pre-agg hands out: rollup summaries, query answers and the matcher's candidates.
 * Stable on purpose: @durable/query-router builds against them.
 * @module
 */
import type { RollupDefinition } from "./definition.ts";

/** Lifecycle of a rollup: built from the source (building) before it answers (built). */
export type RollupStatus = "pending" | "building" | "built" | "disabled" | "error";

/** Where an answer's states came from. */
export type Tier = "hot" | "warm" | "delta" | "raw";

/** A rollup as clients read it (`GET /rollups/:name`). */
export interface RollupInfo {
  name: string;
  source: string;
  definition: RollupDefinition;
  /** Hash of the normalized definition (the `v<version>` of warm file paths). */
  version: string;
  status: RollupStatus;
  /** Why the rollup is disabled or in error (`ROLLUP_TOO_LARGE: …`). */
  error: string | null;
  /** Partitions per tier, and how many are dirty (answered from raw rows until rebuilt). */
  partitions: { hot: number; warm: number; mixed: number; dirty: number };
  /** Rollup rows (hot + warm). */
  rows: number;
  /** Bytes of warm files. */
  bytes: number;
  /** Source rows read by the backfill so far. */
  backfilledRows: number;
  /** Epoch ms up to which every source change is reflected (see {@link QueryMeta.asOf}). */
  asOf: number;
  createdAt: number;
  builtAt: number | null;
}

/** How an answer was made. */
export interface QueryMeta {
  /** `rollup`: only stored states; `raw`: only source rows; `mixed`: states plus raw rows of dirty partitions. */
  source: "rollup" | "raw" | "mixed";
  /** The rollup used, when one was. */
  rollup?: string;
  tiers: Tier[];
  /** End (exclusive, epoch ms) of the newest bucket the rollup's states cover; null when none. */
  watermark: number | null;
  /**
   * Epoch ms up to which every source change is reflected: now for incremental, lambda and raw
   * answers; a deferred rollup's oldest unfolded delta's write time (now when none).
   */
  asOf: number;
  /** Whether unfolded deltas were merged in (lambda). */
  lambda: boolean;
}

/** An answer: one row per group (dimensions, the time bucket as ISO under the time column's name, measures). */
export interface QueryResult {
  rows: Record<string, string | number | boolean | null>[];
  meta: QueryMeta;
}

/** Why a rollup does not answer a query. */
export type MatchReason =
  | "WRONG_SOURCE"
  | "MISSING_MEASURE"
  | "MISSING_DIMENSION"
  | "MISSING_FILTER_DIMENSION"
  | "GRAIN_NOT_MULTIPLE"
  | "TIME_RANGE_NOT_ALIGNED"
  | "TIMEZONE_MISMATCH"
  | "NOT_BUILT"
  | "DISABLED"
  | "HIGHER_COST";

/** One rollup as the matcher sees a query (item 6). */
export interface RollupCandidate {
  rollup: string;
  matched: boolean;
  /** Empty for the chosen rollup; `HIGHER_COST` for a match that lost. */
  reasons: MatchReason[];
  /** Rollup rows in the partitions the query overlaps (exact, from the partition table). */
  estimatedRows: number;
  /** The price of reading them, µs (the estimator's cost constants). */
  costUs: number;
  tiers: Tier[];
  asOf: number;
}

/** What {@link PreAgg.explain} answers. */
export interface Explanation {
  candidates: RollupCandidate[];
  chosen?: string;
}
