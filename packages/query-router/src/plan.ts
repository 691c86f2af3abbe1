/**
 * The plan `explain` shows: every candidate source with its estimate, verdict and reason codes,
 * and the join strategy when there is a join. Nothing runs to make it.
 * @module
 */

/** Why a candidate was or was not used. */
export type ReasonCode =
  | "CACHE_HIT"
  | "CACHE_MISS"
  | "CACHE_TOO_OLD"
  | "CACHE_VERSION_BEHIND"
  | "CACHE_DISABLED"
  | "REALTIME_REQUIRED"
  | "NO_MATCHING_ROLLUP"
  | "ROLLUP_NOT_BUILT"
  | "ROLLUP_TOO_OLD"
  | "ROLLUP_UNREADABLE"
  | "RESULT_TOO_LARGE_TO_CACHE"
  | "PARTIAL_NOT_CACHED"
  | "LIVE"
  | "SHARDED"
  /** The matcher's own reasons (@durable/pre-agg): MISSING_MEASURE, GRAIN_NOT_MULTIPLE, … */
  | (string & {});

/** One candidate source. */
export interface PlanCandidate {
  source: "cache" | "rollup" | "local" | "fanout";
  /** The rollup's name (rollup candidates). */
  name?: string;
  verdict: "chosen" | "usable" | "rejected";
  reasons: ReasonCode[];
  estimatedRows?: number;
  costUs?: number;
  /** How the estimate was made (the estimator's method; `heuristic` when a shard did not answer). */
  method?: string;
  ageMs?: number;
  asOf?: number;
}

/** What `explain` returns (and `routing.explain` attaches). */
export interface Plan {
  fingerprint: string;
  budgetMs: number;
  chosen: "cache" | "rollup" | "local" | "fanout";
  candidates: PlanCandidate[];
  /** Notes about the answer itself (e.g. RESULT_TOO_LARGE_TO_CACHE). */
  notes: ReasonCode[];
  join?: import("./join-plan.ts").JoinPlan;
}
