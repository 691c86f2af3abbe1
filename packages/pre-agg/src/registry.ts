/**
 * The rollups of a DO (`preagg_rollups`) and what is derived from each definition: its layout,
 * the source's key columns and an in-memory cache rebuilt from storage whenever it may be stale.
 * @module
 */
import type { Sql, SqlValue } from "@durable/core";
import type { Tables } from "@durable/tables";
import { definitionVersion, type RollupDefinition, type SourceColumn } from "./definition.ts";
import { type Layout, layoutOf } from "./layout.ts";
import type { RollupStatus } from "./types.ts";

/** A rollup with everything the hook and the queries need. */
export interface Rollup {
  name: string;
  def: RollupDefinition;
  version: string;
  status: RollupStatus;
  error: string | null;
  /** Backfill position: the source key of the last row read, or null before the first. */
  cursor: SqlValue[] | null;
  backfilled: number;
  createdAt: number;
  builtAt: number | null;
  sourceCreatedAt: number;
  layout: Layout;
  sourceColumns: SourceColumn[];
  /** Source primary key columns (backfill order). */
  sourceKey: string[];
  /** Hot rows a partition may hold before the rollup is disabled (ROLLUP_TOO_LARGE). */
  maxHotRows: number;
}

/** Reads and writes `preagg_rollups`, caching the parsed rows. */
export class Registry {
  #cache: Map<string, Rollup> | null = null;

  constructor(
    readonly sql: Sql,
    readonly tables: Tables,
    readonly maxHotRows = 200_000,
  ) {}

  /** Forgets the cache (after a change, or a rollback). */
  invalidate(): void {
    this.#cache = null;
  }

  /** Every rollup, by name. */
  all(): Map<string, Rollup> {
    if (this.#cache) return this.#cache;
    const out = new Map<string, Rollup>();
    for (const r of this.sql.exec("SELECT * FROM preagg_rollups ORDER BY name")) {
      const def = JSON.parse(r.definition as string) as RollupDefinition;
      const columns = this.#columns(def.source);
      out.set(r.name as string, {
        name: r.name as string,
        def,
        version: r.version as string,
        status: r.status as RollupStatus,
        error: (r.error as string | null) ?? null,
        cursor: r.cursor === null ? null : (JSON.parse(r.cursor as string) as SqlValue[]),
        backfilled: r.backfilled as number,
        createdAt: r.created_at as number,
        builtAt: (r.built_at as number | null) ?? null,
        sourceCreatedAt: r.source_created_at as number,
        layout: layoutOf(def, columns.columns),
        sourceColumns: columns.columns,
        sourceKey: columns.key,
        maxHotRows: this.maxHotRows,
      });
    }
    this.#cache = out;
    return out;
  }

  #columns(source: string): { columns: SourceColumn[]; key: string[] } {
    try {
      const info = this.tables.describeTable(source);
      return { columns: info.columns, key: info.primaryKey };
    } catch {
      return { columns: [], key: [] };
    }
  }

  /** One rollup, or undefined. */
  get(name: string): Rollup | undefined {
    return this.all().get(name);
  }

  /** Rollups over `table`. */
  over(table: string): Rollup[] {
    return [...this.all().values()].filter((r) => r.def.source === table);
  }

  /** Stores a new rollup (status building, no cursor). */
  insert(def: RollupDefinition, now: number, sourceCreatedAt: number): void {
    this.sql.exec(
      `INSERT INTO preagg_rollups (name, source, definition, version, status, created_at, source_created_at)
       VALUES (?, ?, ?, ?, 'building', ?, ?)`,
      def.name,
      def.source,
      JSON.stringify(def),
      definitionVersion(def),
      now,
      sourceCreatedAt,
    );
    this.invalidate();
  }

  /** Sets the status (and why). */
  setStatus(name: string, status: RollupStatus, error: string | null, builtAt?: number): void {
    this.sql.exec(
      "UPDATE preagg_rollups SET status = ?, error = ?, built_at = coalesce(?, built_at) WHERE name = ?",
      status,
      error,
      builtAt ?? null,
      name,
    );
    this.invalidate();
  }

  /** Moves the backfill cursor. */
  setCursor(name: string, cursor: SqlValue[] | null, rowsRead: number): void {
    this.sql.exec(
      "UPDATE preagg_rollups SET cursor = ?, backfilled = backfilled + ? WHERE name = ?",
      cursor === null ? null : JSON.stringify(cursor),
      rowsRead,
      name,
    );
    this.invalidate();
  }

  /** Deletes the rollup's row. */
  delete(name: string): void {
    this.sql.exec("DELETE FROM preagg_rollups WHERE name = ?", name);
    this.invalidate();
  }

  /** How many rollups there are. */
  count(): number {
    return this.all().size;
  }
}
