/**
 * ANALYZE in both modes: sample mode reads 300 × target rows; full mode rebuilds HLL and KLL
 * one 50,000-row range per wake-up, resumes from the stored cursor after an eviction, and a
 * second ANALYZE while one runs returns the running job. Plus the 64 KB column budget on a
 * 1M-value high-cardinality text column, and `calibrate`.
 */
import type { SqlRow } from "@durable/core";
import { describe, expect, it } from "vitest";
import { ColumnStats } from "../src/column-stats.ts";
import { hashInto } from "../src/hash.ts";
import { analyzeColumn } from "../src/sample-analysis.ts";
import { fixture } from "./helpers.ts";

function bigTable(f: ReturnType<typeof fixture>, n: number) {
  f.tables.createTable({
    name: "events",
    columns: [
      { name: "id", type: "integer" },
      { name: "user_id", type: "integer" },
      { name: "kind", type: "text" },
    ],
    primaryKey: "id",
  });
  // Rows written straight to SQLite: the estimator never saw them, only ANALYZE can.
  f.sql.exec(
    `INSERT INTO t_events (id, user_id, kind)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     SELECT i, i % 5000, CASE WHEN i % 10 = 0 THEN 'rare' ELSE 'common' END FROM n`,
    n,
  );
}

describe("ANALYZE", () => {
  it("sample mode: 30,000 probed rows give ndv, MCVs and a histogram of a table the hook never saw", () => {
    const f = fixture({ statisticsTarget: 100 });
    bigTable(f, 120_000);
    const job = f.estimator.analyze("events");
    expect(job.status).toBe("done");
    expect(job.rowsRead).toBe(30_000);
    const s = f.estimator.stats("events");
    expect(s.rows).toBe(120_000);
    const user = s.columns.find((c) => c.name === "user_id");
    expect(Math.abs((user?.ndv ?? 0) - 5000) / 5000).toBeLessThan(0.1);
    expect(s.columns.find((c) => c.name === "kind")?.mcvs.map((m) => m.value)).toEqual(["common", "rare"]);
    const e = f.estimator.estimate({ table: "events", where: { col: "user_id", op: "<", value: 1000 } });
    expect(Math.abs(e.rows - 24_000) / 24_000).toBeLessThan(0.1);
  });

  it("full mode: one 50,000-row range per wake-up, resumes after an eviction, a repeat returns the running job", () => {
    const f = fixture();
    bigTable(f, 120_000);
    const job = f.estimator.analyze("events", { full: true });
    expect(job.status).toBe("running");
    expect(f.estimator.analyze("events", { full: true }).jobId).toBe(job.jobId);
    f.wakes.takeDue(f.clock.now());
    f.estimator.onWake({ owner: "estimator", key: "analyze:events", dueAt: f.clock.now(), payload: undefined });
    expect(f.estimator.stats("events").job?.rowsRead).toBe(50_000);
    // Evicted: a new instance resumes from the cursor stored in est_tables.
    const restarted = f.restart();
    expect(restarted.stats("events").job?.cursor).toBe(50_000);
    expect(restarted.analyze("events").jobId).toBe(job.jobId);
    f.fireWakes();
    const s = restarted.stats("events");
    expect(s.job?.status).toBe("done");
    expect(s.job?.rowsRead).toBe(120_000);
    const user = s.columns.find((c) => c.name === "user_id");
    expect(Math.abs((user?.ndv ?? 0) - 5000) / 5000).toBeLessThan(0.03);
    // After a full ANALYZE the sketches cover every row, so new writes keep them exact.
    f.tables.insert("events", [{ id: 200_000, user_id: 999_999, kind: "new" }]);
    expect(restarted.estimate({ table: "events" }).rows).toBe(120_001);
  });

  it("keeps a column ≤ 64 KB on a 1M-row high-cardinality text column", () => {
    const col = new ColumnStats("note", "text", { hllPrecision: 14, kllK: 200, mcvCounters: 128 });
    const h = new Uint32Array(2);
    const sample: SqlRow[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const v = `${i.toString(36).padStart(8, "0")}-${"lorem ipsum dolor sit amet ".repeat(4)}${i}`;
      hashInto(v, h);
      col.observe(v, h);
      if (i % 33 === 0) sample.push({ note: v });
    }
    col.analyzed = analyzeColumn(col, sample, 1_000_000, col.hll?.estimate() ?? null, 100);
    const bytes = col.toBytes();
    expect(bytes.length).toBeLessThanOrEqual(64 * 1024);
    const back = ColumnStats.fromBytes(bytes, { hllPrecision: 14, kllK: 200, mcvCounters: 128 });
    expect(Math.abs((back.hll?.estimate() ?? 0) - 1e6) / 1e6).toBeLessThan(0.03);
    expect(back.analyzed?.histogram?.buckets.length).toBe(100);
  }, 30_000);

  it("calibrate measures the SQLite constants here and stores them", () => {
    const f = fixture();
    const c = f.estimator.calibrate();
    expect(c.sqliteScanRowUs).toBeGreaterThan(0);
    expect(c.sqliteScanRowUs).toBeLessThan(50);
    expect(c.sqliteIndexProbeUs).toBeGreaterThan(0);
    expect(c.crossDoHopUs).toBe(5000);
    expect(f.sql.exec<{ n: number }>("SELECT count(*) AS n FROM est_calibration").one().n).toBe(2);
    expect(f.restart().constants().sqliteScanRowUs).toBe(c.sqliteScanRowUs);
  });
});
