/**
 * Answer rows: one per output group, ordered (by `order`, else time then dimensions), refused
 * with 413 RESULT_TOO_LARGE past `limit`.
 * @module
 */
import { PREAGG } from "./errors.ts";
import type { ResolvedQuery } from "./resolve.ts";
import { compareStored } from "./states/sketches.ts";

/** An answer row. */
export type OutputRow = Record<string, string | number | boolean | null>;

/** One output group before finalizing: the query bucket (or null) and the query's dimension values. */
export interface OutputKey {
  bucket: number | null;
  dims: (number | string | null)[];
}

/** Converts a stored dimension value to its answer form (booleans back to true/false, timestamps ISO). */
export function dimensionOut(type: string | undefined, v: number | string | null): string | number | boolean | null {
  if (v === null) return null;
  if (type === "boolean") return v === 1;
  if (type === "timestamp") return new Date(v as number).toISOString();
  return v;
}

function compareOut(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === "boolean" || typeof b === "boolean") return Number(a) - Number(b);
  return compareStored(a as number | string, b as number | string);
}

/**
 * Builds, orders and checks the answer rows.
 * @throws {RESULT_TOO_LARGE} 413 past the limit
 */
export function finishRows(
  rq: ResolvedQuery,
  keyed: { key: OutputKey; values: Record<string, string | number | null> }[],
): OutputRow[] {
  if (keyed.length > rq.limit) {
    throw PREAGG.error("RESULT_TOO_LARGE", `the answer has ${keyed.length} rows; limit is ${rq.limit}`);
  }
  const timeCol = rq.time?.grain ? rq.time.column : undefined;
  const rows = keyed.map(({ key, values }) => {
    const row: OutputRow = {};
    rq.dimensions.forEach((d, i) => {
      row[d] = dimensionOut(rq.columns.get(d)?.type, key.dims[i] ?? null);
    });
    if (timeCol !== undefined) row[timeCol] = key.bucket === null ? null : new Date(key.bucket).toISOString();
    return Object.assign(row, values);
  });
  const order = rq.query.order?.length
    ? rq.query.order.map((o) => ({ by: o.by, sign: o.dir === "desc" ? -1 : 1 }))
    : [...(timeCol ? [timeCol] : []), ...rq.dimensions].map((by) => ({ by, sign: 1 }));
  if (order.length) {
    rows.sort((x, y) => {
      for (const o of order) {
        const c = compareOut(x[o.by], y[o.by]);
        if (c !== 0) return o.sign * c;
      }
      return 0;
    });
  }
  return rows;
}
