/**
 * The synchronous SQL port every package is written against.
 *
 * It is the subset of Cloudflare's `SqlStorage` that the packages use, so that in a
 * Durable Object the port is simply `ctx.storage.sql`, and in Node it is the
 * better-sqlite3 adapter from `@durable/core/node`, which enforces the same limits.
 * @module
 */

/** A value SQLite can store and return. Blobs come back as `ArrayBuffer`, as in a DO. */
export type SqlValue = string | number | null | ArrayBuffer;

/** A value that may be bound to a `?` placeholder. */
export type SqlBinding = SqlValue | Uint8Array | bigint;

/** One result row, keyed by column name. */
export type SqlRow = Record<string, SqlValue>;

/** The cursor a query returns; consume it before any `await` (DO rule). */
export interface SqlCursor<T extends SqlRow = SqlRow> extends Iterable<T> {
  /** Every remaining row as an array. */
  toArray(): T[];
  /** Exactly one row; throws when there are zero or several. */
  one(): T;
  /** The remaining rows as arrays of values, in column order. */
  raw(): IterableIterator<SqlValue[]>;
  /** Column names of the result. */
  readonly columnNames: string[];
  /** Rows read so far by this statement. */
  readonly rowsRead: number;
  /** Rows written by this statement (0 for a read). */
  readonly rowsWritten: number;
}

/** The `Sql` port: `ctx.storage.sql` in a DO, the better-sqlite3 adapter in Node. */
export interface Sql {
  exec<T extends SqlRow = SqlRow>(query: string, ...bindings: SqlBinding[]): SqlCursor<T>;
}

/**
 * Runs `fn` in one SQLite transaction: commits when it returns, rolls back when it throws.
 * In a DO it is `(fn) => ctx.storage.transactionSync(fn)`.
 */
export type TransactionSync = <T>(fn: () => T) => T;

/** The limits of DO SQLite that code must respect (research/toolchain.md §8). */
export const SQL_LIMITS = {
  /** Bound parameters per statement. */
  maxBindings: 100,
  /** Bytes per statement. */
  maxStatementBytes: 100_000,
  /** Bytes per string or blob value (DO accepts a little more; we keep 2 MiB). */
  maxValueBytes: 2 * 1024 * 1024,
  /** Columns per table. */
  maxColumns: 100,
} as const;

/** The ports most packages take: SQL, transactions and a clock. */
export interface StoragePorts {
  sql: Sql;
  transactionSync: TransactionSync;
}
