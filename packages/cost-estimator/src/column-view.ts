/**
 * What the selectivity formulas read for a column, derived once from its statistics and
 * cached until they change: null fraction, ndv, MCVs, histogram and bounds. While the write
 * hook's sketches saw every row they win; otherwise ANALYZE's numbers do.
 * @module
 */
import type { AnalyzedColumn, ColumnKind, ColumnStats, Mcv } from "./column-stats.ts";
import { EquiDepthHistogram } from "./histogram.ts";
import type { TableStats } from "./table-stats.ts";
import { compareValues, type OrderedValue } from "./value-order.ts";

/** Derived statistics of one column. */
export interface ColumnView {
  name: string;
  kind: ColumnKind;
  rows: number;
  nullFrac: number;
  /** Distinct non-null values, or null when unknown. */
  ndv: number | null;
  /** HLL relative standard error when ndv came from the HLL, else 0. */
  ndvError: number;
  mcvs: readonly Mcv[];
  mcvFreq: ReadonlyMap<OrderedValue, number>;
  mcvTotal: number;
  histogram: EquiDepthHistogram | null;
  min: OrderedValue | null;
  max: OrderedValue | null;
  /** Rows the numbers stand on (the ANALYZE sample, or every row for the sketches). */
  basis: number;
  /** Whether ANALYZE or the sketches provided anything beyond the null count. */
  hasValues: boolean;
  /** The ANALYZE sample's other values (see `AnalyzedColumn.seen`), when the view uses ANALYZE's numbers. */
  seen: AnalyzedColumn["seen"];
}

const cache = new WeakMap<ColumnStats, { tableVersion: number; rows: number; view: ColumnView }>();

/**
 * The view of `col` in `table` (cached while neither changes).
 * @param target the statistics target (histogram buckets, MCVs)
 */
export function columnView(table: TableStats, col: ColumnStats, target: number): ColumnView {
  const hit = cache.get(col);
  if (hit && hit.tableVersion === table.version && hit.rows === table.rowCount) return hit.view;
  const view = derive(table, col, target);
  cache.set(col, { tableVersion: table.version, rows: table.rowCount, view });
  return view;
}

function derive(table: TableStats, col: ColumnStats, target: number): ColumnView {
  const rows = table.rowCount;
  const covered = col.complete && col.nullCount + col.valueCount > 0;
  const a = col.analyzed;
  const nullFrac = rows === 0 ? 0 : covered ? clamp01(col.nullCount / rows) : (a?.nullFrac ?? 0);
  const nonNull = rows * (1 - nullFrac);
  let ndv: number | null = null;
  let ndvError = 0;
  if (col.hll && covered && col.valueCount > 0) {
    ndv = col.hll.estimate();
    ndvError = col.hll.sparse ? 0.005 : col.hll.standardError;
  } else if (a) ndv = a.ndv;
  if (ndv !== null) ndv = Math.max(nonNull > 0 ? 1 : 0, Math.min(ndv, nonNull));

  let mcvs: Mcv[] = [];
  let histogram: EquiDepthHistogram | null = null;
  let basis = rows;
  let seen: AnalyzedColumn["seen"] = null;
  if (a && !(covered && table.mods > 0.2 * Math.max(rows, 1))) {
    mcvs = a.mcvs;
    histogram = a.histogram;
    basis = a.sampleRows;
    seen = table.mods <= 0.1 * Math.max(rows, 1) ? a.seen : null;
  } else if (col.mcv && col.kll && covered && col.valueCount > 0) {
    const avg = ndv ? nonNull / ndv : Number.POSITIVE_INFINITY;
    mcvs = col.mcv
      .top(target)
      .filter((h) => h.count - h.error >= 2 && h.count - h.error > 1.25 * avg)
      .map((h) => ({ value: h.value, freq: clamp01((h.count - h.error / 2) / Math.max(rows, 1)) }));
    histogram = histogramFromKll(col, new Set(mcvs.map((m) => m.value)), target);
  } else if (a) {
    mcvs = a.mcvs;
    histogram = a.histogram;
    basis = a.sampleRows;
  }
  const mcvFreq = new Map(mcvs.map((m) => [m.value, m.freq]));
  const mcvTotal = Math.min(
    1 - nullFrac,
    mcvs.reduce((s, m) => s + m.freq, 0),
  );
  let min: OrderedValue | null = covered ? (col.kll?.min ?? null) : null;
  let max: OrderedValue | null = covered ? (col.kll?.max ?? null) : null;
  if (!covered) {
    const b = histogram?.bounds();
    const candidates = [...(b ?? []), ...mcvs.map((m) => m.value)];
    for (const v of candidates) {
      if (min === null || compareValues(v, min) < 0) min = v;
      if (max === null || compareValues(v, max) > 0) max = v;
    }
  }
  return {
    name: col.name,
    kind: col.kind,
    rows,
    nullFrac,
    ndv,
    ndvError,
    mcvs,
    mcvFreq,
    mcvTotal,
    histogram,
    min,
    max,
    basis: Math.max(1, basis),
    hasValues: ndv !== null || histogram !== null || mcvs.length > 0,
    seen,
  };
}

function histogramFromKll(col: ColumnStats, exclude: Set<OrderedValue>, target: number): EquiDepthHistogram | null {
  const kll = col.kll;
  if (!kll || kll.n === 0) return null;
  const { values, cum } = kll.sortedView();
  const kept: OrderedValue[] = [];
  const weights: number[] = [];
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const w = (cum[i] as number) - prev;
    prev = cum[i] as number;
    const v = values[i] as OrderedValue;
    if (exclude.has(v)) continue;
    kept.push(v);
    weights.push(w);
  }
  if (kept.length === 0) return null;
  return EquiDepthHistogram.fromSorted(kept, Math.min(1000, Math.max(10, target)), weights);
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
