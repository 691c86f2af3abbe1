/**
 * Properties (fast-check): for random `Tables` write sequences — inserts, upserts (some no-op),
 * updates, deletes, and writes a later hook rolls back — and random queries the matcher accepts,
 * the rollup answer equals the raw answer; and any split of partitions into hot and warm tiers
 * gives the single-tier answer.
 */
import { MemoryBlobStore } from "@durable/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AnalyticsQuery, rawQuery } from "../src/index.ts";
import { fixture, flights, T0 } from "./helpers.ts";

const ORIGINS = ["ORD", "SFO", "JFK"];
const DAY = 86_400_000;
const row = fc.record({
  id: fc.integer({ min: 1, max: 60 }),
  ts: fc.integer({ min: 0, max: 40 * DAY - 1 }).map((d) => T0 + d),
  origin: fc.constantFrom(...ORIGINS),
  dest: fc.option(fc.constantFrom(...ORIGINS), { nil: null }),
  delay: fc.option(fc.integer({ min: -50, max: 300 }), { nil: null }),
  dist: fc.integer({ min: 0, max: 5000 }).map((x) => x / 4),
});
const op = fc.oneof(
  fc.record({
    kind: fc.constant("upsert" as const),
    rows: fc.array(row, { minLength: 1, maxLength: 8 }),
    fail: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    ids: fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 5 }),
    fail: fc.boolean(),
  }),
);
const query = fc.record({
  grain: fc.constantFrom("day", "week", "month", undefined),
  dims: fc.constantFrom([], ["origin"]),
  where: fc.option(fc.constantFrom(...ORIGINS), { nil: undefined }),
  from: fc.integer({ min: 0, max: 20 }),
  days: fc.integer({ min: 1, max: 30 }),
});

function toQuery(q: {
  grain?: string | undefined;
  dims: readonly string[];
  where?: string | undefined;
  from: number;
  days: number;
}): AnalyticsQuery {
  const from = new Date(T0 + (q.from as number) * DAY).toISOString();
  const to = new Date(T0 + ((q.from as number) + (q.days as number)) * DAY).toISOString();
  return {
    table: "flights",
    measures: [
      { agg: "count" },
      { agg: "sum", column: "delay" },
      { agg: "min", column: "delay" },
      { agg: "max", column: "dist" },
      { agg: "avg", column: "dist" },
      { agg: "variance", column: "delay" },
    ],
    dimensions: [...q.dims],
    timeDimension: { column: "ts", range: { from, to }, ...(q.grain ? { grain: q.grain as "day" } : {}) },
    ...(q.where ? { where: { col: "origin", op: "=", value: q.where as string } } : {}),
  };
}

const ROLLUP = {
  name: "r",
  source: "flights",
  measures: [
    { name: "n", agg: "count" },
    { name: "s", agg: "sum", column: "delay" },
    { name: "mn", agg: "min", column: "delay" },
    { name: "mx", agg: "max", column: "dist" },
    { name: "a", agg: "avg", column: "dist" },
    { name: "v", agg: "variance", column: "delay" },
  ],
  dimensions: ["origin"],
  timeDimension: { column: "ts", grain: "day" },
  partitionGrain: "week",
};

function close(a: unknown, b: unknown) {
  if (typeof a === "number" && typeof b === "number") expect(a).toBeCloseTo(b, 6);
  else expect(a).toEqual(b);
}

function expectSame(rows: Record<string, unknown>[], raw: Record<string, unknown>[]) {
  expect(rows.length).toBe(raw.length);
  rows.forEach((r, i) => {
    for (const k of Object.keys(r)) close(r[k], raw[i]?.[k]);
  });
}

describe("rollup answers equal raw answers", () => {
  it("for random write sequences (rolled-back writes included), maintenance modes and queries", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 12 }),
        fc.array(query, { minLength: 1, maxLength: 4 }),
        fc.constantFrom("incremental", "deferred"),
        async (ops, queries, maintenance) => {
          const f = fixture();
          flights(f, []);
          f.preAgg.createRollup({ ...ROLLUP, maintenance });
          await f.fireWakes();
          let failing = false;
          f.tables.subscribe({
            name: "flaky",
            onRowsChanged: () => {
              if (failing) throw new Error("rolled back");
            },
          });
          for (const o of ops) {
            failing = o.fail && o.kind === "delete";
            try {
              if (o.kind === "upsert") f.tables.upsert("flights", o.rows);
              else f.tables.delete("flights", o.ids);
            } catch (err) {
              if (!failing) throw err;
            }
          }
          failing = false;
          for (const q of queries) {
            const aq = toQuery(q);
            expect(f.preAgg.explain(aq).chosen).toBe("r");
            expectSame((await f.preAgg.query(aq, { lambda: true })).rows, rawQuery(f.tables, f.sql, aq).rows);
            await f.fireWakes();
            f.clock.advance(61_000);
            await f.fireWakes();
            expectSame((await f.preAgg.query(aq)).rows, rawQuery(f.tables, f.sql, aq).rows);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("any split of partitions into hot and warm gives the single-tier answer", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        query,
        async (rows, warmMask, q) => {
          const f = fixture({ blobs: new MemoryBlobStore() });
          flights(f, []);
          f.tables.upsert("flights", rows);
          f.preAgg.createRollup(ROLLUP);
          await f.fireWakes();
          const aq = toQuery(q);
          const hot = (await f.preAgg.query(aq)).rows;
          const r = f.preAgg.warm;
          const { Registry } = await import("../src/registry.ts");
          const rollup = new Registry(f.sql, f.tables).get("r");
          const parts = f.sql.exec("SELECT * FROM preagg_partitions ORDER BY start_ms").toArray();
          const { readPartitions } = await import("../src/rollup-rows.ts");
          for (const [i, p] of readPartitions(f.sql, "r").entries())
            if (warmMask[i % 8] && p.hotRows > 0) await r?.compact(rollup as never, p);
          expect(parts.length).toBeGreaterThan(0);
          f.preAgg.refresh("r");
          expect((await f.preAgg.query(aq)).rows).toEqual(hot);
        },
      ),
      { numRuns: 25 },
    );
  });
});
