/**
 * Merging the stored rows of one partition that share (bucket, dimensions): a mixed
 * partition's hot rows with its file's rows, before the partition is written again.
 * @module
 */
import type { SqlValue } from "@durable/core";
import { cellFromStored, cellToBinding, groupKey, mergeStates, type StateCell } from "./accumulator.ts";
import type { Rollup } from "./registry.ts";

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array && v.byteLength === 0) return null;
  return v;
}

/** Rows (SQLite or Parquet form) merged by key, in SQLite form. */
export function mergeStoredRows(r: Rollup, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const layout = r.layout;
  const out = new Map<string, { row: Record<string, unknown>; cells: StateCell[] }>();
  for (const raw of rows) {
    const bucket = Number(plain(raw.bucket));
    const keyVals = layout.keyColumns.map((k) => {
      const v = plain(raw[k]);
      return (v instanceof Uint8Array ? new TextDecoder().decode(v) : v) as SqlValue;
    });
    const cells = layout.states.map((s) => {
      let v = plain(raw[s.name]);
      if (s.sqlType === "TEXT" && v instanceof Uint8Array) v = new TextDecoder().decode(v);
      return cellFromStored(s, v as SqlValue);
    });
    const k = groupKey(bucket, keyVals);
    const seen = out.get(k);
    if (seen) mergeStates(layout, seen.cells, cells);
    else {
      const row: Record<string, unknown> = { bucket };
      layout.keyColumns.forEach((c, i) => {
        row[c] = keyVals[i];
      });
      out.set(k, { row, cells });
    }
  }
  return [...out.values()].map(({ row, cells }) => {
    layout.states.forEach((s, i) => {
      const b = cellToBinding(s, cells[i] as StateCell);
      row[s.name] = typeof b === "bigint" ? b : b;
    });
    return row;
  });
}
