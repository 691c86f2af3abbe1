/**
 * PostgreSQL's fixed defaults (item 15 of issue 9): what the estimator falls back to when no
 * statistics apply, and the whole of `heuristicEstimate`, the spike's baseline.
 * @module
 */

/** The defaults, each as PostgreSQL's selfuncs.h names it. */
export const HEURISTICS = {
  /** DEFAULT_EQ_SEL */
  eq: 0.005,
  /** 1 − DEFAULT_EQ_SEL */
  ne: 0.995,
  /** DEFAULT_INEQ_SEL */
  range: 1 / 3,
  /** DEFAULT_RANGE_INEQ_SEL */
  between: 0.005,
  /** DEFAULT_MATCH_SEL */
  like: 0.005,
  /** DEFAULT_UNK_SEL for IS NULL */
  isNull: 0.005,
  /** IN(k): min(k · eq, this) */
  inCap: 0.5,
  /** DEFAULT_NUM_DISTINCT */
  groupNdv: 200,
  joinNdv: 200,
  /** Rows of a table without a count. */
  unknownRows: 1000,
} as const;

/** Wilson 95% score interval of `k` successes in `n` trials. */
export function wilson(k: number, n: number): [number, number] {
  if (n <= 0) return [0, 1];
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = p + (z * z) / (2 * n);
  const r = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, (c - r) / d), Math.min(1, (c + r) / d)];
}
