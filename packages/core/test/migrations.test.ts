/** Proves migrations apply once, in order, in a transaction, with checksum and prefix guards. */
import { describe, expect, it } from "vitest";
import { errorCodeOf, type MigrationSet, runMigrations } from "../src/index.ts";
import { openSqlite } from "../src/node/index.ts";

const set: MigrationSet = {
  owner: "demo",
  prefix: "demo_",
  migrations: [
    { version: 1, name: "items", sql: "CREATE TABLE demo_items (id INTEGER PRIMARY KEY, v TEXT) STRICT" },
    { version: 2, name: "index", sql: "CREATE INDEX demo_items_v ON demo_items (v)" },
  ],
};

describe("runMigrations", () => {
  it("applies each migration once and is idempotent", () => {
    const { sql, transactionSync } = openSqlite();
    expect(runMigrations(sql, transactionSync, set)).toEqual({ owner: "demo", applied: [1, 2], current: 2 });
    expect(runMigrations(sql, transactionSync, set)).toEqual({ owner: "demo", applied: [], current: 2 });
    const next = {
      ...set,
      migrations: [...set.migrations, { version: 3, name: "col", sql: "ALTER TABLE demo_items ADD COLUMN w INTEGER" }],
    };
    expect(runMigrations(sql, transactionSync, next).applied).toEqual([3]);
    expect(sql.exec("SELECT count(*) AS n FROM core_migrations WHERE owner = 'demo'").one()).toEqual({ n: 3 });
  });

  it("refuses to start when a shipped migration was edited", () => {
    const { sql, transactionSync } = openSqlite();
    runMigrations(sql, transactionSync, set);
    const edited = {
      ...set,
      migrations: [{ ...set.migrations[0], sql: "CREATE TABLE demo_items (id INTEGER) STRICT" }, set.migrations[1]],
    } as MigrationSet;
    let code: string | undefined;
    try {
      runMigrations(sql, transactionSync, edited);
    } catch (err) {
      code = errorCodeOf(err);
    }
    expect(code).toBe("MIGRATION_CHECKSUM_MISMATCH");
  });

  it("rolls back a failing migration and records nothing for it", () => {
    const { sql, transactionSync } = openSqlite();
    const bad: MigrationSet = {
      owner: "demo",
      prefix: "demo_",
      migrations: [{ version: 1, name: "bad", sql: "CREATE TABLE demo_a (x); CREATE TABLE demo_a (y)" }],
    };
    expect(() => runMigrations(sql, transactionSync, bad)).toThrow(/already exists/);
    expect(sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = 'demo_a'").one()).toEqual({ n: 0 });
    expect(sql.exec("SELECT count(*) AS n FROM core_migrations").one()).toEqual({ n: 0 });
  });

  it("rejects objects without the owner's prefix and gaps in versions", () => {
    const { sql, transactionSync } = openSqlite();
    const unprefixed: MigrationSet = {
      owner: "demo",
      prefix: "demo_",
      migrations: [{ version: 1, name: "x", sql: "CREATE TABLE IF NOT EXISTS other (x)" }],
    };
    expect(() => runMigrations(sql, transactionSync, unprefixed)).toThrow(/MIGRATION_INVALID.*other/);
    const gap: MigrationSet = { ...set, migrations: [{ ...(set.migrations[1] as (typeof set.migrations)[1]) }] };
    expect(() => runMigrations(sql, transactionSync, gap)).toThrow(/MIGRATION_INVALID/);
  });
});
