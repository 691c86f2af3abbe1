/**
 * Which tables are tracked, and their CDC schema versions (`cdc_tables`, `cdc_schemas`). The
 * version is CDC's own counter: it grows only when the captured columns change (the catalog's
 * `version` also counts indexes and goes back on a restore). Drift (a missing trigger, the
 * storage table's columns differing from the schema) is repaired here.
 * @module
 */
import type { Clock, Sql } from "@durable/core";
import { RESERVED_PREFIXES, type TableDef, type Tables } from "@durable/tables";
import { cdcError } from "./errors.ts";
import {
  type CapturedColumn,
  dropTriggers,
  existingTriggers,
  installTriggers,
  snapshotRows,
  storageColumns,
} from "./triggers.ts";
import type { CdcSchema, TrackedTable, TrackResult } from "./types.ts";

const NAME = /^[a-z][a-z0-9_]{0,47}$/;
const SQL_TYPES: Record<string, string> = { INTEGER: "integer", REAL: "real", TEXT: "text", BLOB: "blob" };

interface TableRow extends Record<string, string | number> {
  tbl: string;
  tracking: number;
  exclude_columns: string;
  snapshot: number;
  schema_version: number;
  snapshot_end_lsn: number;
  created_at: number;
}

function toTracked(r: TableRow): TrackedTable {
  return {
    table: r.tbl,
    tracking: r.tracking === 1,
    excludeColumns: JSON.parse(r.exclude_columns) as string[],
    snapshot: r.snapshot === 1,
    schemaVersion: r.schema_version,
    snapshotEndLsn: r.snapshot_end_lsn,
    createdAt: r.created_at,
  };
}

/** Options of `track`. */
export interface TrackOptions {
  excludeColumns?: string[];
  snapshot?: boolean;
}

/** Tracked tables and their schemas over SQLite, with an in-memory cache of the schemas. */
export class Tracker {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #tables: Tables;
  readonly #schemas = new Map<string, CdcSchema>();

  constructor(sql: Sql, clock: Clock, tables: Tables) {
    this.#sql = sql;
    this.#clock = clock;
    this.#tables = tables;
  }

  /** @throws {INVALID_TABLE} 400 for a bad or reserved name */
  static checkName(table: string): void {
    if (!NAME.test(table)) throw cdcError("INVALID_TABLE", `table name must match [a-z][a-z0-9_]{0,47}`);
    const prefix = RESERVED_PREFIXES.find((p) => table.startsWith(p));
    if (prefix) throw cdcError("INVALID_TABLE", `table ${table} starts with the reserved prefix ${prefix}`);
  }

  /** Every table ever tracked (untracked ones keep their readable history). */
  list(): TrackedTable[] {
    return this.#sql.exec<TableRow>("SELECT * FROM cdc_tables ORDER BY tbl").toArray().map(toTracked);
  }

  /** The tracking row of `table`, or undefined. */
  find(table: string): TrackedTable | undefined {
    const row = this.#sql.exec<TableRow>("SELECT * FROM cdc_tables WHERE tbl = ?", table).toArray()[0];
    return row ? toTracked(row) : undefined;
  }

  /** Whether `table` is tracked now. */
  isTracking(table: string): boolean {
    return this.find(table)?.tracking === true;
  }

  /** The schema `version` of `table`. @throws {SCHEMA_NOT_FOUND} 404 */
  schema(table: string, version: number): CdcSchema {
    const id = `${table}\u0000${version}`;
    const cached = this.#schemas.get(id);
    if (cached) return cached;
    const row = this.#sql
      .exec<{ columns: string; key: string; created_at: number }>(
        "SELECT columns, key, created_at FROM cdc_schemas WHERE tbl = ? AND version = ?",
        table,
        version,
      )
      .toArray()[0];
    if (!row) throw cdcError("SCHEMA_NOT_FOUND", `table ${table} has no CDC schema version ${version}`, 404);
    const schema = {
      table,
      version,
      columns: JSON.parse(row.columns) as CapturedColumn[],
      key: JSON.parse(row.key) as string[],
      createdAt: row.created_at,
    };
    this.#schemas.set(id, schema);
    return schema;
  }

  #captured(def: TableDef, exclude: readonly string[]): CapturedColumn[] {
    return def.columns.filter((c) => !exclude.includes(c.name)).map((c) => ({ name: c.name, type: c.type }));
  }

  #newVersion(table: string, columns: CapturedColumn[], key: string[]): number {
    const last = this.#sql
      .exec<{ v: number | null }>("SELECT max(version) AS v FROM cdc_schemas WHERE tbl = ?", table)
      .one().v;
    if (last !== null) {
      const prev = this.schema(table, last);
      if (
        JSON.stringify(prev.columns) === JSON.stringify(columns) &&
        JSON.stringify(prev.key) === JSON.stringify(key)
      ) {
        return last;
      }
    }
    const version = (last ?? 0) + 1;
    this.#sql.exec(
      "INSERT INTO cdc_schemas (tbl, version, columns, key, created_at) VALUES (?, ?, ?, ?, ?)",
      table,
      version,
      JSON.stringify(columns),
      JSON.stringify(key),
      this.#clock.now(),
    );
    return version;
  }

  /**
   * Starts tracking `table`; call inside one transaction (the triggers and the snapshot commit
   * together). Same options again → the existing tracking, no second snapshot.
   * @returns the result and whether tracking started now
   * @throws {INVALID_TABLE} · {TABLE_NOT_FOUND} 404 · {ALREADY_TRACKED} 409 · {SNAPSHOT_TOO_LARGE} 413
   */
  track(
    table: string,
    options: TrackOptions,
    maxSnapshotRows: number,
    newestLsn: () => number,
  ): { result: TrackResult; created: boolean } {
    Tracker.checkName(table);
    const def = this.#tables.catalog.find(table);
    if (!def) throw cdcError("TABLE_NOT_FOUND", `table ${table} does not exist`, 404);
    const exclude = [...new Set(options.excludeColumns ?? [])].sort();
    const snapshot = options.snapshot ?? true;
    for (const name of exclude) {
      if (!def.columns.some((c) => c.name === name))
        throw cdcError("INVALID_INPUT", `excludeColumns: ${table} has no column ${name}`);
      if (def.primaryKey.includes(name))
        throw cdcError("INVALID_INPUT", `excludeColumns: ${name} is a primary key column`);
    }
    const existing = this.find(table);
    if (existing?.tracking) {
      if (JSON.stringify(existing.excludeColumns) === JSON.stringify(exclude) && existing.snapshot === snapshot) {
        return {
          result: { table, schemaVersion: existing.schemaVersion, snapshotEndLsn: existing.snapshotEndLsn },
          created: false,
        };
      }
      throw cdcError("ALREADY_TRACKED", `table ${table} is tracked with other options; untrack it first`, 409);
    }
    if (snapshot) {
      const rows = this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "t_${table}"`).one().n;
      if (rows > maxSnapshotRows) {
        throw cdcError(
          "SNAPSHOT_TOO_LARGE",
          `table ${table} has ${rows} rows; a snapshot copies at most ${maxSnapshotRows} (track with snapshot: false)`,
          413,
        );
      }
    }
    const columns = this.#captured(def, exclude);
    const version = this.#newVersion(table, columns, def.primaryKey);
    installTriggers(this.#sql, table, columns, version);
    if (snapshot) snapshotRows(this.#sql, table, columns, def.primaryKey, version);
    const snapshotEndLsn = newestLsn();
    this.#sql.exec(
      `INSERT INTO cdc_tables (tbl, tracking, exclude_columns, snapshot, schema_version, snapshot_end_lsn, created_at)
       VALUES (?, 1, ?, ?, ?, ?, ?) ON CONFLICT (tbl) DO UPDATE SET tracking = 1, exclude_columns = excluded.exclude_columns,
       snapshot = excluded.snapshot, schema_version = excluded.schema_version, snapshot_end_lsn = excluded.snapshot_end_lsn`,
      table,
      JSON.stringify(exclude),
      snapshot ? 1 : 0,
      version,
      snapshotEndLsn,
      this.#clock.now(),
    );
    return { result: { table, schemaVersion: version, snapshotEndLsn }, created: true };
  }

  /** Stops tracking: drops the triggers; captured events stay readable. @throws {NOT_TRACKED} 404 */
  untrack(table: string): void {
    if (!this.isTracking(table)) throw cdcError("NOT_TRACKED", `table ${table} is not tracked`, 404);
    dropTriggers(this.#sql, table);
    this.#sql.exec("UPDATE cdc_tables SET tracking = 0 WHERE tbl = ?", table);
  }

  /** The table was dropped (forced): its triggers went with it. */
  dropped(table: string): void {
    dropTriggers(this.#sql, table);
    this.#sql.exec("UPDATE cdc_tables SET tracking = 0 WHERE tbl = ?", table);
  }

  /**
   * Re-derives the captured columns of a tracked table from the catalog and the storage table
   * (`PRAGMA table_info`), bumps the version when they changed and reinstalls the triggers.
   * @param force reinstall the triggers even when nothing drifted (a schema change)
   * @returns whether anything drifted (a version bump or a missing trigger)
   */
  refresh(table: string, force: boolean): boolean {
    const tracked = this.find(table);
    if (!tracked?.tracking) return false;
    const def = this.#tables.catalog.find(table);
    const stored = storageColumns(this.#sql, table);
    if (!def || stored.length === 0) return false;
    const fromCatalog = new Map(def.columns.map((c) => [c.name, c.type as string]));
    const columns = stored
      .filter((c) => !tracked.excludeColumns.includes(c.name))
      .map((c) => ({ name: c.name, type: fromCatalog.get(c.name) ?? SQL_TYPES[c.type.toUpperCase()] ?? "text" }));
    const version = this.#newVersion(table, columns, def.primaryKey);
    const missing = existingTriggers(this.#sql, table).length !== 3;
    const bumped = version !== tracked.schemaVersion;
    if (bumped || missing || force) {
      installTriggers(this.#sql, table, columns, version);
      this.#sql.exec("UPDATE cdc_tables SET schema_version = ? WHERE tbl = ?", version, table);
    }
    return missing || (bumped && !force);
  }

  /** Tables tracked now. */
  trackedNames(): string[] {
    return this.#sql
      .exec<{ tbl: string }>("SELECT tbl FROM cdc_tables WHERE tracking = 1")
      .toArray()
      .map((r) => r.tbl);
  }
}
