/**
 * Proves the one write path: each write call (insert, upsert, delete, update) calls every
 * observer exactly once, inside the transaction, with the stored rows it changed
 * ({ inserted, updated: [before, after], deleted }); a write that changes nothing calls none;
 * an observer that throws rolls the whole write back (rows and other observers' side effects)
 * and the next write works. Does not prove DOBase's fan-out (apps/platform tests do).
 */
import type { RowChange } from "@durable/core";
import { describe, expect, it } from "vitest";
import { FLIGHTS, open } from "./helpers.ts";

function setup() {
  const h = open();
  h.tables.createTable(FLIGHTS);
  const calls: [string, RowChange][] = [];
  h.tables.observe((table, change) => {
    calls.push([table, change]);
  });
  return { ...h, calls };
}

describe("observers", () => {
  it("are called once per write with the stored rows", () => {
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

  it("see the write inside its transaction", () => {
    const { tables, sql } = setup();
    const seen: number[] = [];
    tables.observe(() => {
      seen.push(sql.exec<{ n: number }>("SELECT count(*) AS n FROM t_flights").one().n);
    });
    tables.insert("flights", [{ id: 1, date: 0 }]);
    expect(seen).toEqual([1]);
  });

  it("roll the whole write back when one throws, and the next write works", () => {
    const { tables, sql, calls } = setup();
    sql.exec("CREATE TABLE tbl_test_log (n INTEGER) STRICT");
    // A first observer writes its own state; the second throws: both must roll back.
    tables.observe(() => {
      sql.exec("INSERT INTO tbl_test_log VALUES (1)");
    });
    let fail = true;
    tables.observe(() => {
      if (fail) throw new Error("observer failed");
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

  it("can be removed", () => {
    const { tables } = setup();
    let n = 0;
    const stop = tables.observe(() => {
      n++;
    });
    tables.insert("flights", [{ id: 1, date: 0 }]);
    stop();
    tables.insert("flights", [{ id: 2, date: 0 }]);
    expect(n).toBe(1);
  });
});
