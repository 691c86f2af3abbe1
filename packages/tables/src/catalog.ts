/**
 * The catalog of user tables (`tbl_catalog`) and their DDL. Each change runs in one
 * `transactionSync` together with its catalog row, so a failed DDL leaves nothing behind.
 * Definitions are cached in memory as a copy of SQLite (this DO is their only writer).
 * @module
 */
import { type Clock, conflict, type MigrationSet, type Sql } from "@durable/core";
import { SQL_TYPE, sqlLiteral } from "./column-types.ts";
import { invalidSchema, tableNotFound, tablesError } from "./errors.ts";
import { IMPORTS_MIGRATION } from "./import/import-store.ts";
import { quoteIdent, storageIndex, storageTable } from "./names.ts";
import type { TableEventEmitter, TableEvents } from "./table-events.ts";
import {
  type ColumnDef,
  ColumnSpecSchema,
  type IndexDef,
  IndexSpecSchema,
  parseSpec,
  TABLE_LIMITS,
  type TableDef,
  toColumnDef,
  toIndexDef,
  toTableDef,
} from "./table-spec.ts";

/** The migrations of the tables capability. */
export const TABLES_MIGRATIONS: MigrationSet = {
  owner: "tables",
  prefix: "tbl_",
  migrations: [
    {
      version: 1,
      name: "catalog",
      sql: `CREATE TABLE tbl_catalog (
        name TEXT PRIMARY KEY,
        columns TEXT NOT NULL,
        primary_key TEXT NOT NULL,
        indexes TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT`,
    },
    IMPORTS_MIGRATION,
  ],
};

function columnSql(c: ColumnDef): string {
  const name = quoteIdent(c.name);
  let out = `${name} ${SQL_TYPE[c.type]}`;
  if (!c.nullable) out += " NOT NULL";
  if (c.default !== undefined) out += ` DEFAULT ${sqlLiteral(c.default)}`;
  if (c.type === "boolean") out += ` CHECK (${name} IN (0, 1))`;
  if (c.type === "json") out += ` CHECK (json_valid(${name}))`;
  return out;
}

function indexSql(table: string, ix: IndexDef): string {
  return `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX ${storageIndex(table, ix.name)} ON ${storageTable(table)} (${ix.columns.map(quoteIdent).join(", ")})`;
}

interface CatalogRow extends Record<string, string | number> {
  name: string;
  columns: string;
  primary_key: string;
  indexes: string;
  version: number;
  created_at: number;
}

function decodeDefault(c: ColumnDef & { default?: unknown }): ColumnDef {
  // Blob defaults are stored in the catalog JSON as { $blob: base64 }.
  const d = c.default as { $blob?: string } | undefined;
  if (d && typeof d === "object" && typeof d.$blob === "string") {
    return { ...c, default: Uint8Array.from(atob(d.$blob), (ch) => ch.charCodeAt(0)) };
  }
  return c;
}

function encodeColumns(columns: ColumnDef[]): string {
  return JSON.stringify(
    columns.map((c) =>
      c.default instanceof Uint8Array ? { ...c, default: { $blob: btoa(String.fromCharCode(...c.default)) } } : c,
    ),
  );
}

/** The catalog: create, describe, evolve and drop user tables. */
export class Catalog {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #events: TableEvents;
  #cache: Map<string, TableDef> | undefined;

  constructor(sql: Sql, clock: Clock, events: TableEvents) {
    this.#sql = sql;
    this.#clock = clock;
    this.#events = events;
  }

  #all(): Map<string, TableDef> {
    if (!this.#cache) {
      const rows = this.#sql.exec<CatalogRow>("SELECT * FROM tbl_catalog ORDER BY name").toArray();
      this.#cache = new Map(
        rows.map((r) => [
          r.name,
          {
            name: r.name,
            columns: (JSON.parse(r.columns) as ColumnDef[]).map(decodeDefault),
            primaryKey: JSON.parse(r.primary_key) as string[],
            indexes: JSON.parse(r.indexes) as IndexDef[],
            version: r.version,
            createdAt: r.created_at,
          },
        ]),
      );
    }
    return this.#cache;
  }

  /** Forgets the in-memory copy (after a rolled-back DDL, or for tests). */
  invalidate(): void {
    this.#cache = undefined;
  }

  /** Every table, by name. */
  list(): TableDef[] {
    return [...this.#all().values()];
  }

  /** The table called `name`, or undefined. */
  find(name: string): TableDef | undefined {
    return this.#all().get(name);
  }

  /**
   * The table called `name`.
   * @throws {TABLE_NOT_FOUND} 404
   */
  get(name: string): TableDef {
    const def = this.find(name);
    if (!def) throw tableNotFound(name);
    return def;
  }

  #save(def: TableDef): void {
    this.#sql.exec(
      `INSERT INTO tbl_catalog (name, columns, primary_key, indexes, version, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET columns = excluded.columns, indexes = excluded.indexes, version = excluded.version`,
      def.name,
      encodeColumns(def.columns),
      JSON.stringify(def.primaryKey),
      JSON.stringify(def.indexes),
      def.version,
      def.createdAt,
    );
  }

  /**
   * Runs one DDL change and its events in one transaction. The cache changes inside it, so that
   * after-commit steps read the new definition; a rollback forgets the cache.
   */
  #ddl(fn: (emit: TableEventEmitter) => TableDef | undefined, dropped?: string): void {
    try {
      this.#events.transact((emit) => {
        const def = fn(emit);
        if (def) this.#all().set(def.name, def);
        if (dropped !== undefined) this.#all().delete(dropped);
      });
    } catch (err) {
      this.invalidate();
      throw err;
    }
  }

  /**
   * Creates a STRICT table `t_<name>`, its indexes and its catalog row in one transaction.
   * @param input `{ name, columns: [{ name, type, nullable?, default? }], primaryKey, indexes? }`
   * @returns the stored definition
   * @throws {INVALID_SCHEMA} 400 with the path · {TABLE_EXISTS} 409 · {TABLE_LIMIT} 409 at 64 tables
   */
  create(input: unknown): TableDef {
    const def = toTableDef(input, this.#clock.now());
    if (this.find(def.name)) throw conflict("TABLE_EXISTS", `table ${def.name} already exists`);
    if (this.#all().size >= TABLE_LIMITS.maxTables) {
      throw conflict("TABLE_LIMIT", `a tenant has at most ${TABLE_LIMITS.maxTables} tables`);
    }
    const body = [...def.columns.map(columnSql), `PRIMARY KEY (${def.primaryKey.map(quoteIdent).join(", ")})`];
    this.#ddl(() => {
      this.#sql.exec(`CREATE TABLE ${storageTable(def.name)} (${body.join(", ")}) STRICT`);
      for (const ix of def.indexes) this.#sql.exec(indexSql(def.name, ix));
      this.#save(def);
      return def;
    });
    return def;
  }

  /**
   * Adds a column. A non-nullable column needs a non-null default (SQLite fills existing rows).
   * Users of the table (CDC) hear of the change in the same transaction.
   * @throws {TABLE_NOT_FOUND} · {INVALID_SCHEMA}
   */
  addColumn(table: string, input: unknown): TableDef {
    const current = this.get(table);
    const col = toColumnDef(parseSpec(ColumnSpecSchema, input), []);
    if (current.columns.some((c) => c.name === col.name))
      throw invalidSchema(`name: column ${col.name} already exists`);
    if (current.columns.length >= TABLE_LIMITS.maxColumns) {
      throw invalidSchema(`a table has at most ${TABLE_LIMITS.maxColumns} columns`);
    }
    if (!col.nullable && (col.default === undefined || col.default === null)) {
      throw invalidSchema("default: a non-nullable column added to a table needs a default");
    }
    const next: TableDef = { ...current, columns: [...current.columns, col], version: current.version + 1 };
    this.#ddl((emit) => {
      this.#sql.exec(`ALTER TABLE ${storageTable(table)} ADD COLUMN ${columnSql(col)}`);
      this.#save(next);
      emit.schemaChanged(next);
      return next;
    });
    return next;
  }

  /**
   * Adds an index (at most 8 per table).
   * @throws {TABLE_NOT_FOUND} · {INVALID_SCHEMA} (unknown column, duplicate name, limit) ·
   *   {DUPLICATE_KEY} 409 when a unique index meets duplicate values
   */
  addIndex(table: string, input: unknown): TableDef {
    const current = this.get(table);
    const ix = toIndexDef(parseSpec(IndexSpecSchema, input), current.columns, current.indexes, []);
    const next: TableDef = { ...current, indexes: [...current.indexes, ix], version: current.version + 1 };
    this.#ddl((emit) => {
      try {
        this.#sql.exec(indexSql(table, ix));
      } catch (err) {
        if (err instanceof Error && /UNIQUE constraint failed/.test(err.message)) {
          throw conflict("DUPLICATE_KEY", `unique index ${ix.name}: the table holds duplicate values`);
        }
        throw err;
      }
      this.#save(next);
      emit.schemaChanged(next);
      return next;
    });
    return next;
  }

  /**
   * Drops an index.
   * @throws {TABLE_NOT_FOUND} · {INDEX_NOT_FOUND} 404
   */
  dropIndex(table: string, index: string): TableDef {
    const current = this.get(table);
    if (!current.indexes.some((ix) => ix.name === index)) {
      throw tablesError("INDEX_NOT_FOUND", `table ${table} has no index ${index}`, 404);
    }
    const next: TableDef = {
      ...current,
      indexes: current.indexes.filter((ix) => ix.name !== index),
      version: current.version + 1,
    };
    this.#ddl((emit) => {
      this.#sql.exec(`DROP INDEX ${storageIndex(table, index)}`);
      this.#save(next);
      emit.schemaChanged(next);
      return next;
    });
    return next;
  }

  /**
   * Drops a table and its catalog row.
   * @param force drop even while a registered user depends on it (users are told first)
   * @throws {TABLE_NOT_FOUND} · {TABLE_IN_USE} 409 naming the users, unless `force`
   */
  drop(table: string, force = false): void {
    this.get(table);
    const uses = this.#events.usesOf(table);
    if (uses.length > 0 && !force) {
      throw conflict("TABLE_IN_USE", `table ${table} is used by ${uses.join(", ")}; pass force to drop it anyway`);
    }
    this.#ddl((emit) => {
      emit.dropping(table);
      this.#sql.exec(`DROP TABLE ${storageTable(table)}`);
      this.#sql.exec("DELETE FROM tbl_catalog WHERE name = ?", table);
      return undefined;
    }, table);
  }
}
