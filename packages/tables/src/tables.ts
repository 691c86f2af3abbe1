/**
 * `Tables`: the in-process API of a tenant's tables (catalog, rows, the table-events seam)
 * over the core ports. The capability's HTTP routes and RPC target call it.
 * @module
 */
import { type Clock, type Predicate, runMigrations, type Sql, systemClock, type TransactionSync } from "@durable/core";
import { Catalog, TABLES_MIGRATIONS } from "./catalog.ts";
import { readValue, toBase64 } from "./column-types.ts";
import type { KeyInput, RowInput } from "./row-codec.ts";
import { Rows, type WriteMode, type WriteResult } from "./rows.ts";
import type { ScanOptions, ScanPage } from "./scan.ts";
import { type AfterCommitErrorHandler, TableEvents, type TableSubscriber } from "./table-events.ts";
import type { TableDef } from "./table-spec.ts";
import { WritePath } from "./write-path.ts";

/** Ports the tables need. */
export interface TablesPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock?: Clock;
  /** Where failures of after-commit steps are reported (default: one JSON line on stderr). */
  onAfterCommitError?: AfterCommitErrorHandler;
}

/** A table as clients read it (defaults in client form: booleans, parsed json, base64 blobs). */
export interface TableInfo {
  name: string;
  /** `default` is JSON (concrete, so that the type survives Workers RPC typing). */
  columns: { name: string; type: string; nullable: boolean; default?: string | number | boolean | null | object }[];
  primaryKey: string[];
  indexes: { name: string; columns: string[]; unique: boolean }[];
  version: number;
  createdAt: number;
}

/** A definition in client form. */
export function tableInfo(def: TableDef): TableInfo {
  return {
    name: def.name,
    columns: def.columns.map((c) => {
      if (c.default === undefined) return { name: c.name, type: c.type, nullable: c.nullable };
      const value = readValue(
        c.type,
        c.default instanceof Uint8Array ? (c.default.slice().buffer as ArrayBuffer) : (c.default as never),
      );
      return {
        name: c.name,
        type: c.type,
        nullable: c.nullable,
        default: value instanceof Uint8Array ? toBase64(value) : (value as string | number | boolean | null | object),
      };
    }),
    primaryKey: [...def.primaryKey],
    indexes: def.indexes.map((ix) => ({ ...ix, columns: [...ix.columns] })),
    version: def.version,
    createdAt: def.createdAt,
  };
}

/**
 * The tables of one tenant.
 * @example
 * const tables = Tables.open({ sql, transactionSync });
 * tables.createTable({ name: "orders", columns: [{ name: "id", type: "integer" }], primaryKey: "id" });
 * tables.insert("orders", [{ id: 1 }]);
 */
export class Tables {
  readonly catalog: Catalog;
  readonly rows: Rows;
  readonly events: TableEvents;

  /** Use {@link Tables.open} outside a DO; in a DO the capability's migrations ran first. */
  constructor(ports: TablesPorts) {
    this.events = new TableEvents(ports.transactionSync, ports.onAfterCommitError);
    this.catalog = new Catalog(ports.sql, ports.clock ?? systemClock, this.events);
    this.rows = new Rows(ports.sql, this.catalog, new WritePath(this.events));
  }

  /**
   * Runs the tables migrations, then returns a {@link Tables}: for Node tests, spikes and
   * scripts only (in a DO, DOBase runs the migrations).
   */
  static open(ports: TablesPorts): Tables {
    runMigrations(ports.sql, ports.transactionSync, TABLES_MIGRATIONS, (ports.clock ?? systemClock).now());
    return new Tables(ports);
  }

  /**
   * Subscribes a capability to the table events: row changes, schema changes, drops (with the
   * `usesOf` veto) and wholesale replacements (see {@link TableEvents}).
   * @returns a function that unsubscribes it
   */
  subscribe(subscriber: TableSubscriber): () => void {
    return this.events.subscribe(subscriber);
  }

  /**
   * Tells every subscriber that `table`'s rows changed wholesale outside the write path (a
   * restore rewrote them), so that what they derived from the rows is rebuilt.
   * @throws {TABLE_NOT_FOUND} 404
   */
  replaced(table: string): void {
    this.catalog.get(table);
    this.events.transact((emit) => emit.replaced(table));
  }

  /** {@link Catalog.create}, in client form. */
  createTable(spec: unknown): TableInfo {
    return tableInfo(this.catalog.create(spec));
  }

  /** Every table, in client form. */
  listTables(): TableInfo[] {
    return this.catalog.list().map(tableInfo);
  }

  /** One table, in client form. @throws {TABLE_NOT_FOUND} */
  describeTable(name: string): TableInfo {
    return tableInfo(this.catalog.get(name));
  }

  /** {@link Catalog.drop}. */
  dropTable(name: string, force = false): void {
    this.catalog.drop(name, force);
  }

  /** {@link Catalog.addColumn}. */
  addColumn(table: string, column: unknown): TableInfo {
    return tableInfo(this.catalog.addColumn(table, column));
  }

  /** {@link Catalog.addIndex}. */
  addIndex(table: string, index: unknown): TableInfo {
    return tableInfo(this.catalog.addIndex(table, index));
  }

  /** {@link Catalog.dropIndex}. */
  dropIndex(table: string, index: string): TableInfo {
    return tableInfo(this.catalog.dropIndex(table, index));
  }

  /** {@link Rows.write} with mode `insert`. */
  insert(table: string, rows: unknown): WriteResult {
    return this.rows.write(table, rows, "insert");
  }

  /** {@link Rows.write} with mode `upsert`. */
  upsert(table: string, rows: unknown): WriteResult {
    return this.rows.write(table, rows, "upsert");
  }

  /** {@link Rows.write}. */
  write(table: string, rows: unknown, mode: WriteMode = "insert"): WriteResult {
    return this.rows.write(table, rows, mode);
  }

  /** {@link Rows.delete}. */
  delete(table: string, keys: unknown): { deleted: number } {
    return this.rows.delete(table, keys);
  }

  /** {@link Rows.update}. */
  update(table: string, key: KeyInput, set: unknown): RowInput {
    return this.rows.update(table, key, set);
  }

  /** {@link Rows.get}. */
  get(table: string, key: KeyInput): RowInput {
    return this.rows.get(table, key);
  }

  /** {@link Rows.scan}. */
  scan(table: string, options?: ScanOptions): ScanPage {
    return this.rows.scan(table, options);
  }

  /** {@link Rows.count}. */
  count(table: string, where?: Predicate | string): number {
    return this.rows.count(table, where);
  }
}
