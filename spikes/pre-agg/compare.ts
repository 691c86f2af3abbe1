/**
 * Compares a pre-agg answer with DuckDB's: count, sum, min and max exact; avg and variance
 * within 1e-9 relative; countDistinct within 3 × 1.04/√m (m = 4096); a quantile's value must
 * lie between DuckDB's `quantile_disc` at q ± 0.02 (its rank within ±2% of q·n).
 * @module
 */
import type { AnalyticsQuery } from "@durable/pre-agg";
import { outName } from "./queries.ts";

type Row = Record<string, unknown>;

const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : (v as number));

function keyOf(q: AnalyticsQuery, row: Row, fromDuck: boolean): string {
  const parts: unknown[] = [];
  if (q.timeDimension?.grain) parts.push(fromDuck ? new Date(num(row.date)).toISOString() : row.date);
  for (const d of q.dimensions ?? []) parts.push(row[d]);
  return JSON.stringify(parts);
}

/** Mismatching groups and measures between a pre-agg answer and DuckDB's rows. */
export function mismatches(q: AnalyticsQuery, ours: Row[], duck: Row[]): string[] {
  const out: string[] = [];
  const theirs = new Map(duck.map((r) => [keyOf(q, r, true), r]));
  if (ours.length !== duck.length) out.push(`rows: ${ours.length} vs ${duck.length}`);
  const relMax = 3 * (1.04 / Math.sqrt(4096));
  for (const row of ours) {
    const k = keyOf(q, row, false);
    const t = theirs.get(k);
    if (!t) {
      out.push(`missing group ${k}`);
      continue;
    }
    for (const m of q.measures) {
      const name = outName(m);
      const a = row[name] as number | null;
      const b = t[name] === null ? null : num(t[name]);
      let ok: boolean;
      if (a === null || b === null) ok = a === b;
      else if (m.agg === "avg" || m.agg === "variance" || m.agg === "stddev")
        ok = Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
      else if (m.agg === "countDistinct") ok = Math.abs(a - b) <= relMax * b + 1;
      else if (m.agg === "quantiles") ok = a >= num(t[`lo_${name}`]) && a <= num(t[`hi_${name}`]);
      else ok = a === b;
      if (!ok) out.push(`${k} ${name}: ${a} vs ${b}`);
    }
  }
  return out;
}
