/**
 * @durable/tables: a tenant's tables. A catalog of STRICT SQLite tables (`tbl_catalog`, user
 * tables stored as `t_<name>`), rows validated by zod schemas generated from the column types,
 * batched all-or-nothing writes through one observed write path, keyset-paginated scans with
 * the predicate language of `@durable/core`, and the `/tables` HTTP routes.
 * @module
 */
export { createTablesCapability, type TablesCapability, type TablesCapabilityOptions } from "./capability.ts";
export { Catalog, TABLES_MIGRATIONS } from "./catalog.ts";
export {
  COLUMN_TYPES,
  type ColumnType,
  fromBase64,
  MAX_JSON_BYTES,
  parseIsoTimestamp,
  SQL_TYPE,
  toBase64,
} from "./column-types.ts";
export { type TablesErrorCode, tablesError } from "./errors.ts";
export { NAME_PATTERN, nameProblem, RESERVED_PREFIXES } from "./names.ts";
export { jsonSafe, MAX_WRITE_BODY_BYTES, tablesRoutes } from "./routes.ts";
export { type KeyInput, MAX_ROW_BYTES, RowCodec, type RowInput } from "./row-codec.ts";
export {
  MAX_BATCH_ROWS,
  MAX_PAGE_BYTES,
  MAX_PAGE_ROWS,
  Rows,
  type ScanOptions,
  type ScanPage,
  type WriteMode,
  type WriteResult,
} from "./rows.ts";
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
export { type TableUser, TableUsers } from "./table-users.ts";
export { type TableInfo, Tables, type TablesPorts, tableInfo } from "./tables.ts";
export { isEmptyChange, type RowObserver, WritePath } from "./write-path.ts";
