/**
 * Re-bucketing rollup buckets to a query's coarser grain inside SQL (UTC only: every other zone
 * re-buckets in JS), so that SQLite groups hot rows to the answer's groups before JS sees them.
 * @module
 */
import type { Grain } from "./grains.ts";

const FIXED: Partial<Record<Grain, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const WEEK = 7 * 86_400_000;
/** Monday 1970-01-05 00:00 UTC: weeks are counted from a Monday. */
const MONDAY = 4 * 86_400_000;

/**
 * A SQL expression of the start of the `grain` bucket holding `col` (epoch ms, UTC), or null
 * when SQL cannot compute it (a zone other than UTC).
 */
export function sqlBucketExpr(col: string, grain: Grain, zone: string): string | null {
  if (zone !== "UTC") return null;
  const fixed = FIXED[grain];
  if (fixed) return `(${col} - ((${col} % ${fixed}) + ${fixed}) % ${fixed})`;
  if (grain === "week") return `(${col} - (((${col} - ${MONDAY}) % ${WEEK}) + ${WEEK}) % ${WEEK})`;
  const unix = `${col} / 1000, 'unixepoch'`;
  if (grain === "month") return `(CAST(strftime('%s', ${unix}, 'start of month') AS INTEGER) * 1000)`;
  if (grain === "year") return `(CAST(strftime('%s', ${unix}, 'start of year') AS INTEGER) * 1000)`;
  // quarter: back to the first month of the quarter.
  return `(CAST(strftime('%s', ${unix}, 'start of month', '-' || ((CAST(strftime('%m', ${unix}) AS INTEGER) - 1) % 3) || ' months') AS INTEGER) * 1000)`;
}
