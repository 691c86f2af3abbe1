/**
 * The `Sql` port over better-sqlite3 12.x, with DO SQLite's rules: no BEGIN/SAVEPOINT/ATTACH,
 * at most 100 bound parameters, 100 KB statements and 2 MiB values; blobs come back as
 * `ArrayBuffer`; error messages end with the SQLite code (`…: SQLITE_CONSTRAINT`) as in a DO.
 * @module
 */
import Database from "better-sqlite3";
import type { Sql, SqlBinding, SqlCursor, SqlRow, SqlValue, TransactionSync } from "../sql.ts";
import { assertAllowed } from "./statement-guard.ts";

type NativeValue = string | number | bigint | null | Buffer;

function toNative(value: SqlBinding): NativeValue {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value === undefined || typeof value === "boolean" || (typeof value === "object" && value !== null)) {
    throw new TypeError(`Wrong type for SQL binding: ${typeof value}`);
  }
  return value;
}

function fromNative(value: unknown): SqlValue {
  if (Buffer.isBuffer(value)) {
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer;
  }
  if (typeof value === "bigint") return Number(value);
  return value as SqlValue;
}

function convertRow(row: Record<string, unknown>): SqlRow {
  const out: SqlRow = {};
  for (const key in row) out[key] = fromNative(row[key]);
  return out;
}

/** Appends the SQLite primary result code to native errors, as workerd does. */
function asDoError(err: unknown): unknown {
  if (err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("SQLITE_")) {
    const primary = err.code.split("_").slice(0, 2).join("_");
    const wrapped = new Error(`${err.message}: ${primary}`, { cause: err });
    return wrapped;
  }
  return err;
}

class ArrayCursor<T extends SqlRow> implements SqlCursor<T> {
  readonly #rows: T[];
  #index = 0;
  readonly columnNames: string[];
  readonly rowsRead: number;
  readonly rowsWritten: number;

  constructor(rows: T[], columnNames: string[], rowsWritten: number) {
    this.#rows = rows;
    this.columnNames = columnNames;
    this.rowsRead = rows.length;
    this.rowsWritten = rowsWritten;
  }

  toArray(): T[] {
    const rest = this.#rows.slice(this.#index);
    this.#index = this.#rows.length;
    return rest;
  }

  one(): T {
    const rest = this.toArray();
    if (rest.length !== 1) {
      throw new Error(
        rest.length === 0
          ? "Expected exactly one result from SQL query, but got no results."
          : "Expected exactly one result from SQL query, but got multiple results.",
      );
    }
    return rest[0] as T;
  }

  *raw(): IterableIterator<SqlValue[]> {
    for (const row of this.toArray()) yield this.columnNames.map((c) => row[c] ?? null);
  }

  *[Symbol.iterator](): Iterator<T> {
    while (this.#index < this.#rows.length) {
      const row = this.#rows[this.#index++];
      if (row) yield row;
    }
  }
}

/** A better-sqlite3 database seen through the `Sql` and `TransactionSync` ports. */
export interface NodeSqlite {
  sql: Sql;
  transactionSync: TransactionSync;
  /** The underlying database, for spikes that compare against raw SQLite. */
  db: Database.Database;
  close(): void;
}

/**
 * Opens a SQLite database (in memory by default) with DO SQLite's rules.
 * @param filename a file path, or `:memory:`
 * @example
 * const { sql, transactionSync } = openSqlite();
 * sql.exec("CREATE TABLE t_demo (id INTEGER PRIMARY KEY) STRICT");
 */
export function openSqlite(filename = ":memory:"): NodeSqlite {
  const db = new Database(filename);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  const cache = new Map<string, Database.Statement>();
  const prepare = (query: string): Database.Statement | null => {
    let stmt = cache.get(query);
    if (stmt) return stmt;
    try {
      stmt = db.prepare(query);
    } catch (err) {
      if (err instanceof RangeError || (err instanceof Error && /more than one statement/.test(err.message))) {
        return null;
      }
      throw asDoError(err);
    }
    if (cache.size > 500) cache.clear();
    cache.set(query, stmt);
    return stmt;
  };
  const changes = db.prepare("SELECT changes() AS n").pluck();

  const sql: Sql = {
    exec<T extends SqlRow>(query: string, ...bindings: SqlBinding[]): SqlCursor<T> {
      assertAllowed(query, bindings);
      const args = bindings.map(toNative);
      try {
        const stmt = prepare(query);
        if (stmt === null) {
          if (args.length > 0) throw new Error("bindings are only allowed with a single statement: SQLITE_ERROR");
          const before = db.prepare("SELECT total_changes() AS n").pluck().get() as number;
          db.exec(query);
          const after = db.prepare("SELECT total_changes() AS n").pluck().get() as number;
          return new ArrayCursor<T>([], [], after - before);
        }
        if (stmt.reader) {
          const rows = (stmt.all(...args) as Record<string, unknown>[]).map(convertRow) as T[];
          const columns = stmt.columns().map((c) => c.name);
          const written = /^\s*(INSERT|UPDATE|DELETE|REPLACE|WITH)\b/i.test(query) ? (changes.get() as number) : 0;
          return new ArrayCursor<T>(rows, columns, written);
        }
        const info = stmt.run(...args);
        return new ArrayCursor<T>([], [], info.changes);
      } catch (err) {
        throw asDoError(err);
      }
    },
  };

  // One wrapper for every call (better-sqlite3 builds a wrapper per db.transaction(); reusing it
  // keeps hot paths cheap). Nested calls become savepoints, as nested transactionSync in a DO.
  const runInTransaction = db.transaction((fn: () => unknown) => fn());
  const transactionSync: TransactionSync = <T>(fn: () => T): T => runInTransaction(fn) as T;

  return { sql, transactionSync, db, close: () => db.close() };
}
