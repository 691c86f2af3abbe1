/**
 * A read-only `Sql` over raw better-sqlite3 whose `raw()` streams rows (`iterate`), each BLOB a
 * fresh ArrayBuffer, as a DO cursor hands them out. The core adapter materializes every row
 * first (fine for tests, not for timing a 50k × 768 scan), so the spike times the exact search
 * over both and takes the faster, streamed one as its baseline.
 * @module
 */
import type { Sql, SqlBinding, SqlCursor, SqlRow, SqlValue } from "@durable/core";
import type Database from "better-sqlite3";

const native = (v: SqlBinding) =>
  v instanceof Uint8Array
    ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    : v instanceof ArrayBuffer
      ? Buffer.from(v)
      : v;
const value = (v: unknown): SqlValue =>
  Buffer.isBuffer(v)
    ? (v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer)
    : typeof v === "bigint"
      ? Number(v)
      : (v as SqlValue);

/** The streaming `Sql` (reads only). */
export function streamingSql(db: Database.Database): Sql {
  return {
    exec<T extends SqlRow>(query: string, ...bindings: SqlBinding[]): SqlCursor<T> {
      const stmt = db.prepare(query);
      const args = bindings.map(native);
      const all = () =>
        stmt
          .all(...args)
          .map((r) => Object.fromEntries(Object.entries(r as object).map(([k, v]) => [k, value(v)])) as T);
      return {
        toArray: all,
        one: () => {
          const rows = all();
          if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
          return rows[0] as T;
        },
        *raw() {
          for (const row of stmt.raw(true).iterate(...args) as Iterable<unknown[]>) yield row.map(value);
        },
        columnNames: stmt.columns().map((c) => c.name),
        rowsRead: 0,
        rowsWritten: 0,
        [Symbol.iterator]: () => all()[Symbol.iterator](),
      };
    },
  };
}
