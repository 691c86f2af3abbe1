/**
 * The statistics of a table as `GET /estimator/tables/:table/stats` shows them.
 * @module
 */
import type { AnalyzeJob } from "./analyze.ts";
import type { ColumnStats } from "./column-stats.ts";
import type { ColumnView } from "./column-view.ts";
import type { TableStats } from "./table-stats.ts";
import type { OrderedValue } from "./value-order.ts";

/** One column's summary. */
export interface ColumnStatsSummary {
  name: string;
  type: string;
  ndv: number | null;
  nullFrac: number;
  /** The 10 most common values with their frequencies. */
  mcvs: { value: OrderedValue; freq: number }[];
  /** Histogram bounds: every bucket's low, then the last high. */
  histogram: OrderedValue[];
  avgWidth: number;
  /** Stored size of the column's statistics. */
  bytes: number;
}

/** A table's summary. */
export interface TableStatsSummary {
  table: string;
  rows: number;
  modificationsSinceAnalyze: number;
  analyzedAt: number | null;
  job: AnalyzeJob | null;
  columns: ColumnStatsSummary[];
}

/** Summarizes `t` through its column views. */
export function summarize(
  t: TableStats,
  view: (c: ColumnStats) => ColumnView,
  job: AnalyzeJob | undefined,
): TableStatsSummary {
  return {
    table: t.name,
    rows: t.rowCount,
    modificationsSinceAnalyze: t.mods,
    analyzedAt: t.analyzedAt,
    job: job ?? null,
    columns: [...t.columns.values()].map((c) => {
      const v = view(c);
      const buckets = v.histogram?.buckets ?? [];
      const last = buckets[buckets.length - 1];
      return {
        name: c.name,
        type: c.type,
        ndv: v.ndv === null ? null : Math.round(v.ndv),
        nullFrac: v.nullFrac,
        mcvs: v.mcvs.slice(0, 10).map((m) => ({ value: m.value, freq: m.freq })),
        histogram: last ? [...buckets.map((b) => b.lo), last.hi] : [],
        avgWidth: c.analyzed?.avgWidth ?? (c.valueCount > 0 ? c.widthSum / c.valueCount : 0),
        bytes: c.toBytes().length,
      };
    }),
  };
}
