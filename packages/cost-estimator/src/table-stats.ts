/**
 * The statistics of one table in memory: row count (exact, mirrored in `est_tables`),
 * modifications since ANALYZE, the columns' statistics and the reservoir of whole rows. The
 * write hook's sketch step and ANALYZE change it; the store loads and writes it behind.
 * @module
 */
import type { SqlRow } from "@durable/core";
import { type ColumnSketchParams, ColumnStats } from "./column-stats.ts";
import { hashInto } from "./hash.ts";
import { Reservoir } from "./reservoir.ts";

/** A catalog column as the statistics need it. */
export interface ColumnShape {
  name: string;
  type: string;
}

const scratch = new Uint32Array(2);

/** Statistics of one table version (catalog name + `createdAt`). */
export class TableStats {
  readonly name: string;
  readonly createdAt: number;
  rowCount: number;
  mods: number;
  analyzedAt: number | null;
  readonly columns = new Map<string, ColumnStats>();
  reservoir: Reservoir;
  /** Sketches changed since the last flush. */
  dirty = false;
  /** Bumped on every change; derived views cache against it. */
  version = 0;
  readonly params: ColumnSketchParams & { sampleRows: number };

  constructor(
    name: string,
    createdAt: number,
    columns: readonly ColumnShape[],
    params: ColumnSketchParams & { sampleRows: number },
    rowCount = 0,
  ) {
    this.name = name;
    this.createdAt = createdAt;
    this.rowCount = rowCount;
    this.mods = 0;
    this.analyzedAt = null;
    this.params = params;
    this.reservoir = new Reservoir(params.sampleRows);
    for (const c of columns) this.columns.set(c.name, this.#fresh(c));
  }

  /** Empty statistics; complete (the sketches will see every value) only while the table is empty. */
  #fresh(column: ColumnShape): ColumnStats {
    const col = new ColumnStats(column.name, column.type, this.params);
    col.complete = this.rowCount === 0;
    return col;
  }

  /** Adds a column's empty statistics (a column added to the table). */
  addColumn(column: ColumnShape): void {
    if (!this.columns.has(column.name)) this.columns.set(column.name, this.#fresh(column));
    this.version++;
  }

  /**
   * Applies inserted rows to the sketches (not the row count: that moves with the counters).
   * Values are stored values, so they hash.
   */
  observeRows(rows: readonly SqlRow[]): void {
    if (rows.length === 0) return;
    for (const row of rows) {
      for (const col of this.columns.values()) {
        const v = row[col.name] ?? null;
        if (v !== null && col.hll !== null && (typeof v === "number" || typeof v === "string")) hashInto(v, scratch);
        col.observe(v, scratch);
      }
      this.reservoir.offer(row);
    }
    this.dirty = true;
    this.version++;
  }

  /** Removes deleted rows from what can forget them (null and MCV counts). */
  forgetRows(rows: readonly SqlRow[]): void {
    if (rows.length === 0) return;
    for (const row of rows) for (const col of this.columns.values()) col.forget(row[col.name] ?? null);
    this.dirty = true;
    this.version++;
  }
}
