/**
 * The `tables` operator of a tenant checkpoint: `tbl_catalog` and every `t_<name>`, through the
 * tables' public API (catalog, `storageTable`, the events seam). Its restore runs inside the swap
 * transaction (the tables' event transaction): it deletes each table's rows (CDC hears `d`),
 * drops tables the checkpoint lacks (`onTableDropped`), recreates those whose definition differs
 * (`onSchemaChanged`, so CDC rebuilds its triggers before the rows come back), inserts the rows
 * (`c`), rewrites `tbl_catalog`, invalidates the catalog cache and tells every subscriber
 * `onTableReplaced`, so derived state (estimator, pre-aggregates) is rebuilt.
 * @module
 */
import { migrationVersion, type Operator, tablesOperator } from "@durable/checkpoint";
import type { Sql, SqlBinding, SqlValue } from "@durable/core";
import { storageTable, type Tables } from "@durable/tables";

interface CatalogRecord {
  catalog: Record<string, SqlValue>[];
}
interface DdlRecord {
  ddl: string;
  statements: string[];
}

/** The unquoted SQLite name of user table `name`. */
function rawName(name: string): string {
  return storageTable(name).slice(1, -1).replace(/""/g, '"');
}

/** The `CREATE` statements of a user table and its indexes, as SQLite keeps them. */
function ddlOf(sql: Sql, name: string): string[] {
  return sql
    .exec<{ sql: string }>(
      "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC, name",
      rawName(name),
    )
    .toArray()
    .map((r) => r.sql);
}

function decodeValue(v: unknown): SqlBinding {
  if (v !== null && typeof v === "object" && typeof (v as { $b?: unknown }).$b === "string") {
    return Uint8Array.from(atob((v as { $b: string }).$b), (c) => c.charCodeAt(0));
  }
  return v as SqlBinding;
}

/**
 * The tenant's tables as one checkpoint operator.
 * @param sql the Sql port
 * @param tables the tables capability's in-process API
 */
export function tenantTablesOperator(sql: Sql, tables: Tables): Operator {
  return {
    schemaVersion: () => migrationVersion(sql, "tables"),
    *capture() {
      const catalog = sql.exec("SELECT * FROM tbl_catalog ORDER BY name").toArray();
      yield { catalog } satisfies CatalogRecord;
      for (const row of catalog) {
        const name = row.name as string;
        yield { ddl: name, statements: ddlOf(sql, name) } satisfies DdlRecord;
        yield* tablesOperator(sql, [rawName(name)]).capture();
      }
    },
    restore(records) {
      tables.events.transact((emit) => {
        const restored: string[] = [];
        let table = "";
        let columns: string[] = [];
        let batch: SqlBinding[][] = [];
        const flush = () => {
          if (batch.length === 0) return;
          const tuple = `(${columns.map(() => "?").join(", ")})`;
          sql.exec(
            `INSERT INTO "${table}" (${columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(", ")}) VALUES ${batch.map(() => tuple).join(", ")}`,
            ...batch.flat(),
          );
          batch = [];
        };
        for (const r of records) {
          if (Array.isArray(r)) {
            batch.push(r.map(decodeValue));
            if ((batch.length + 1) * columns.length > 100) flush();
            continue;
          }
          flush();
          const rec = r as Partial<CatalogRecord & DdlRecord & { table: string; columns: string[] }>;
          if (rec.catalog) {
            const keep = new Set(rec.catalog.map((c) => c.name as string));
            for (const def of tables.catalog.list()) {
              sql.exec(`DELETE FROM ${storageTable(def.name)}`);
              if (!keep.has(def.name)) {
                emit.dropping(def.name);
                sql.exec(`DROP TABLE ${storageTable(def.name)}`);
              }
            }
            sql.exec("DELETE FROM tbl_catalog");
            for (const c of rec.catalog) {
              const cols = Object.keys(c);
              sql.exec(
                `INSERT INTO tbl_catalog (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
                ...cols.map((k) => c[k] as SqlBinding),
              );
            }
            tables.catalog.invalidate();
          } else if (rec.ddl !== undefined && rec.statements) {
            const current = ddlOf(sql, rec.ddl);
            if (current.join(";") !== rec.statements.join(";")) {
              if (current.length > 0) sql.exec(`DROP TABLE ${storageTable(rec.ddl)}`);
              for (const stmt of rec.statements) sql.exec(stmt);
              if (current.length > 0) emit.schemaChanged(tables.catalog.get(rec.ddl));
            }
            restored.push(rec.ddl);
          } else if (rec.table && rec.columns) {
            table = rec.table;
            columns = rec.columns;
          }
        }
        flush();
        for (const name of restored) emit.replaced(name);
      });
    },
  };
}
