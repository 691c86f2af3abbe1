/**
 * Every operator, join rule and stage against `tables.count` on a small fixture (2,000 orders):
 * estimates must land near the truth where statistics apply, and each stage must be the one the
 * pipeline promises.
 */
import { describe, expect, it } from "vitest";
import { fixture, ordersFixture } from "./helpers.ts";

const f = fixture();
ordersFixture(f);
f.estimator.analyze("orders");

function qerror(est: number, actual: number): number {
  const e = Math.max(est, 1);
  const a = Math.max(actual, 1);
  return Math.max(e / a, a / e);
}

const cases: [string, unknown, number][] = [
  ["= on an MCV", { col: "status", op: "=", value: "new" }, 1.3],
  ["= absent", { col: "status", op: "=", value: "zzz" }, 2],
  ["!=", { col: "status", op: "!=", value: "new" }, 1.3],
  ["in", { col: "status", op: "in", values: ["paid", "done", "paid"] }, 1.3],
  ["<", { col: "amount", op: "<", value: 250 }, 1.5],
  ["<=", { col: "amount", op: "<=", value: 500 }, 1.3],
  [">", { col: "amount", op: ">", value: 900 }, 1.5],
  [">=", { col: "discount", op: ">=", value: 25 }, 1.3],
  ["between", { col: "amount", op: "between", low: 100, high: 300 }, 1.5],
  ["between low > high", { col: "amount", op: "between", low: 300, high: 100 }, 1],
  ["timestamp range", { col: "at", op: ">=", value: "2026-02-01T00:00:00Z" }, 1.3],
  ["boolean", { col: "paid", op: "=", value: true }, 1.3],
  ["prefix like", { col: "city", op: "like", pattern: "eu%" }, 1.5],
  ["other like", { col: "city", op: "like", pattern: "%-1" }, 2],
  ["isNull", { col: "discount", op: "isNull" }, 1.5],
  ["isNotNull", { col: "discount", op: "isNotNull" }, 1.2],
  ["not", { not: { col: "status", op: "=", value: "new" } }, 1.3],
  [
    "or",
    {
      or: [
        { col: "status", op: "=", value: "lost" },
        { col: "amount", op: "<", value: 50 },
      ],
    },
    1.6,
  ],
  [
    "and, correlated",
    {
      and: [
        { col: "region", op: "=", value: "eu" },
        { col: "city", op: "=", value: "eu-1" },
      ],
    },
    2,
  ],
  [
    "and, same column range",
    {
      and: [
        { col: "amount", op: ">", value: 200 },
        { col: "amount", op: "<", value: 400 },
      ],
    },
    1.5,
  ],
];

describe("selectivity of every operator against tables.count", () => {
  for (const [name, where, bound] of cases) {
    it(name, () => {
      const e = f.estimator.estimate({ table: "orders", where });
      const actual = f.tables.count("orders", where as never);
      expect(qerror(e.rows, actual), `${e.rows} vs ${actual}`).toBeLessThanOrEqual(bound);
      expect(e.low).toBeLessThanOrEqual(e.rows);
      expect(e.high).toBeGreaterThanOrEqual(e.rows);
      expect(Number.isFinite(e.cost)).toBe(true);
    });
  }
});
