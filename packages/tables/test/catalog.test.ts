/**
 * Proves the catalog: every bad definition gives 400 INVALID_SCHEMA with its path and creates
 * nothing; TABLE_EXISTS, TABLE_LIMIT, TABLE_NOT_FOUND; STRICT tables with the type mapping;
 * addColumn/addIndex/dropIndex; dropTable refused with TABLE_IN_USE while a registered user
 * depends on the table, unless force; users hear of schema changes inside the DDL transaction.
 * Does not prove the HTTP mapping (apps/platform tests do).
 */
import { describe, expect, it } from "vitest";
import type { TableDef, TableSubscriber } from "../src/index.ts";
import { FLIGHTS, failure, open, userObjects } from "./helpers.ts";

const col = (name: string, type = "integer") => ({ name, type });

describe("createTable", () => {
  it("creates a STRICT t_<name> table, its indexes and a catalog row in one go", () => {
    const { tables, sql } = open();
    const info = tables.createTable(FLIGHTS);
    expect(info).toMatchObject({ name: "flights", primaryKey: ["id"], version: 1 });
    expect(info.columns.find((c) => c.name === "id")?.nullable).toBe(false);
    expect(userObjects(sql)).toEqual(["t_flights", "t_flights$by_origin"]);
    const ddl = sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 't_flights'").one().sql;
    expect(ddl).toMatch(/STRICT$/);
    expect(ddl).toMatch(/"date" INTEGER NOT NULL/);
    expect(sql.exec("SELECT name, version FROM tbl_catalog").toArray()).toEqual([{ name: "flights", version: 1 }]);
    expect(tables.listTables().map((t) => t.name)).toEqual(["flights"]);
    expect(tables.describeTable("flights")).toEqual(info);
  });

  it("maps every type to a STRICT SQLite type, with checks for boolean and json", () => {
    const { tables, sql } = open();
    tables.createTable({
      name: "all_types",
      columns: ["integer", "real", "text", "blob", "boolean", "timestamp", "json"].map((t) => col(`c_${t}`, t)),
      primaryKey: "c_integer",
    });
    const types = sql
      .exec<{ name: string; type: string }>("SELECT name, type FROM pragma_table_info('t_all_types')")
      .toArray();
    expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toEqual({
      c_integer: "INTEGER",
      c_real: "REAL",
      c_text: "TEXT",
      c_blob: "BLOB",
      c_boolean: "INTEGER",
      c_timestamp: "INTEGER",
      c_json: "TEXT",
    });
    expect(() => sql.exec("INSERT INTO t_all_types (c_integer, c_boolean) VALUES (1, 2)")).toThrow(/CHECK/);
    expect(() => sql.exec("INSERT INTO t_all_types (c_integer, c_json) VALUES (1, '{x')")).toThrow(/CHECK/);
    expect(() => sql.exec("INSERT INTO t_all_types (c_integer, c_real) VALUES (1, 'abc')")).toThrow(
      /STRICT|cannot store/,
    );
  });

  const bad: [string, unknown, RegExp][] = [
    ["bad table name", { ...FLIGHTS, name: "Flights" }, /^name: table name must match/],
    ["reserved t_", { ...FLIGHTS, name: "t_x" }, /^name: .*reserved prefix t_/],
    ["reserved sqlite_", { ...FLIGHTS, name: "sqlite_x" }, /reserved prefix sqlite_/],
    ["reserved platform prefix", { ...FLIGHTS, name: "cdc_log" }, /reserved prefix cdc_/],
    ["too long", { ...FLIGHTS, name: `a${"b".repeat(48)}` }, /^name: table name must match/],
    ["DOBase's platform_ prefix", { ...FLIGHTS, name: "platform_identity" }, /^name: .*reserved prefix platform_/],
    ["bad column name", { ...FLIGHTS, columns: [col("id"), col("Bad")] }, /^columns\[1\]\.name: column name/],
    ["reserved column", { ...FLIGHTS, columns: [col("id"), col("rowid")] }, /^columns\[1\]\.name: rowid is reserved/],
    ["unknown type", { ...FLIGHTS, columns: [col("id"), col("x", "decimal")] }, /^columns\[1\]\.type:/],
    [
      "duplicate column",
      { ...FLIGHTS, columns: [col("id"), col("id")], indexes: [] },
      /^columns\[1\]\.name: duplicate column id/,
    ],
    ["missing key column", { ...FLIGHTS, primaryKey: "nope" }, /^primaryKey: primary key column nope is not a column/],
    ["json key", { name: "j", columns: [col("j", "json")], primaryKey: ["j"] }, /^primaryKey\[0\]: a json column/],
    [
      "101 columns",
      { name: "wide", columns: Array.from({ length: 101 }, (_, i) => col(`c${i}`)), primaryKey: "c0" },
      /^columns: Too big/,
    ],
    [
      "bad default",
      { name: "d", columns: [col("id"), { name: "n", type: "integer", default: "x" }], primaryKey: "id" },
      /^columns\[1\]\.default:/,
    ],
    [
      "index on missing column",
      { ...FLIGHTS, indexes: [{ name: "i", columns: ["zzz"] }] },
      /^indexes\[0\]\.columns\[0\]: unknown column zzz/,
    ],
    [
      "9 indexes",
      { ...FLIGHTS, indexes: Array.from({ length: 9 }, (_, i) => ({ name: `i${i}`, columns: ["delay"] })) },
      /^indexes: Too big/,
    ],
    ["extra field", { ...FLIGHTS, owner: "me" }, /Unrecognized key/],
  ];
  for (const [label, spec, message] of bad) {
    it(`rejects ${label} with 400 INVALID_SCHEMA and creates nothing`, () => {
      const { tables, sql } = open();
      const f = failure(() => tables.createTable(spec));
      expect(f.slice(0, "INVALID_SCHEMA 400 ".length)).toBe("INVALID_SCHEMA 400 ");
      expect(f.slice("INVALID_SCHEMA 400 ".length)).toMatch(message);
      expect(userObjects(sql)).toEqual([]);
      expect(tables.listTables()).toEqual([]);
    });
  }

  it("accepts 100 columns, then refuses a 101st with addColumn", () => {
    const { tables } = open();
    tables.createTable({
      name: "wide",
      columns: Array.from({ length: 100 }, (_, i) => col(`c${i}`)),
      primaryKey: "c0",
    });
    expect(failure(() => tables.addColumn("wide", col("c100")))).toMatch(/^INVALID_SCHEMA 400 .*at most 100 columns/);
  });

  it("gives TABLE_EXISTS, TABLE_LIMIT at the 65th table and TABLE_NOT_FOUND", () => {
    const { tables, sql } = open();
    tables.createTable(FLIGHTS);
    expect(failure(() => tables.createTable(FLIGHTS))).toMatch(/^TABLE_EXISTS 409/);
    for (let i = 1; i < 64; i++) tables.createTable({ name: `t${i}x`, columns: [col("id")], primaryKey: "id" });
    expect(tables.listTables()).toHaveLength(64);
    expect(failure(() => tables.createTable({ name: "one_more", columns: [col("id")], primaryKey: "id" }))).toMatch(
      /^TABLE_LIMIT 409/,
    );
    expect(userObjects(sql)).not.toContain("t_one_more");
    for (const fn of [
      () => tables.describeTable("nope"),
      () => tables.dropTable("nope"),
      () => tables.addColumn("nope", col("x")),
      () => tables.insert("nope", [{ id: 1 }]),
      () => tables.scan("nope"),
    ]) {
      expect(failure(fn)).toBe("TABLE_NOT_FOUND 404 table nope does not exist");
    }
  });

  it("keeps defaults, fills them on insert and reports them in client form", () => {
    const { tables } = open();
    const info = tables.createTable({
      name: "d",
      columns: [
        col("id"),
        { name: "flag", type: "boolean", nullable: false, default: true },
        { name: "at", type: "timestamp", default: "2024-03-10T09:00:00Z" },
        { name: "doc", type: "json", default: { a: [1] } },
        { name: "raw", type: "blob", default: "AAEC" },
        { name: "s", type: "text", default: "it's" },
      ],
      primaryKey: "id",
    });
    expect(info.columns.slice(1).map((c) => c.default)).toEqual([
      true,
      Date.UTC(2024, 2, 10, 9),
      { a: [1] },
      "AAEC",
      "it's",
    ]);
    tables.insert("d", [{ id: 1 }]);
    const row = tables.get("d", 1);
    expect(row).toMatchObject({ id: 1, flag: true, at: Date.UTC(2024, 2, 10, 9), doc: { a: [1] }, s: "it's" });
    expect([...(row.raw as Uint8Array)]).toEqual([0, 1, 2]);
  });
});

describe("evolving a table", () => {
  it("adds a column (nullable, or non-null with a default) and bumps the version", () => {
    const { tables } = open();
    tables.createTable(FLIGHTS);
    tables.insert("flights", [{ id: 1, date: 0 }]);
    expect(tables.addColumn("flights", { name: "carrier", type: "text" }).version).toBe(2);
    const v3 = tables.addColumn("flights", { name: "late", type: "boolean", nullable: false, default: false });
    expect(v3.version).toBe(3);
    expect(tables.get("flights", 1)).toMatchObject({ carrier: null, late: false });
    expect(failure(() => tables.addColumn("flights", { name: "x", type: "integer", nullable: false }))).toMatch(
      /^INVALID_SCHEMA 400 default: a non-nullable column added to a table needs a default/,
    );
    expect(failure(() => tables.addColumn("flights", { name: "delay", type: "integer" }))).toMatch(
      /^INVALID_SCHEMA 400 name: column delay already exists/,
    );
    tables.insert("flights", [{ id: 2, date: 0, carrier: "AA", late: true }]);
    expect(tables.get("flights", 2)).toMatchObject({ carrier: "AA", late: true });
  });

  it("adds and drops indexes, refuses unknown ones and a unique index over duplicates", () => {
    const { tables, sql } = open();
    tables.createTable(FLIGHTS);
    tables.insert("flights", [
      { id: 1, date: 0, delay: 5 },
      { id: 2, date: 0, delay: 5 },
    ]);
    const info = tables.addIndex("flights", { columns: ["delay", "distance"] });
    expect(info.indexes.map((i) => i.name)).toEqual(["by_origin", "idx_delay_distance"]);
    expect(userObjects(sql)).toContain("t_flights$idx_delay_distance");
    expect(failure(() => tables.addIndex("flights", { name: "u", columns: ["delay"], unique: true }))).toMatch(
      /^DUPLICATE_KEY 409/,
    );
    expect(userObjects(sql)).not.toContain("t_flights$u");
    expect(tables.describeTable("flights").indexes).toHaveLength(2);
    expect(tables.dropIndex("flights", "by_origin").indexes.map((i) => i.name)).toEqual(["idx_delay_distance"]);
    expect(userObjects(sql)).not.toContain("t_flights$by_origin");
    expect(failure(() => tables.dropIndex("flights", "by_origin"))).toMatch(/^INDEX_NOT_FOUND 404/);
  });
});

describe("dropTable and table subscribers", () => {
  it("refuses with TABLE_IN_USE while a user depends on the table, drops with force and tells the user", () => {
    const { tables, sql } = open();
    tables.createTable(FLIGHTS);
    const dropped: string[] = [];
    const changed: TableDef[] = [];
    const rollups: TableSubscriber = {
      name: "pre-agg",
      usesOf: (t) => (t === "flights" ? ["rollup daily_delays"] : []),
      onTableDropped: (t) => void dropped.push(t),
      onSchemaChanged: (def) => void changed.push(def),
    };
    tables.subscribe(rollups);
    expect(failure(() => tables.dropTable("flights"))).toBe(
      "TABLE_IN_USE 409 table flights is used by pre-agg: rollup daily_delays; pass force to drop it anyway",
    );
    expect(userObjects(sql)).toContain("t_flights");
    tables.addColumn("flights", { name: "carrier", type: "text" });
    expect(changed.map((d) => d.version)).toEqual([2]);
    tables.dropTable("flights", true);
    expect(dropped).toEqual(["flights"]);
    expect(userObjects(sql)).toEqual([]);
    expect(tables.listTables()).toEqual([]);
  });

  it("rolls the DDL back when a user throws during a schema change or a forced drop", () => {
    const { tables, sql } = open();
    tables.createTable(FLIGHTS);
    tables.subscribe({
      name: "cdc",
      usesOf: () => ["consumer audit"],
      onSchemaChanged: () => {
        throw new Error("trigger rebuild failed");
      },
      onTableDropped: () => {
        throw new Error("cannot let go");
      },
    });
    expect(() => tables.addColumn("flights", { name: "carrier", type: "text" })).toThrow("trigger rebuild failed");
    expect(tables.describeTable("flights").columns.map((c) => c.name)).not.toContain("carrier");
    expect(sql.exec("SELECT count(*) AS n FROM pragma_table_info('t_flights') WHERE name = 'carrier'").one()).toEqual({
      n: 0,
    });
    expect(() => tables.dropTable("flights", true)).toThrow("cannot let go");
    expect(userObjects(sql)).toContain("t_flights");
    expect(tables.describeTable("flights").version).toBe(1);
  });

  it("drops a table no one uses and lets the name be reused", () => {
    const { tables } = open();
    tables.createTable(FLIGHTS);
    tables.insert("flights", [{ id: 1, date: 0 }]);
    tables.dropTable("flights");
    tables.createTable(FLIGHTS);
    expect(tables.count("flights")).toBe(0);
  });
});
