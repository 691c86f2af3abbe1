/**
 * Item 4 through `Tables` writes: inserts add, deletes subtract, updates move a row between
 * groups, a no-op upsert changes nothing (no dirty partition), refused and rolled-back writes
 * leave every rollup unchanged; min after deleting the row that held it is right after the dirty
 * rebuild; a state that will not decode dirties its partition while the write succeeds; writes
 * during a backfill count once and an evicted backfill resumes; deferred rollups fold on a
 * wake-up, lambda answers show fresh writes and `asOf` is the oldest unfolded delta; limits.
 */
import { describe, expect, it } from "vitest";
import { type AnalyticsQuery, rawQuery } from "../src/index.ts";
import { BY_ORIGIN_DAY, fixture, flights, sampleRows, T0 } from "./helpers.ts";

const Q: AnalyticsQuery = {
  table: "flights",
  measures: [
    { agg: "count" },
    { agg: "sum", column: "delay" },
    { agg: "min", column: "delay" },
    { agg: "max", column: "delay" },
    { agg: "variance", column: "delay" },
    { agg: "sum", column: "dist" },
  ],
  dimensions: ["origin"],
  timeDimension: { column: "ts", grain: "day", range: { from: "2001-01-01", to: "2001-03-03" } },
};

type F = ReturnType<typeof fixture>;
const same = async (f: F, q: AnalyticsQuery = Q) => {
  const a = await f.preAgg.query(q);
  const raw = rawQuery(f.tables, f.sql, q).rows;
  expect(a.rows.length).toBe(raw.length);
  a.rows.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) {
      const r = (raw[i] as Record<string, unknown>)[k];
      if (typeof v === "number" && typeof r === "number" && !Number.isInteger(r)) expect(v).toBeCloseTo(r, 6);
      else expect(v).toEqual(r);
    }
  });
  return a;
};
const dirtyCount = (f: F) => f.preAgg.rollups().reduce((s, r) => s + r.partitions.dirty, 0);
const snapshot = (f: F) =>
  JSON.stringify(f.sql.exec("SELECT * FROM preagg_r_by_origin_day ORDER BY bucket, d_origin").toArray());

async function built(rows = 400, def: object = BY_ORIGIN_DAY) {
  const f = fixture();
  flights(f, sampleRows(rows));
  f.preAgg.createRollup(def);
  await f.fireWakes();
  return f;
}

describe("maintenance on the write path", () => {
  it("inserts, deletes and updates (subtract before, add after) answer like raw rows", async () => {
    const f = await built();
    await same(f);
    f.tables.insert("flights", [{ id: 5000, ts: T0 + 3_600_000, origin: "SFO", dest: null, delay: null, dist: 1.5 }]);
    f.tables.update("flights", 1, { origin: "ZZZ", delay: 999 });
    f.tables.upsert("flights", [{ id: 2, ts: T0 + 86_400_000 * 3, origin: "ORD", dest: "SFO", delay: 7, dist: 2.25 }]);
    f.tables.delete("flights", [3, 4, 5]);
    await same(f);
    await f.fireWakes();
    const a = await same(f);
    expect(a.meta.source).toBe("rollup");
    expect(dirtyCount(f)).toBe(0);
  });

  it("a no-op upsert changes nothing and dirties nothing; refused and rolled-back writes leave rollups unchanged", async () => {
    const f = await built();
    const before = snapshot(f);
    const row = f.tables.get("flights", 7);
    f.tables.upsert("flights", [row]);
    expect(snapshot(f)).toBe(before);
    expect(dirtyCount(f)).toBe(0);
    expect(() => f.tables.insert("flights", [{ id: 9001, ts: T0, origin: "SFO", delay: "x", dist: 1 }])).toThrow(
      /INVALID_ROW/,
    );
    expect(() =>
      f.tables.insert("flights", [
        { id: 9002, ts: T0, origin: "SFO", dist: 1 },
        { id: 1, ts: T0, origin: "SFO", dist: 1 },
      ]),
    ).toThrow(/DUPLICATE_KEY/);
    const unsubscribe = f.tables.subscribe({
      name: "late-hook",
      onRowsChanged: () => {
        throw new Error("boom");
      },
    });
    expect(() => f.tables.insert("flights", [{ id: 9003, ts: T0, origin: "SFO", dist: 1 }])).toThrow(/boom/);
    expect(() => f.tables.delete("flights", [8])).toThrow(/boom/);
    unsubscribe();
    expect(snapshot(f)).toBe(before);
    expect(dirtyCount(f)).toBe(0);
    await same(f);
  });

  it("rebuilds a dirty partition after the row holding its min is deleted; the min is right after", async () => {
    const f = await built();
    const q: AnalyticsQuery = { ...Q, measures: [{ agg: "min", column: "delay" }], dimensions: [] };
    const low = f.sql.exec("SELECT id, ts FROM t_flights WHERE delay IS NOT NULL ORDER BY delay LIMIT 1").one();
    f.tables.delete("flights", [low.id as number]);
    expect(dirtyCount(f)).toBe(1);
    const during = await same(f, q);
    expect(during.meta.source).toBe("mixed");
    expect(f.wakes.pending().some((w) => w.key === "rebuild:by_origin_day")).toBe(true);
    await f.fireWakes();
    expect(dirtyCount(f)).toBe(0);
    expect((await same(f, q)).meta.source).toBe("rollup");
  });

  it("a stored state that will not decode dirties its partition; the write succeeds and answers stay right", async () => {
    const f = await built();
    f.sql.exec("UPDATE preagg_r_by_origin_day SET s_kll200_delay = x'0102' WHERE d_origin = 'SFO'");
    const [sfo] = f.tables.scan("flights", { where: { col: "origin", op: "=", value: "SFO" }, limit: 1 }).rows as {
      ts: string;
    }[];
    f.tables.insert("flights", [{ id: 7000, ts: sfo?.ts, origin: "SFO", dest: "ORD", delay: 5, dist: 3 }]);
    expect(dirtyCount(f)).toBeGreaterThan(0);
    await same(f, { ...Q, measures: [{ agg: "quantiles", column: "delay", q: 1 }, { agg: "count" }] });
    await f.fireWakes();
    expect(dirtyCount(f)).toBe(0);
  });

  it("counts writes during a backfill once and resumes a backfill after eviction", async () => {
    const f = fixture();
    flights(f, sampleRows(600));
    f.preAgg.createRollup(BY_ORIGIN_DAY);
    // One batch of 250 rows: cursor at id 250, then an eviction (a new PreAgg over the same database).
    const { backfillStep } = await import("../src/jobs.ts");
    const { Registry } = await import("../src/registry.ts");
    const registry = new Registry(f.sql, f.tables);
    f.db.transactionSync(() =>
      backfillStep(f.sql, registry, registry.get("by_origin_day") as never, f.clock.now(), 250),
    );
    const g = fixture({ db: f.db });
    g.tables.update("flights", 10, { delay: 555 });
    g.tables.update("flights", 500, { delay: 556 });
    g.tables.delete("flights", [11, 501]);
    g.tables.insert("flights", [{ id: 9999, ts: T0 + 5, origin: "SFO", dest: "ORD", delay: 3, dist: 1 }]);
    expect(g.preAgg.rollup("by_origin_day").status).toBe("building");
    await g.fireWakes();
    expect(g.preAgg.rollup("by_origin_day")).toMatchObject({ status: "built", backfilledRows: 250 + (350 - 1 + 1) });
    await same(g);
  });

  it("deferred: deltas fold on a wake-up, lambda shows fresh writes, asOf is the oldest unfolded delta", async () => {
    const sums = {
      name: "by_origin_day",
      source: "flights",
      dimensions: ["origin"],
      timeDimension: { column: "ts", grain: "day" },
    };
    const f = await built(300, {
      ...sums,
      maintenance: "deferred",
      measures: [
        { name: "n", agg: "count" },
        { name: "d", agg: "sum", column: "delay" },
      ],
    });
    const Q = {
      table: "flights",
      measures: [{ agg: "count" }, { agg: "sum", column: "delay" }],
      dimensions: ["origin"],
      timeDimension: { column: "ts", grain: "day" },
    } as AnalyticsQuery;
    f.clock.advance(1000);
    const wrote = f.clock.now();
    f.tables.insert("flights", [{ id: 8000, ts: T0 + 1000, origin: "SFO", dest: "ORD", delay: 40, dist: 2 }]);
    f.tables.delete("flights", [20]);
    f.clock.advance(5000);
    const stale = await f.preAgg.query(Q);
    expect(stale.meta.asOf).toBe(wrote);
    expect(stale.rows).not.toEqual(rawQuery(f.tables, f.sql, Q).rows);
    const lambda = await f.preAgg.query(Q, { lambda: true });
    expect(lambda.meta).toMatchObject({ lambda: true, asOf: f.clock.now() });
    expect(lambda.meta.tiers).toContain("delta");
    f.clock.advance(60_000);
    await f.fireWakes();
    expect(f.sql.exec("SELECT count(*) AS n FROM preagg_deltas").one().n).toBe(0);
    const folded = await same(f, Q);
    expect(folded.meta.asOf).toBe(f.clock.now());
    expect((await f.preAgg.query(Q, { lambda: true })).rows).toEqual(folded.rows);
  });

  it("disables a rollup whose hot partition outgrows its limit (writes go on); raw scans and results have limits", async () => {
    const f = fixture({ limits: { maxHotPartitionRows: 3, maxRawScanRows: 100 } });
    flights(f, sampleRows(50));
    f.preAgg.createRollup({ ...BY_ORIGIN_DAY, timeDimension: { column: "ts", grain: "hour" } });
    await f.fireWakes();
    const info = f.preAgg.rollup("by_origin_day");
    expect(info.status).toBe("disabled");
    expect(info.error).toMatch(/^ROLLUP_TOO_LARGE/);
    f.tables.insert("flights", [{ id: 999, ts: T0, origin: "SFO", dist: 1 }]);
    expect(f.preAgg.explain(Q).candidates[0]?.reasons).toContain("DISABLED");
    expect((await f.preAgg.query(Q)).meta.source).toBe("raw");
    f.tables.insert(
      "flights",
      sampleRows(100).map((r) => ({ ...r, id: r.id + 1000 })),
    );
    await expect(f.preAgg.query(Q)).rejects.toThrow(/SCAN_TOO_LARGE/);
    const g = await built(200);
    await expect(g.preAgg.query({ ...Q, limit: 3 })).rejects.toThrow(/RESULT_TOO_LARGE/);
  });
});
