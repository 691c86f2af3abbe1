/**
 * The tables capability's RPC API: what another Worker calls on
 * `stub.capability("tables", tenant)`. Rows travel as JSON values (blobs as base64), as over
 * HTTP; errors are `PlatformError`s whose `[CODE]` survives RPC.
 * @module
 */
import type { Predicate } from "@durable/core";
import { jsonSafe } from "./routes.ts";
import type { WriteMode, WriteResult } from "./rows.ts";
import type { ScanOptions } from "./scan.ts";
import type { TableInfo, Tables } from "./tables.ts";

/** A row as RPC returns it: JSON values, blobs as base64 (as over HTTP). */
export type RpcRow = Record<string, string | number | boolean | null | object>;

/** A row key: a value, an array in key order (or an object, where a method takes `unknown`). */
export type RpcKey = string | number | (string | number)[];

/** The methods of the tables RPC target. */
export interface TablesApi {
  /** Creates a table (see `POST /tables`). */
  createTable(spec: unknown): TableInfo;
  /** Every table of the tenant. */
  listTables(): TableInfo[];
  /** One table. */
  describeTable(name: string): TableInfo;
  /** Drops a table (`force` drops it even while a capability uses it). */
  dropTable(name: string, force?: boolean): void;
  /** Inserts or upserts 1–10,000 rows, all or nothing. */
  writeRows(table: string, rows: unknown[], mode?: WriteMode): WriteResult;
  /** Deletes rows by key. */
  deleteRows(table: string, keys: unknown[]): { deleted: number };
  /** Reads one row by key. */
  getRow(table: string, key: RpcKey): RpcRow;
  /** Changes columns of one row. */
  updateRow(table: string, key: RpcKey, set: Record<string, unknown>): RpcRow;
  /** One keyset page. */
  scanRows(table: string, options?: ScanOptions): { rows: RpcRow[]; cursor: string | null };
  /** Counts rows matching `where`. */
  countRows(table: string, where?: Predicate): number;
}

/** The RPC API over one tenant's {@link Tables}. */
export function tablesApi(tables: Tables): TablesApi {
  return {
    createTable: (spec) => tables.createTable(spec),
    listTables: () => tables.listTables(),
    describeTable: (name) => tables.describeTable(name),
    dropTable: (name, force = false) => tables.dropTable(name, force),
    writeRows: (table, rows, mode = "insert") => tables.write(table, rows, mode),
    deleteRows: (table, keys) => tables.delete(table, keys),
    getRow: (table, key) => jsonSafe(tables.get(table, key)) as RpcRow,
    updateRow: (table, key, set) => jsonSafe(tables.update(table, key, set)) as RpcRow,
    scanRows: (table, options = {}) => {
      const page = tables.scan(table, options);
      return { rows: page.rows.map((r) => jsonSafe(r) as RpcRow), cursor: page.cursor };
    },
    countRows: (table, where) => tables.count(table, where),
  };
}
