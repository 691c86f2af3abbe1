/**
 * The tables capability: what `DOBase` composes. It owns `tbl_catalog` (its migrations), the
 * user tables, the one write path and the `/tables` routes.
 * @module
 */
import type { Capability, Route } from "@durable/core";
import { TABLES_MIGRATIONS } from "./catalog.ts";
import { tablesRoutes } from "./routes.ts";
import { Tables, type TablesPorts } from "./tables.ts";
import type { RowObserver } from "./write-path.ts";

/** Options of {@link createTablesCapability}. */
export interface TablesCapabilityOptions {
  /**
   * Observers of every row write, e.g. DOBase's fan-out to the `onRowsWritten` hooks of the
   * other capabilities. More can be added later with `tables.observe`.
   */
  observers?: readonly RowObserver[];
}

/** The tables capability, with its in-process API. */
export interface TablesCapability extends Capability {
  readonly name: "tables";
  readonly tables: Tables;
  readonly routes: readonly Route[];
}

/**
 * Makes the tables capability. Its migrations must run before the first call (DOBase does).
 * @param ports the DO's SQL, transaction and clock ports
 * @param options observers of the write path
 * @example
 * // in TenantDO's constructor
 * this.use(createTablesCapability(this.ports, { observers: [this.rowsWritten] }));
 */
export function createTablesCapability(ports: TablesPorts, options: TablesCapabilityOptions = {}): TablesCapability {
  const tables = new Tables(ports);
  for (const observer of options.observers ?? []) tables.observe(observer);
  return { name: "tables", migrations: TABLES_MIGRATIONS, tables, routes: tablesRoutes(tables) };
}
