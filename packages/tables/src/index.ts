/**
 * @durable/tables: a tenant's tables. A catalog of STRICT SQLite tables (`tbl_catalog`, user
 * tables stored as `t_<name>`), rows validated by zod schemas generated from the column types,
 * batched all-or-nothing writes through one write path, the one table-events seam every other
 * capability subscribes to, keyset-paginated scans with the predicate language of
 * `@durable/core`, the `/tables` HTTP routes and the `tables` RPC target.
 * @module
 */
export type { RpcKey, RpcRow, TablesApi } from "./api.ts";
export { createTables, TABLES, type TablesCapability, tablesCapability } from "./capability.ts";
export { TABLES_MIGRATIONS } from "./catalog.ts";
export { COLUMN_TYPES, type ColumnType } from "./column-types.ts";
export type { TablesErrorCode } from "./errors.ts";
export { RESERVED_PREFIXES, storageTable } from "./names.ts";
export type { KeyInput, RowCodec, RowInput } from "./row-codec.ts";
export { MAX_BATCH_ROWS, type WriteMode, type WriteResult } from "./rows.ts";
export { MAX_PAGE_BYTES, MAX_PAGE_ROWS, type ScanOptions, type ScanPage } from "./scan.ts";
export type {
  AfterCommit,
  AfterCommitErrorHandler,
  EventResult,
  TableEventEmitter,
  TableSubscriber,
} from "./table-events.ts";
export {
  type ColumnDef,
  type ColumnSpec,
  ColumnSpecSchema,
  type IndexDef,
  type IndexSpec,
  IndexSpecSchema,
  TABLE_LIMITS,
  type TableDef,
  type TableSpec,
  TableSpecSchema,
} from "./table-spec.ts";
export { type TableInfo, Tables, type TablesPorts } from "./tables.ts";
