/**
 * What ANALYZE computes from its sample for one column (item 9 of issue 9), PostgreSQL's way:
 * null fraction, average width, MCVs (values seen twice or more and more often than average,
 * with exact sample frequencies), an equi-depth histogram of the rest, and ndv from the HLL
 * when it saw every row, else Haas–Stokes Duj1.
 * @module
 */
import type { SqlRow } from "@durable/core";
import { type AnalyzedColumn, type ColumnStats, MAX_SEEN, type Mcv } from "./column-stats.ts";
import { hash64 } from "./hash.ts";
import { EquiDepthHistogram } from "./histogram.ts";
import { MCV_MAX_VALUE_BYTES } from "./space-saving.ts";
import { compareValues, type OrderedValue, truncateUtf8, utf8Length } from "./value-order.ts";

/** Haas–Stokes Duj1: n·d / (n − f1 + f1·n/N). */
export function duj1(n: number, d: number, f1: number, total: number): number {
  if (n <= 0 || d <= 0) return 0;
  if (total <= n) return d;
  const denom = n - f1 + (f1 * n) / total;
  return denom <= 0 ? total : Math.min(total, Math.max(d, (n * d) / denom));
}

/**
 * Analyzes `col` over `rows` (a uniform sample of a table of `totalRows` rows).
 * @param hllNdv the HLL's ndv when it saw every row, else null
 * @param target statistics target: most MCVs and histogram buckets
 */
export function analyzeColumn(
  col: ColumnStats,
  rows: readonly SqlRow[],
  totalRows: number,
  hllNdv: number | null,
  target: number,
): AnalyzedColumn {
  const n = rows.length;
  let nulls = 0;
  let width = 0;
  const counts = new Map<OrderedValue, number>();
  for (const row of rows) {
    const v = row[col.name] ?? null;
    if (v === null) {
      nulls++;
      continue;
    }
    if (typeof v === "number") width += 8;
    else if (typeof v === "string") width += utf8Length(v);
    else width += v.byteLength;
    if (col.kind === "opaque" || (typeof v !== "number" && typeof v !== "string")) continue;
    const key = typeof v === "string" ? truncateUtf8(v, MCV_MAX_VALUE_BYTES) : v;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const nonNull = n - nulls;
  const nullFrac = n === 0 ? 0 : nulls / n;
  const avgWidth = nonNull === 0 ? 0 : width / nonNull;
  if (col.kind === "opaque" || nonNull === 0) {
    return { nullFrac, ndv: 0, mcvs: [], histogram: null, avgWidth, sampleRows: n, seen: null };
  }
  const d = counts.size;
  let f1 = 0;
  for (const c of counts.values()) if (c === 1) f1++;
  const totalNonNull = Math.max(nonNull, totalRows * (1 - nullFrac));
  const ndv = hllNdv ?? duj1(nonNull, d, f1, totalNonNull);
  const whole = n >= totalRows;
  const avg = nonNull / d;
  const candidates = [...counts]
    // PostgreSQL keeps every value when the sample saw them all (whole table, or no value seen
    // once) and they fit; otherwise those seen twice or more and more often than average.
    .filter(([, c]) => ((whole || f1 === 0) && d <= target) || (c >= 2 && c > avg))
    .sort((a, b) => b[1] - a[1] || compareValues(a[0], b[0]))
    .slice(0, target);
  const mcvs: Mcv[] = candidates.map(([value, c]) => ({ value, freq: c / n }));
  const isMcv = new Set(candidates.map(([v]) => v));
  const rest: OrderedValue[] = [];
  for (const row of rows) {
    const v = row[col.name];
    if (typeof v !== "number" && typeof v !== "string") continue;
    const key = typeof v === "string" ? truncateUtf8(v, MCV_MAX_VALUE_BYTES) : v;
    if (!isMcv.has(key)) rest.push(key);
  }
  if (rest.length > 0 && typeof rest[0] === "number") (rest as number[]).sort((a, b) => a - b);
  else rest.sort(compareValues);
  const histogram = rest.length > 0 ? EquiDepthHistogram.fromSorted(rest, target) : null;
  return {
    nullFrac,
    ndv: Math.max(ndv, mcvs.length),
    mcvs,
    histogram,
    avgWidth,
    sampleRows: n,
    seen: seenValues(counts, isMcv, d, f1),
  };
}

/** The sample's non-MCV values as sorted 32-bit hashes with counts, or null when there are too many. */
function seenValues(
  counts: ReadonlyMap<OrderedValue, number>,
  isMcv: ReadonlySet<OrderedValue>,
  distinct: number,
  once: number,
): AnalyzedColumn["seen"] {
  if (counts.size - isMcv.size > MAX_SEEN) return null;
  const byHash = new Map<number, number>();
  for (const [v, c] of counts) {
    if (isMcv.has(v)) continue;
    const h = hash64(v)[0];
    byHash.set(h, (byHash.get(h) ?? 0) + c);
  }
  const hashes = Uint32Array.from([...byHash.keys()].sort((a, b) => a - b));
  const out = new Uint32Array(hashes.length);
  hashes.forEach((h, i) => {
    out[i] = byHash.get(h) ?? 0;
  });
  return { hashes, counts: out, distinct, once };
}
