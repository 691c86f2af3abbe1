/**
 * The statistics store (item 7 of issue 9): `est_tables` (row count, modifications, analyzedAt,
 * the running ANALYZE job), `est_columns` (one ≤ 64 KB blob per column) and `est_samples` (the
 * reservoir), keyed by catalog name and the table's `createdAt`. Memory holds only a cache of
 * SQLite. A column whose bytes do not decode is dropped and reported, never a 500.
 * @module
 */
import { isPlatformError, type Sql } from "@durable/core";
import { type ColumnSketchParams, ColumnStats } from "./column-stats.ts";
import { Reservoir } from "./reservoir.ts";
import { type ColumnShape, TableStats } from "./table-stats.ts";

/** Sketch parameters of every table. */
export type StatsParams = ColumnSketchParams & { sampleRows: number };

interface TableRow {
  row_count: number;
  mods: number;
  analyzed_at: number | null;
  job: string | null;
}

/** Reads and writes statistics. */
export class StatsStore {
  readonly #sql: Sql;
  readonly #params: StatsParams;

  constructor(sql: Sql, params: StatsParams) {
    this.#sql = sql;
    this.#params = params;
  }

  /**
   * Loads a table's statistics, or undefined when none are stored for this version.
   * @param onCorrupt told about each column (or `*sample*`) whose bytes were dropped
   */
  load(
    name: string,
    createdAt: number,
    columns: readonly ColumnShape[],
    onCorrupt: (column: string) => void,
  ): { stats: TableStats; job: string | null } | undefined {
    const row = this.#sql
      .exec<TableRow & Record<string, number | string | null>>(
        "SELECT row_count, mods, analyzed_at, job FROM est_tables WHERE table_name = ? AND created_at = ?",
        name,
        createdAt,
      )
      .toArray()[0];
    if (!row) return undefined;
    const t = new TableStats(name, createdAt, columns, this.#params, row.row_count);
    t.mods = row.mods;
    t.analyzedAt = row.analyzed_at;
    const blobs = this.#sql.exec<{ column_name: string; data: ArrayBuffer }>(
      "SELECT column_name, data FROM est_columns WHERE table_name = ? AND created_at = ?",
      name,
      createdAt,
    );
    for (const b of blobs) {
      if (!t.columns.has(b.column_name)) continue;
      try {
        t.columns.set(b.column_name, ColumnStats.fromBytes(b.data, this.#params));
      } catch (err) {
        if (!isPlatformError(err, "SKETCH_CORRUPT")) throw err;
        this.#sql.exec(
          "DELETE FROM est_columns WHERE table_name = ? AND created_at = ? AND column_name = ?",
          name,
          createdAt,
          b.column_name,
        );
        onCorrupt(b.column_name);
      }
    }
    const sample = this.#sql
      .exec<{ data: ArrayBuffer }>(
        "SELECT data FROM est_samples WHERE table_name = ? AND created_at = ?",
        name,
        createdAt,
      )
      .toArray()[0];
    if (sample) {
      try {
        t.reservoir = Reservoir.fromBytes(sample.data);
      } catch (err) {
        if (!isPlatformError(err, "SKETCH_CORRUPT")) throw err;
        onCorrupt("*sample*");
      }
    }
    return { stats: t, job: row.job };
  }

  /**
   * The one statement of the write hook: adds `delta` rows and `mods` modifications (creating
   * the row at `base + delta` when this table version has none yet).
   */
  addCounters(name: string, createdAt: number, base: number, delta: number, mods: number): void {
    this.#sql.exec(
      "INSERT INTO est_tables (table_name, created_at, row_count, mods) VALUES (?, ?, ?, ?) ON CONFLICT (table_name, created_at) DO UPDATE SET row_count = row_count + ?, mods = mods + excluded.mods",
      name,
      createdAt,
      base + delta,
      mods,
      delta,
    );
  }

  /** Writes the sketches of `t` (every column and the reservoir). */
  saveSketches(t: TableStats): void {
    for (const col of t.columns.values()) {
      this.#sql.exec(
        "INSERT INTO est_columns (table_name, created_at, column_name, data) VALUES (?, ?, ?, ?) ON CONFLICT (table_name, created_at, column_name) DO UPDATE SET data = excluded.data",
        t.name,
        t.createdAt,
        col.name,
        col.toBytes(),
      );
    }
    this.#sql.exec(
      "INSERT INTO est_samples (table_name, created_at, data) VALUES (?, ?, ?) ON CONFLICT (table_name, created_at) DO UPDATE SET data = excluded.data",
      t.name,
      t.createdAt,
      t.reservoir.toBytes(),
    );
  }

  /** Records an ANALYZE: modifications reset, `analyzedAt` set, row count corrected. */
  saveAnalyzed(t: TableStats): void {
    this.#sql.exec(
      "UPDATE est_tables SET mods = 0, analyzed_at = ?, row_count = ? WHERE table_name = ? AND created_at = ?",
      t.analyzedAt,
      t.rowCount,
      t.name,
      t.createdAt,
    );
  }

  /** Stores (or clears) the running job and its partial sketches. */
  saveJob(t: TableStats, job: string | null, sketches: Uint8Array | null): void {
    this.#sql.exec(
      "UPDATE est_tables SET job = ?, job_sketches = ? WHERE table_name = ? AND created_at = ?",
      job,
      sketches,
      t.name,
      t.createdAt,
    );
  }

  /** The partial sketches of a running job. */
  jobSketches(t: TableStats): ArrayBuffer | null {
    const row = this.#sql
      .exec<{ job_sketches: ArrayBuffer | null }>(
        "SELECT job_sketches FROM est_tables WHERE table_name = ? AND created_at = ?",
        t.name,
        t.createdAt,
      )
      .toArray()[0];
    return row?.job_sketches ?? null;
  }

  /** Deletes every statistic of every version of `name` (a drop). */
  deleteTable(name: string): void {
    for (const table of ["est_tables", "est_columns", "est_samples"]) {
      this.#sql.exec(`DELETE FROM ${table} WHERE table_name = ?`, name);
    }
  }

  /** Deletes the statistics of versions of `name` other than `createdAt` (a table recreated). */
  deleteOtherVersions(name: string, createdAt: number): void {
    for (const table of ["est_tables", "est_columns", "est_samples"]) {
      this.#sql.exec(`DELETE FROM ${table} WHERE table_name = ? AND created_at != ?`, name, createdAt);
    }
  }
}
