/**
 * The import records (`tbl_imports`): one row per import, its status and progress. A job's
 * progress is updated in the same transaction as each batch it commits, so after a restart
 * `rowsDone` is exactly what is stored; `recover()` marks what was running `interrupted`.
 * @module
 */
import type { Clock, Migration, Sql, SqlRow } from "@durable/core";
import { tablesError } from "../errors.ts";

/** The status of an import. */
export type ImportStatus = "running" | "done" | "failed" | "interrupted";

/** One bad row of an import: its line, the column, the value and why. */
export interface ImportRowError {
  line: number;
  column?: string;
  value?: unknown;
  reason: string;
}

/** An import as the status route answers it. */
export interface ImportRecord {
  id: string;
  table: string;
  status: ImportStatus;
  rowsDone: number;
  bytesDone: number;
  bytesTotal?: number;
  errors: ImportRowError[];
  totalErrors: number;
  startedAt: number;
  finishedAt?: number;
}

/** The migration that adds the records (version 2 of the tables capability). */
export const IMPORTS_MIGRATION: Migration = {
  version: 2,
  name: "imports",
  sql: `CREATE TABLE tbl_imports (
    id TEXT PRIMARY KEY,
    tbl TEXT NOT NULL,
    status TEXT NOT NULL,
    rows_done INTEGER NOT NULL,
    bytes_done INTEGER NOT NULL,
    bytes_total INTEGER,
    errors TEXT NOT NULL,
    total_errors INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER
  ) STRICT`,
};

/** Records kept per tenant (older ones are pruned when a new import starts). */
const KEEP_RECORDS = 100;

interface Row extends SqlRow {
  id: string;
  tbl: string;
  status: string;
  rows_done: number;
  bytes_done: number;
  bytes_total: number | null;
  errors: string;
  total_errors: number;
  started_at: number;
  finished_at: number | null;
}

function toRecord(r: Row): ImportRecord {
  return {
    id: r.id,
    table: r.tbl,
    status: r.status as ImportStatus,
    rowsDone: r.rows_done,
    bytesDone: r.bytes_done,
    ...(r.bytes_total === null ? {} : { bytesTotal: r.bytes_total }),
    errors: JSON.parse(r.errors) as ImportRowError[],
    totalErrors: r.total_errors,
    startedAt: r.started_at,
    ...(r.finished_at === null ? {} : { finishedAt: r.finished_at }),
  };
}

/** Reads and writes import records. */
export class ImportStore {
  readonly #sql: Sql;
  readonly #clock: Clock;

  constructor(sql: Sql, clock: Clock) {
    this.#sql = sql;
    this.#clock = clock;
  }

  /** Starts a record (status `running`) and prunes the oldest beyond the last 100. */
  start(id: string, table: string, bytesTotal: number | undefined): void {
    this.#sql.exec(
      `INSERT INTO tbl_imports (id, tbl, status, rows_done, bytes_done, bytes_total, errors, total_errors, started_at)
       VALUES (?, ?, 'running', 0, 0, ?, '[]', 0, ?)`,
      id,
      table,
      bytesTotal ?? null,
      this.#clock.now(),
    );
    this.#sql.exec(
      "DELETE FROM tbl_imports WHERE id NOT IN (SELECT id FROM tbl_imports ORDER BY started_at DESC, id DESC LIMIT ?)",
      KEEP_RECORDS,
    );
  }

  /** Records progress (call it inside the transaction of the batch it counts). */
  progress(id: string, rowsDone: number, bytesDone: number): void {
    this.#sql.exec("UPDATE tbl_imports SET rows_done = ?, bytes_done = ? WHERE id = ?", rowsDone, bytesDone, id);
  }

  /** Ends a record with its status, counts and listed errors. */
  finish(
    id: string,
    status: Exclude<ImportStatus, "running">,
    p: { rowsDone: number; bytesDone: number; errors: ImportRowError[]; totalErrors: number },
  ): void {
    this.#sql.exec(
      `UPDATE tbl_imports SET status = ?, rows_done = ?, bytes_done = ?, errors = ?, total_errors = ?, finished_at = ?
       WHERE id = ?`,
      status,
      p.rowsDone,
      p.bytesDone,
      JSON.stringify(p.errors),
      p.totalErrors,
      this.#clock.now(),
      id,
    );
  }

  /**
   * Marks every import still `running` as `interrupted`: at start, nothing can be running (the
   * object restarted under it). Its `rowsDone` stays the committed count.
   * @returns how many were marked
   */
  recover(): number {
    return this.#sql.exec(
      "UPDATE tbl_imports SET status = 'interrupted', finished_at = ? WHERE status = 'running'",
      this.#clock.now(),
    ).rowsWritten;
  }

  /**
   * One record of `table`.
   * @throws {IMPORT_NOT_FOUND} 404
   */
  get(table: string, id: string): ImportRecord {
    const row = this.#sql.exec<Row>("SELECT * FROM tbl_imports WHERE id = ? AND tbl = ?", id, table).toArray()[0];
    if (!row) throw tablesError("IMPORT_NOT_FOUND", `table ${table} has no import ${id}`, 404);
    return toRecord(row);
  }

  /** The records of `table`, newest first. */
  list(table: string): ImportRecord[] {
    return this.#sql
      .exec<Row>("SELECT * FROM tbl_imports WHERE tbl = ? ORDER BY started_at DESC, id DESC", table)
      .toArray()
      .map(toRecord);
  }
}
