/**
 * The write hook through `Tables`: row counts exact after insert, upsert, update and delete;
 * a write that a later subscriber rolls back changes nothing (row count included); sketches
 * move only in the after-commit step; statistics are written behind by `flush` and survive a
 * restart; a forced drop and a recreated table leave no old statistics.
 */
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { fixture } from "./helpers.ts";

function table(f: ReturnType<typeof fixture>) {
  f.tables.createTable({
    name: "items",
    columns: [
      { name: "id", type: "integer" },
      { name: "tag", type: "text" },
      { name: "price", type: "real" },
    ],
    primaryKey: "id",
  });
}

const rows = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ id: from + i, tag: `t${(from + i) % 7}`, price: from + i }));

describe("the write hook", () => {
  it("keeps the row count exact after insert, upsert, update and delete", () => {
    const f = fixture();
    table(f);
    f.tables.insert("items", rows(0, 100));
    expect(f.estimator.stats("items").rows).toBe(100);
    f.tables.upsert("items", rows(90, 120));
    expect(f.estimator.stats("items").rows).toBe(120);
    f.tables.update("items", 5, { tag: null });
    expect(f.estimator.stats("items").rows).toBe(120);
    expect(f.estimator.stats("items").columns[1]?.nullFrac).toBeCloseTo(1 / 120);
    f.tables.delete("items", [1, 2, 3]);
    expect(f.estimator.stats("items").rows).toBe(117);
    expect(f.estimator.estimate({ table: "items" }).rows).toBe(117);
    const stored = f.sql
      .exec<{ row_count: number }>("SELECT row_count FROM est_tables WHERE table_name = 'items'")
      .one();
    expect(stored.row_count).toBe(117);
  });

  it("a write that a later subscriber rolls back changes no statistic, row count included", () => {
    const f = fixture();
    table(f);
    f.tables.insert("items", rows(0, 50));
    const before = JSON.stringify(f.estimator.stats("items"));
    const unsubscribe = f.tables.subscribe({
      name: "breaker",
      onRowsChanged: () => {
        throw new Error("later hook fails");
      },
    });
    expect(() => f.tables.insert("items", rows(50, 80))).toThrow("later hook fails");
    unsubscribe();
    expect(JSON.stringify(f.estimator.stats("items"))).toBe(before);
    expect(f.sql.exec<{ row_count: number }>("SELECT row_count FROM est_tables").one().row_count).toBe(50);
  });

  it("moves sketches only in the after-commit step", () => {
    const f = fixture();
    table(f);
    f.tables.insert("items", rows(0, 10));
    const change = { inserted: rows(10, 20), updated: [], deleted: [] };
    const step = f.db.transactionSync(() => f.estimator.onRowsWritten("items", change));
    expect(f.estimator.stats("items").rows).toBe(10);
    step();
    expect(f.estimator.stats("items").rows).toBe(20);
  });

  it("writes sketches behind on flush (≤ 10 s) and loses at most those after a restart, never a row count", () => {
    const f = fixture();
    table(f);
    f.tables.insert("items", rows(0, 300));
    expect(f.wakes.pending().map((w) => w.key)).toContain("flush");
    f.clock.advance(10_000);
    f.fireWakes();
    f.tables.insert("items", rows(300, 310));
    const restarted = f.restart();
    const s = restarted.stats("items");
    expect(s.rows).toBe(310);
    expect(s.columns[1]?.ndv).toBe(7);
  });

  it("schedules an ANALYZE past 50 + 10% of the rows modified", () => {
    const f = fixture();
    table(f);
    f.tables.insert("items", rows(0, 40));
    expect(f.wakes.pending().some((w) => w.key === "analyze:items")).toBe(false);
    f.tables.insert("items", rows(40, 100));
    expect(f.wakes.pending().some((w) => w.key === "analyze:items")).toBe(true);
    f.fireWakes();
    expect(f.estimator.stats("items").analyzedAt).not.toBeNull();
    expect(f.estimator.stats("items").modificationsSinceAnalyze).toBe(0);
  });

  it("a table dropped with force and recreated has no old statistics", () => {
    const f = fixture();
    table(f);
    f.tables.insert("items", rows(0, 100));
    f.estimator.analyze("items");
    f.estimator.flush();
    f.tables.dropTable("items", true);
    expect(f.sql.exec<{ n: number }>("SELECT count(*) AS n FROM est_columns").one().n).toBe(0);
    expect(errorCodeOf(tryIt(() => f.estimator.estimate({ table: "items" })))).toBe("TABLE_NOT_FOUND");
    f.clock.advance(1000);
    table(f);
    f.tables.insert("items", rows(0, 3));
    const s = f.estimator.stats("items");
    expect(s.rows).toBe(3);
    expect(s.analyzedAt).toBeNull();
  });

  it("a new column gets empty statistics and an ANALYZE", () => {
    const f = fixture();
    table(f);
    f.tables.insert("items", rows(0, 10));
    f.tables.addColumn("items", { name: "note", type: "text" });
    expect(f.estimator.stats("items").columns.map((c) => c.name)).toContain("note");
    expect(f.wakes.pending().some((w) => w.key === "analyze:items")).toBe(true);
  });

  it("counts a table that had rows before the estimator saw it, and asks for an ANALYZE", () => {
    const f = fixture();
    table(f);
    f.sql.exec("INSERT INTO t_items (id, tag, price) VALUES (1, 'a', 1), (2, 'b', 2)");
    f.tables.insert("items", rows(10, 13));
    expect(f.estimator.stats("items").rows).toBe(5);
    expect(f.wakes.pending().some((w) => w.key === "analyze:items")).toBe(true);
  });
});

function tryIt(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
