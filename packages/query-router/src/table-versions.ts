/**
 * Table versions: a number per table that grows with every committed change, so a cache entry
 * that recorded older versions is stale at once. One interface, two sources: the cdc package's
 * per-table version when present, else the router's own write-path observer
 * ({@link WritePathVersions}, `qr_table_versions`, bumped in the write's transaction; the
 * in-memory copy follows in the after-commit step, so a rolled-back write bumps nothing).
 * @module
 */
import type { RowChange, Sql, SqlRow, SqlValue } from "@durable/core";

/** Where versions come from. */
export interface TableVersions {
  /** The version of `table` now (0 before any change). */
  current(table: string): number;
}

function sameValue(a: SqlValue | undefined, b: SqlValue | undefined): boolean {
  if (a instanceof ArrayBuffer && b instanceof ArrayBuffer) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a);
    const y = new Uint8Array(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  return a === b;
}

function sameRow(a: SqlRow, b: SqlRow): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!sameValue(a[k], b[k])) return false;
  return true;
}

/** True when a change changes nothing (a no-op upsert: every `updated` pair unchanged). */
export function isNoOp(change: RowChange): boolean {
  return change.inserted.length === 0 && change.deleted.length === 0 && change.updated.every(([b, a]) => sameRow(b, a));
}

/** The router's write-path observer over `qr_table_versions`. */
export class WritePathVersions implements TableVersions {
  readonly #sql: Sql;
  readonly #versions = new Map<string, number>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Loads every version (on start). */
  load(): void {
    this.#versions.clear();
    for (const r of this.#sql.exec<{ table_name: string; version: number }>(
      "SELECT table_name, version FROM qr_table_versions",
    )) {
      this.#versions.set(r.table_name, r.version);
    }
  }

  current(table: string): number {
    return this.#versions.get(table) ?? 0;
  }

  /**
   * Bumps `table` inside the caller's transaction.
   * @returns the after-commit step that makes the new version visible in memory
   */
  bump(table: string): () => void {
    const row = this.#sql
      .exec<{ version: number }>(
        `INSERT INTO qr_table_versions (table_name, version) VALUES (?, 1)
         ON CONFLICT (table_name) DO UPDATE SET version = version + 1 RETURNING version`,
        table,
      )
      .one();
    const version = row.version;
    return () => {
      if (version > this.current(table)) this.#versions.set(table, version);
    };
  }
}
