/**
 * Proves the one write path and its table-events seam: each write call (insert, upsert, delete,
 * update) reaches every subscriber exactly once, inside the transaction, with the stored rows
 * it changed ({ inserted, updated: [before, after], deleted }); a write that changes nothing
 * reaches none (an upsert of equal values, or of a key-only table's existing keys, included);
 * a subscriber that throws rolls the whole write back; after-commit steps run only once the
 * outermost transaction committed; schema changes, drops and "table replaced" arrive through
 * the same subscription. Does not prove DOBase's composition (apps/platform tests do).
 */
import type { RowChange } from "@durable/core";
import { describe, expect, it } from "vitest";
import type { TableSubscriber } from "../src/index.ts";
import { FLIGHTS, open } from "./helpers.ts";

function setup() {
  const h = open();
  h.tables.createTable(FLIGHTS);
  const calls: [string, RowChange][] = [];
  h.tables.subscribe({
    name: "recorder",
    onRowsChanged: (table, change) => {
      calls.push([table, change]);
    },
  });
  return { ...h, calls };
}

describe("row changes", () => {
  it("reach each subscriber once per write with the stored rows", () => {
    const { tables, calls } = setup();
    tables.insert("flights", [
      { id: 1, date: "1970-01-01T00:00:01Z", origin: "SFO" },
      { id: 2, date: 5, origin: "LAX" },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.[0]).toBe("flights");
    expect(calls[0]?.[1]).toEqual({
      inserted: [
        { id: 1, date: 1000, delay: null, distance: null, origin: "SFO", destination: null },
        { id: 2, date: 5, delay: null, distance: null, origin: "LAX", destination: null },
      ],
      updated: [],
      deleted: [],
    });
    tables.upsert("flights", [
      { id: 2, date: 6, origin: "SEA" },
      { id: 3, date: 7 },
    ]);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.[1].inserted.map((r) => r.id)).toEqual([3]);
    expect(calls[1]?.[1].updated).toEqual([
      [
        { id: 2, date: 5, delay: null, distance: null, origin: "LAX", destination: null },
        { id: 2, date: 6, delay: null, distance: null, origin: "SEA", destination: null },
      ],
    ]);
    tables.update("flights", 1, { delay: 30 });
    expect(calls[2]?.[1].updated[0]?.map((r) => r.delay)).toEqual([null, 30]);
    tables.delete("flights", [1, 3, 404]);
    expect(calls[3]?.[1].deleted.map((r) => r.id).sort()).toEqual([1, 3]);
    expect(calls).toHaveLength(4);
    tables.delete("flights", [404]);
    expect(calls).toHaveLength(4);
  });

  it("are not reported for an upsert that changes nothing", () => {
    const { tables, calls } = setup();
    const row = { id: 1, date: 5, origin: "SFO", delay: 2 };
    tables.insert("flights", [row]);
    expect(tables.upsert("flights", [row])).toEqual({ inserted: 0, updated: 0 });
    expect(calls).toHaveLength(1);
    // One unchanged row and one changed: only the changed one is reported.
    expect(tables.upsert("flights", [row, { id: 2, date: 1 }]).inserted + tables.upsert("flights", [row]).updated).toBe(
      1,
    );
    expect(calls).toHaveLength(2);
    expect(calls[1]?.[1]).toMatchObject({ inserted: [{ id: 2 }], updated: [] });
  });

  it("report what SQLite did for an upsert on a table of key columns only", () => {
    const h = open();
    h.tables.createTable({
      name: "pairs",
      columns: [
        { name: "a", type: "text" },
        { name: "b", type: "integer" },
      ],
      primaryKey: ["a", "b"],
    });
    const calls: RowChange[] = [];
    h.tables.subscribe({ name: "recorder", onRowsChanged: (_t, c) => void calls.push(c) });
    h.tables.insert("pairs", [{ a: "x", b: 1 }]);
    expect(h.tables.upsert("pairs", [{ a: "x", b: 1 }])).toEqual({ inserted: 0, updated: 0 });
    expect(
      h.tables.upsert("pairs", [
        { a: "x", b: 1 },
        { a: "y", b: 2 },
      ]),
    ).toEqual({ inserted: 1, updated: 0 });
    expect(calls.map((c) => [c.inserted.length, c.updated.length])).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it("are seen inside the write's transaction", () => {
    const { tables, sql } = setup();
    const seen: number[] = [];
    tables.subscribe({
      name: "counter",
      onRowsChanged: () => {
        seen.push(sql.exec<{ n: number }>("SELECT count(*) AS n FROM t_flights").one().n);
      },
    });
    tables.insert("flights", [{ id: 1, date: 0 }]);
    expect(seen).toEqual([1]);
  });

  it("roll the whole write back when one subscriber throws, and the next write works", () => {
    const { tables, sql, calls } = setup();
    sql.exec("CREATE TABLE tbl_test_log (n INTEGER) STRICT");
    // A first subscriber writes its own state; the second throws: both must roll back.
    tables.subscribe({ name: "logger", onRowsChanged: () => void sql.exec("INSERT INTO tbl_test_log VALUES (1)") });
    let fail = true;
    tables.subscribe({
      name: "failer",
      onRowsChanged: () => {
        if (fail) throw new Error("observer failed");
      },
    });
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ id: i, date: i }));
    expect(() => tables.insert("flights", rows)).toThrow("observer failed");
    expect(tables.count("flights")).toBe(0);
    expect(sql.exec("SELECT count(*) AS n FROM tbl_test_log").one()).toEqual({ n: 0 });
    expect(() => tables.update("flights", 1, { delay: 1 })).toThrow(/ROW_NOT_FOUND/);
    fail = false;
    expect(tables.insert("flights", rows.slice(0, 10))).toEqual({ inserted: 10, updated: 0 });
    expect(tables.count("flights")).toBe(10);
    expect(sql.exec("SELECT count(*) AS n FROM tbl_test_log").one()).toEqual({ n: 1 });
    fail = true;
    expect(() => tables.delete("flights", [1, 2])).toThrow("observer failed");
    expect(() => tables.update("flights", 1, { delay: 5 })).toThrow("observer failed");
    expect(tables.get("flights", 1).delay).toBeNull();
    expect(tables.count("flights")).toBe(10);
    expect(calls.filter(([, c]) => c.inserted.length === 10)).toHaveLength(1);
  });

  it("can be unsubscribed, and a name is taken once", () => {
    const { tables } = setup();
    let n = 0;
    const stop = tables.subscribe({ name: "counter", onRowsChanged: () => void n++ });
    expect(() => tables.subscribe({ name: "counter" })).toThrow(/named counter exists/);
    tables.insert("flights", [{ id: 1, date: 0 }]);
    stop();
    tables.insert("flights", [{ id: 2, date: 0 }]);
    expect(n).toBe(1);
  });
});

describe("after-commit steps", () => {
  it("run once the write committed, in subscription order, and see the committed rows", () => {
    const { tables, sql } = setup();
    const order: string[] = [];
    for (const name of ["a", "b"]) {
      tables.subscribe({
        name,
        onRowsChanged: () => {
          order.push(`${name} in`);
          return () => order.push(`${name} after ${sql.exec("SELECT count(*) AS n FROM t_flights").one().n}`);
        },
      });
    }
    tables.insert("flights", [{ id: 1, date: 0 }]);
    expect(order).toEqual(["a in", "b in", "a after 1", "b after 1"]);
  });

  it("never run for a write that a later subscriber rolled back", () => {
    const { tables } = setup();
    const memory: number[] = [];
    tables.subscribe({
      name: "cache",
      onRowsChanged: (_t, change) => () => memory.push(change.inserted.length),
    });
    let fail = true;
    tables.subscribe({
      name: "veto",
      onRowsChanged: () => {
        if (fail) throw new Error("veto");
      },
    });
    expect(() => tables.insert("flights", [{ id: 1, date: 0 }])).toThrow("veto");
    expect(memory).toEqual([]);
    fail = false;
    tables.insert("flights", [{ id: 1, date: 0 }]);
    expect(memory).toEqual([1]);
  });

  it("wait for the outermost transaction; a nested change that throws drops its steps", () => {
    const { tables } = setup();
    const memory: string[] = [];
    tables.subscribe({ name: "cache", onRowsChanged: (t, c) => () => memory.push(`${t}:${c.inserted.length}`) });
    tables.events.transact(() => {
      tables.insert("flights", [{ id: 1, date: 0 }]);
      expect(memory).toEqual([]);
      expect(() => tables.insert("flights", [{ id: 1, date: 0 }])).toThrow(/DUPLICATE_KEY/);
      tables.insert("flights", [{ id: 2, date: 0 }]);
    });
    expect(memory).toEqual(["flights:1", "flights:1"]);
    expect(() =>
      tables.events.transact(() => {
        tables.insert("flights", [{ id: 3, date: 0 }]);
        throw new Error("outer rolls back");
      }),
    ).toThrow("outer rolls back");
    expect(memory).toHaveLength(2);
    expect(tables.count("flights")).toBe(2);
  });

  it("that fail are reported and do not undo the committed write", () => {
    const errors: string[] = [];
    const h = open({ onAfterCommitError: (name, err) => errors.push(`${name}: ${(err as Error).message}`) });
    h.tables.createTable(FLIGHTS);
    h.tables.subscribe({
      name: "flaky",
      onRowsChanged: () => () => {
        throw new Error("cache full");
      },
    });
    expect(h.tables.insert("flights", [{ id: 1, date: 0 }])).toEqual({ inserted: 1, updated: 0 });
    expect(h.tables.count("flights")).toBe(1);
    expect(errors).toEqual(["flaky: cache full"]);
  });
});

describe("transaction wrappers", () => {
  it("wrap every write and DDL transaction, outermost last added, and see errors", () => {
    const h = open();
    const log: string[] = [];
    for (const name of ["inner", "outer"]) {
      h.tables.events.wrapTransactions((tx) => (fn) => {
        log.push(`${name} begin`);
        try {
          return tx(fn);
        } catch (err) {
          log.push(`${name} saw ${(err as Error).message.slice(0, 15)}`);
          throw err;
        } finally {
          log.push(`${name} end`);
        }
      });
    }
    h.tables.createTable(FLIGHTS);
    h.tables.insert("flights", [{ id: 1, date: 0 }]);
    expect(() => h.tables.insert("flights", [{ id: 1, date: 0 }])).toThrow(/DUPLICATE_KEY/);
    expect(log).toEqual([
      "outer begin",
      "inner begin",
      "inner end",
      "outer end",
      "outer begin",
      "inner begin",
      "inner end",
      "outer end",
      "outer begin",
      "inner begin",
      "inner saw [DUPLICATE_KEY]",
      "inner end",
      "outer saw [DUPLICATE_KEY]",
      "outer end",
    ]);
  });
});

describe("schema changes, drops and replacements", () => {
  it("arrive through the same subscription, with after-commit steps", () => {
    const { tables } = setup();
    const seen: string[] = [];
    const subscriber: TableSubscriber = {
      name: "all",
      onSchemaChanged: (def) => () => seen.push(`schema ${def.name} v${def.version}`),
      onTableDropped: (t) => () => seen.push(`dropped ${t}`),
      onTableReplaced: (t) => () => seen.push(`replaced ${t}`),
    };
    tables.subscribe(subscriber);
    tables.addColumn("flights", { name: "carrier", type: "text" });
    tables.addIndex("flights", { name: "by_carrier", columns: ["carrier"] });
    tables.dropIndex("flights", "by_carrier");
    tables.replaced("flights");
    tables.dropTable("flights");
    expect(seen).toEqual([
      "schema flights v2",
      "schema flights v3",
      "schema flights v4",
      "replaced flights",
      "dropped flights",
    ]);
    expect(() => tables.replaced("flights")).toThrow(/TABLE_NOT_FOUND/);
  });

  it("after-commit steps of a schema change read the new definition", () => {
    const { tables } = setup();
    const versions: number[] = [];
    tables.subscribe({
      name: "reader",
      onSchemaChanged: () => () => versions.push(tables.describeTable("flights").version),
    });
    tables.addColumn("flights", { name: "carrier", type: "text" });
    expect(versions).toEqual([2]);
  });
});
