/**
 * Scoring: q-error (Leis et al.) with both counts clamped to ≥ 1, percentiles, shares within 2×
 * and 10×, grouped by query class and by stage.
 * @module
 */
import { quantile } from "../lib/stats.ts";

/** max(est/actual, actual/est), both clamped to ≥ 1. */
export function qerror(est: number, actual: number): number {
  const e = Math.max(est, 1);
  const a = Math.max(actual, 1);
  return Math.max(e / a, a / e);
}

/** Percentiles and shares of a list of q-errors. */
export function qsummary(qs: readonly number[]): {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  within2: number;
  within10: number;
} {
  const s = [...qs].sort((a, b) => a - b);
  const share = (limit: number) => (100 * s.filter((q) => q <= limit).length) / Math.max(1, s.length);
  return {
    n: s.length,
    p50: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] ?? 0,
    within2: share(2),
    within10: share(10),
  };
}

/** Groups `items` by `key`. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k) ?? [];
    list.push(it);
    out.set(k, list);
  }
  return out;
}
