/**
 * Proves the better-sqlite3 adapter enforces DO SQLite's rules and shapes (limits, rejected
 * statements, error codes, blobs as ArrayBuffer, rowsWritten). Does not prove byte-exact
 * parity with workerd's messages beyond the trailing SQLite code.
 */
import { describe, expect, it } from "vitest";
import { openSqlite, statementHeads } from "../src/node/index.ts";

describe("openSqlite", () => {
  it("rejects transaction control and ATTACH like DO SQLite", () => {
    const { sql } = openSqlite();
    for (const q of ["BEGIN", "begin transaction", "COMMIT", "ROLLBACK", "SAVEPOINT a", "RELEASE a", "END"]) {
      expect(() => sql.exec(q), q).toThrow(/transactionSync/);
    }
    expect(() => sql.exec("ATTACH DATABASE 'x.db' AS x")).toThrow(/SQLITE_AUTH/);
    expect(() => sql.exec("CREATE TEMP TABLE x (a)")).toThrow(/SQLITE_AUTH/);
    expect(() => sql.exec("SELECT sqlite_version()")).toThrow(/SQLITE_AUTH/);
    expect(() => sql.exec("CREATE TABLE t (a); BEGIN;")).toThrow(/transactionSync/);
  });

  it("allows a trigger body with BEGIN … END and CASE … END", () => {
    const { sql } = openSqlite();
    sql.exec(`CREATE TABLE t (a INTEGER); CREATE TABLE log (v TEXT);
      CREATE TRIGGER tr AFTER INSERT ON t BEGIN
        INSERT INTO log VALUES (CASE WHEN NEW.a > 1 THEN 'big' ELSE 'small' END);
      END;`);
    sql.exec("INSERT INTO t VALUES (?)", 5);
    expect(sql.exec("SELECT v FROM log").one()).toEqual({ v: "big" });
    expect(statementHeads("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END; BEGIN")).toHaveLength(2);
  });

  it("caps bound parameters at 100, statements at 100 KB and values at 2 MiB", () => {
    const { sql } = openSqlite();
    sql.exec("CREATE TABLE t (v)");
    const hundred = Array.from({ length: 100 }, (_, i) => i);
    expect(sql.exec(`SELECT ${hundred.map(() => "?").join("+")} AS s`, ...hundred).one()).toEqual({ s: 4950 });
    const many = Array.from({ length: 101 }, (_, i) => i);
    expect(() => sql.exec(`SELECT ${many.map(() => "?").join("+")}`, ...many)).toThrow(/too many SQL variables/);
    expect(() => sql.exec(`SELECT '${"x".repeat(100_001)}'`)).toThrow(/SQLITE_TOOBIG/);
    expect(() => sql.exec("INSERT INTO t VALUES (?)", "x".repeat(2 * 1024 * 1024 + 1))).toThrow(/SQLITE_TOOBIG/);
    expect(() => sql.exec("INSERT INTO t VALUES (?)", new Uint8Array(2 * 1024 * 1024 + 1))).toThrow(/SQLITE_TOOBIG/);
    expect(sql.exec("SELECT count(*) AS n FROM t").one()).toEqual({ n: 0 });
  });

  it("appends the SQLite code to errors and rolls back a throwing transaction", () => {
    const { sql, transactionSync } = openSqlite();
    sql.exec("CREATE TABLE t (id INTEGER PRIMARY KEY) STRICT");
    sql.exec("INSERT INTO t VALUES (1)");
    expect(() => sql.exec("INSERT INTO t VALUES (1)")).toThrow(/UNIQUE constraint failed: t.id: SQLITE_CONSTRAINT$/);
    expect(() =>
      transactionSync(() => {
        sql.exec("INSERT INTO t VALUES (2)");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(sql.exec("SELECT count(*) AS n FROM t").one()).toEqual({ n: 1 });
  });

  it("returns blobs as ArrayBuffer, counts rowsWritten and supports one/raw", () => {
    const { sql } = openSqlite();
    sql.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    const ins = sql.exec("INSERT INTO t VALUES (1, ?), (2, ?)", new Uint8Array([1, 2]), new Uint8Array([3]).buffer);
    expect(ins.rowsWritten).toBe(2);
    const ret = sql.exec("UPDATE t SET b = NULL WHERE id = 2 RETURNING id");
    expect(ret.toArray()).toEqual([{ id: 2 }]);
    expect(ret.rowsWritten).toBe(1);
    const row = sql.exec<{ b: ArrayBuffer }>("SELECT b FROM t WHERE id = 1").one();
    expect(row.b).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(row.b)]).toEqual([1, 2]);
    const read = sql.exec("SELECT id FROM t ORDER BY id");
    expect(read.rowsWritten).toBe(0);
    expect([...read.raw()]).toEqual([[1], [2]]);
    expect(() => sql.exec("SELECT id FROM t").one()).toThrow(/multiple/);
    expect(() => sql.exec("SELECT id FROM t WHERE id = 9").one()).toThrow(/no results/);
  });

  it("hands each blob back as its own ArrayBuffer of exactly its bytes, small and large", () => {
    const { sql } = openSqlite();
    sql.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    const sizes = [0, 1, 7, 100, 4095, 4096, 8192, 100_000];
    const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
    for (const [i, n] of sizes.entries()) sql.exec("INSERT INTO t VALUES (?, ?)", i, bytesOf(n, i));
    const read = () => sql.exec<{ id: number; b: ArrayBuffer }>("SELECT id, b FROM t ORDER BY id").toArray();
    const first = read();
    first.forEach(({ id, b }) => {
      expect(b.byteLength).toBe(sizes[id]);
      expect(new Uint8Array(b)).toEqual(bytesOf(sizes[id] as number, id));
    });
    // No two rows share memory: writing into one returned buffer changes nothing else, stored or read.
    for (const { b } of first) new Uint8Array(b).fill(0xee);
    read().forEach(({ id, b }) => {
      expect(new Uint8Array(b)).toEqual(bytesOf(sizes[id] as number, id));
    });
  });
});
