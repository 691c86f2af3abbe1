/**
 * Every bad input and fault of issue 9 that Node can show: the code, the status and, where the
 * issue asks, the path; and that nothing was applied.
 */
import { errorCodeOf, type PlatformError } from "@durable/core";
import { describe, expect, it } from "vitest";
import { CostEstimator, HyperLogLog } from "../src/index.ts";
import { fixture, ordersFixture } from "./helpers.ts";

function failure(fn: () => unknown): PlatformError {
  try {
    fn();
  } catch (err) {
    return err as PlatformError;
  }
  throw new Error("expected a failure");
}

const f = fixture();
ordersFixture(f, 300);
f.tables.createTable({
  name: "empty",
  columns: [
    { name: "id", type: "integer" },
    { name: "status", type: "text" },
  ],
  primaryKey: "id",
});
const est = (r: unknown) => f.estimator.estimate(r);

describe("bad input", () => {
  it("an unknown table, in `table` or in a join, is 404 TABLE_NOT_FOUND", () => {
    for (const r of [{ table: "nope" }, { table: "orders", joins: [{ table: "nope", on: ["id", "id"] }] }]) {
      const e = failure(() => est(r));
      expect([e.code, e.status]).toEqual(["TABLE_NOT_FOUND", 404]);
    }
  });

  it("a GROUP BY or join column the table lacks is 400 UNKNOWN_COLUMN with the path", () => {
    const a = failure(() => est({ table: "orders", joins: [{ table: "orders", on: ["id", "nope"] }] }));
    expect([a.code, a.status]).toEqual(["UNKNOWN_COLUMN", 400]);
    expect(a.message).toContain("joins[0].on[1]");
    const b = failure(() => est({ table: "orders", joins: [{ table: "orders", on: ["nope", "id"] }] }));
    expect(b.message).toContain("joins[0].on[0]");
    const c = failure(() => est({ table: "orders", groupBy: ["status", "nope"] }));
    expect([c.code, c.message.includes("groupBy[1]")]).toEqual(["UNKNOWN_COLUMN", true]);
  });

  const deep = (d: number): unknown => (d === 0 ? { col: "id", op: "=", value: 1 } : { not: deep(d - 1) });
  const badWheres: [string, unknown, string][] = [
    ["bad shape with the path", { and: [{ col: "id", op: "~", value: 1 }] }, "where.and[0]"],
    ["depth over 16", deep(17), "deeper"],
    ["over 64 leaves", { or: Array.from({ length: 65 }, (_, i) => ({ col: "id", op: "=", value: i })) }, "65 leaves"],
    ["in over 1,000 values", { col: "id", op: "in", values: Array.from({ length: 1001 }, (_, i) => i) }, "values"],
    ["a non-finite literal", { col: "id", op: "=", value: Number.POSITIVE_INFINITY }, ""],
    ["an object literal", { col: "id", op: "=", value: { x: 1 } }, "value"],
    ["null with an operator", { col: "status", op: "=", value: null }, "isNull"],
    ["like on non-text", { col: "id", op: "like", pattern: "1%" }, "like"],
    ["a wrongly typed literal", { col: "id", op: "=", value: "abc" }, "id"],
    ["an unknown column", { col: "nope", op: "=", value: 1 }, "nope"],
  ];
  for (const [name, where, text] of badWheres) {
    it(`a where with ${name} is 400 INVALID_PREDICATE`, () => {
      const e = failure(() => est({ table: "orders", where }));
      expect([e.code, e.status]).toEqual(["INVALID_PREDICATE", 400]);
      expect(e.message).toContain(text);
    });
  }

  it("GROUP BY over 8 columns or more than 4 joins is 400 INVALID_PREDICATE with the zod path", () => {
    const g = failure(() => est({ table: "orders", groupBy: Array.from({ length: 9 }, () => "status") }));
    expect([g.code, g.message.includes("groupBy")]).toEqual(["INVALID_PREDICATE", true]);
    const j = failure(() =>
      est({ table: "orders", joins: Array.from({ length: 5 }, () => ({ table: "orders", on: ["id", "id"] })) }),
    );
    expect([j.code, j.message.includes("joins")]).toEqual(["INVALID_PREDICATE", true]);
  });

  it("an unhashable value given to observe() is UNHASHABLE_VALUE and the batch is not applied", () => {
    const before = f.estimator.stats("orders").rows;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, { a: 1 }, [1]]) {
      const e = failure(() =>
        f.estimator.observe("orders", [
          { id: 1, status: "new" },
          { id: 2, status: bad },
        ]),
      );
      expect([e.code, e.message.includes("rows[1].status")]).toEqual(["UNHASHABLE_VALUE", true]);
    }
    expect(f.estimator.stats("orders").rows).toBe(before);
    f.estimator.observe("orders", [{ id: 1, status: "new", paid: true }]);
    expect(f.estimator.stats("orders").rows).toBe(before + 1);
    f.estimator.forget("orders", [{ id: 1, status: "new", paid: true }]);
    expect(f.estimator.stats("orders").rows).toBe(before);
  });

  it("feedback with a negative, fractional or non-finite actual is 400 INVALID_FEEDBACK; 0 is clamped to 1 and stored", () => {
    const fp = est({ table: "orders" }).fingerprint;
    for (const actual of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = failure(() => f.estimator.recordActual(fp, 10, actual));
      expect([e.code, e.status]).toEqual(["INVALID_FEEDBACK", 400]);
    }
    expect(failure(() => f.estimator.recordActual("xyz", 10, 1)).code).toBe("INVALID_FEEDBACK");
    const e = est({ table: "empty" });
    f.estimator.recordActual(e.fingerprint, 1000, 0);
    f.estimator.flush();
    const row = f.sql
      .exec<{ ewma: number }>("SELECT ewma FROM est_feedback WHERE fingerprint = ?", e.fingerprint)
      .one();
    expect(row.ewma).toBeCloseTo(Math.log(1 / 1000));
  });

  it("a calibration constant ≤ 0 or non-finite is 400 INVALID_CALIBRATION and the old constants are kept", () => {
    const before = f.estimator.constants();
    for (const c of [{ sqliteScanRowUs: 0 }, { r2ByteUs: -1 }, { crossDoHopUs: Number.NaN }, { unknown: 1 }]) {
      const e = failure(() => f.estimator.setConstants(c));
      expect([e.code, e.status]).toEqual(["INVALID_CALIBRATION", 400]);
    }
    expect(f.estimator.constants()).toEqual(before);
  });

  it("HLL precision outside 10–16 or KLL k < 8 is 400 INVALID_SKETCH_PARAMS", () => {
    for (const config of [{ hllPrecision: 9 }, { hllPrecision: 17 }, { kllK: 7 }]) {
      const e = failure(
        () =>
          new CostEstimator({ ...f, transactionSync: f.db.transactionSync, wake: { set() {}, cancel() {} }, config }),
      );
      expect([e.code, e.status]).toEqual(["INVALID_SKETCH_PARAMS", 400]);
    }
    expect(errorCodeOf(failure(() => new HyperLogLog(20)))).toBe("INVALID_SKETCH_PARAMS");
  });
});

describe("faults", () => {
  it("corrupt sketch bytes: the column's statistics are dropped, an ANALYZE is scheduled, the estimate falls through", () => {
    const g = fixture();
    ordersFixture(g, 500);
    g.estimator.analyze("orders");
    g.estimator.flush();
    g.sql.exec("UPDATE est_columns SET data = X'01060000FFFF' WHERE column_name = 'status'");
    const restarted = g.restart();
    const e = restarted.estimate({ table: "orders", where: { col: "status", op: "=", value: "new" } });
    expect(Number.isFinite(e.rows)).toBe(true);
    expect(e.explain.predicates[0]?.stage).not.toBe("sketch");
    expect(g.wakes.pending().some((w) => w.key === "analyze:orders")).toBe(true);
    g.fireWakes();
    expect(
      restarted.estimate({ table: "orders", where: { col: "status", op: "=", value: "new" } }).explain.predicates[0]
        ?.stage,
    ).toBe("sketch");
  });

  it("an empty table gives 0 rows and a join with it 0; BETWEEN with low > high gives 0, not an error", () => {
    expect(est({ table: "empty" }).rows).toBe(0);
    expect(est({ table: "empty", where: { col: "status", op: "=", value: "x" } }).rows).toBe(0);
    expect(est({ table: "orders", joins: [{ table: "empty", on: ["id", "id"] }] }).rows).toBe(0);
    expect(est({ table: "empty", joins: [{ table: "orders", on: ["id", "id"] }] }).rows).toBe(0);
    expect(est({ table: "orders", where: { col: "amount", op: "between", low: 500, high: 100 } }).rows).toBe(0);
  });
});
