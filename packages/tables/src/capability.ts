/**
 * The tables capability: what `DOBase` composes. It owns `tbl_catalog` (its migrations), the
 * user tables, the one write path with its table-events seam, the `/tables` routes and the
 * `tables` RPC target.
 * @module
 */
import type { Capability, CapabilityDefinition, CapabilityPorts, Route } from "@durable/core";
import { type TablesApi, tablesApi } from "./api.ts";
import { TABLES_MIGRATIONS } from "./catalog.ts";
import { importRoutes } from "./import/import-routes.ts";
import { TableImports } from "./import/importer.ts";
import { tablesRoutes } from "./routes.ts";
import { Tables, type TablesPorts } from "./tables.ts";

/** The name of the capability, of its RPC target and of what other capabilities `require`. */
export const TABLES = "tables";

/** The tables capability, with its in-process API. */
export interface TablesCapability extends Capability {
  readonly name: typeof TABLES;
  /** The in-process API; other capabilities subscribe to its events with `tables.subscribe`. */
  readonly tables: Tables;
  readonly routes: readonly Route[];
  readonly api: TablesApi;
}

/**
 * Makes a tenant's {@link Tables} over the DO's ports (migrations are DOBase's to run).
 * @param ports SQL, transactions and the clock
 */
export function createTables(ports: TablesPorts): Tables {
  return new Tables(ports);
}

/**
 * The tables capability's definition. Capabilities that observe tables declare
 * `requires: ["tables"]` and subscribe in their `create`.
 * @example
 * // in TenantDO's constructor
 * this.use(tablesCapability());
 */
export function tablesCapability(): CapabilityDefinition<TablesCapability> {
  return {
    name: TABLES,
    create(ports: CapabilityPorts): TablesCapability {
      const tables = createTables(ports);
      const imports = new TableImports(tables, ports);
      return {
        name: TABLES,
        migrations: TABLES_MIGRATIONS,
        tables,
        // Nothing runs before start: an import still `running` was cut short by a restart.
        onStart: () => void imports.recover(),
        routes: [...tablesRoutes(tables), ...importRoutes(tables, imports)],
        api: tablesApi(tables),
      };
    },
  };
}
