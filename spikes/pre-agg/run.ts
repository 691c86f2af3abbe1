/**
 * Spike pre-agg: how much faster are rollup answers than scanning raw rows in SQLite or in
 * DuckDB, at what ingest cost, and are they the same numbers? 3,000,000 real flights
 * (`--quick`: every 10th), three rollups maintained by the tables write path while
 * `Tables.insert` loads 5,000-row batches; 12 dashboard shapes run on rollups (hot), on raw rows
 * (SQLite GROUP BY; DuckDB table) and on rollups after every partition was compacted to Parquet
 * on a folder BlobStore (warm). Last line: one JSON object with the metrics.
 * Flags: --quick, --replicate N (copies shifted by 26 weeks).
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, runMigrations, scopedWake } from "@durable/core";
import { FsBlobStore, openSqlite } from "@durable/core/node";
import { RecordingWakes } from "@durable/core/testing";
import { createPreAggCapability, PREAGG_MIGRATIONS, type PreAgg, rawQuery } from "@durable/pre-agg";
import { Tables } from "@durable/tables";
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { median, round, summarize } from "../lib/stats.ts";
import { mismatches } from "./compare.ts";
import { FLIGHTS_3M_TABLE, type FlightColumns, loadFlights3m, rowsOf } from "./data.ts";
import { SHAPES, toSql } from "./queries.ts";
import { ROLLUPS } from "./rollups.ts";

const quick = isQuick();
const replicate = Number(process.argv[process.argv.indexOf("--replicate") + 1] ?? 1) || 1;
const BATCH = 5_000;
const ROLLUP_RUNS = quick ? 10 : 50;
const RAW_RUNS = quick ? 3 : 5;

function setup(withRollups: boolean, blobDir?: string) {
  const db = openSqlite();
  const clock = new ManualClock(Date.UTC(2001, 6, 15));
  const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync, clock });
  runMigrations(db.sql, db.transactionSync, PREAGG_MIGRATIONS, clock.now());
  const wakes = new RecordingWakes();
  let preAgg: PreAgg | undefined;
  if (withRollups) {
    preAgg = createPreAggCapability({
      ports: {
        sql: db.sql,
        transactionSync: db.transactionSync,
        clock,
        wake: scopedWake(() => wakes, "pre-agg"),
        blobs: new FsBlobStore(blobDir as string),
        background: { waitUntil: () => {} } as never,
        tenant: () => "spike",
      },
      tables,
    }).preAgg;
    preAgg.start();
  }
  tables.createTable(FLIGHTS_3M_TABLE);
  return { db, clock, tables, wakes, preAgg };
}

async function fire(s: ReturnType<typeof setup>, keep: (key: string) => boolean) {
  for (let i = 0; i < 1000; i++) {
    const due = s.wakes.takeDue(s.clock.now()).filter((w) => keep(w.key));
    if (due.length === 0) return;
    for (const w of due) await s.preAgg?.onWake({ owner: w.owner, key: w.key, dueAt: w.atMs, payload: w.payload });
  }
}

function ingest(s: ReturnType<typeof setup>, f: FlightColumns): number {
  const start = performance.now();
  for (let i = 0; i < f.n; i += BATCH) s.tables.insert("flights", rowsOf(f, i, Math.min(f.n, i + BATCH)));
  return (f.n / (performance.now() - start)) * 1000;
}

async function time(runs: number, fn: () => unknown | Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function duck(f: FlightColumns) {
  const duckdb = await import("@duckdb/node-api");
  const instance = await duckdb.DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  await c.run(
    "CREATE TABLE flights (id BIGINT, date BIGINT, delay INTEGER, distance INTEGER, origin VARCHAR, destination VARCHAR)",
  );
  const app = await c.createAppender("flights");
  for (let i = 0; i < f.n; i++) {
    app.appendBigInt(BigInt(i + 1));
    app.appendBigInt(BigInt(f.date[i] as number));
    app.appendInteger(f.delay[i] as number);
    app.appendInteger(f.distance[i] as number);
    app.appendVarchar(f.origin[i] as string);
    app.appendVarchar(f.destination[i] as string);
    app.endRow();
  }
  app.closeSync();
  return {
    rows: async (sql: string) => (await c.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[],
    close: () => c.closeSync(),
  };
}

async function main() {
  const t0 = performance.now();
  const f = await loadFlights3m(quick ? 10 : 1, replicate);
  console.log(
    `pre-agg spike: ${f.n} flights (quick=${quick}, replicate=${replicate}) loaded in ${round((performance.now() - t0) / 1000, 1)} s`,
  );

  const bare = setup(false);
  const bareRate = ingest(bare, f);
  bare.db.close?.();

  const blobDir = mkdtempSync(join(tmpdir(), "preagg-spike-"));
  const s = setup(true, blobDir);
  const pre = s.preAgg as PreAgg;
  for (const def of ROLLUPS) pre.createRollup(def);
  await fire(s, (k) => k !== "compact");
  const ingestRate = ingest(s, f);
  const rawBytes = Number(
    s.db.sql.exec("SELECT sum(pgsize) AS b FROM dbstat WHERE name LIKE 't_flights%'").one().b ?? 0,
  );
  const rollupInfo = pre.rollups();

  const d = await duck(f);
  const results: Record<string, string | number>[] = [];
  const speedups: number[] = [];
  const duckRatios: number[] = [];
  const hotP50: number[] = [];
  const warmP50: number[] = [];
  let bad = 0;
  const hotAnswers = new Map<string, unknown>();
  for (const [name, q] of Object.entries(SHAPES)) {
    const answer = await pre.query(q);
    hotAnswers.set(name, answer.rows);
    const rollup = await time(ROLLUP_RUNS, () => pre.query(q));
    const sqliteSql = toSql(q, "sqlite");
    const raw = await time(RAW_RUNS, () =>
      sqliteSql ? s.db.sql.exec(sqliteSql).toArray() : rawQuery(s.tables, s.db.sql, q),
    );
    const duckSql = toSql(q, "duckdb") as string;
    const duckRows = await d.rows(duckSql);
    const duckT = await time(RAW_RUNS, () => d.rows(duckSql));
    const miss = mismatches(q, answer.rows, duckRows);
    if (miss.length) console.log(`  ${name}: ${miss.slice(0, 3).join("; ")}`);
    bad += miss.length;
    const r50 = summarize(rollup).p50;
    speedups.push(summarize(raw).p50 / r50);
    duckRatios.push(summarize(duckT).p50 / r50);
    hotP50.push(r50);
    results.push({
      shape: name,
      rollup: answer.meta.rollup ?? answer.meta.source,
      rows: answer.rows.length,
      rollup_p50_ms: round(r50, 3),
      rollup_p95_ms: round(summarize(rollup).p95, 3),
      sqlite_p50_ms: round(summarize(raw).p50, 1),
      duckdb_p50_ms: round(summarize(duckT).p50, 1),
      x_sqlite: round(summarize(raw).p50 / r50, 0),
      x_duckdb: round(summarize(duckT).p50 / r50, 1),
      mismatches: miss.length,
    });
  }
  d.close();
  printTable("Dashboard shapes (hot tier)", results);

  const rollupBytes = rollupInfo.reduce(
    (sum, r) =>
      sum +
      Number(
        s.db.sql.exec("SELECT sum(pgsize) AS b FROM dbstat WHERE name LIKE ?", `preagg_r_${r.name}%`).one().b ?? 0,
      ),
    0,
  );
  // Warm tier: every partition compacted to Parquet on a folder BlobStore.
  s.clock.advance(400 * 86_400_000);
  const tc = performance.now();
  await pre.onWake({ owner: "pre-agg", key: "compact", dueAt: s.clock.now(), payload: null });
  const compactMs = performance.now() - tc;
  const warm = pre.warm?.counters;
  const warmRows: Record<string, string | number>[] = [];
  for (const [name, q] of Object.entries(SHAPES)) {
    const answer = await pre.query(q);
    const same = JSON.stringify(answer.rows) === JSON.stringify(hotAnswers.get(name));
    if (!same) {
      bad++;
      console.log(`  warm ${name}: differs from the hot answer`);
    }
    const t = summarize(await time(quick ? 2 : 10, () => pre.query(q)));
    warmP50.push(t.p50);
    warmRows.push({
      shape: name,
      tiers: answer.meta.tiers.join("+"),
      warm_p50_ms: round(t.p50, 2),
      same_as_hot: same ? "yes" : "NO",
    });
  }
  printTable("Dashboard shapes (warm tier: Parquet on a folder BlobStore)", warmRows);
  printTable(
    "Rollups",
    rollupInfo.map((r) => ({
      rollup: r.name,
      status: r.status,
      rows: r.rows,
      "raw:rollup rows": round(f.n / Math.max(1, r.rows), 1),
      partitions: r.partitions.hot,
    })),
  );
  printTable("Ingest and storage", [
    { what: "bare Tables.insert rows/s", value: round(bareRate, 0) },
    { what: "Tables.insert + 3 rollups rows/s", value: round(ingestRate, 0) },
    { what: "raw table bytes", value: rawBytes },
    { what: "rollup table bytes (3, hot)", value: rollupBytes },
    { what: "raw:rollup bytes", value: round(rawBytes / Math.max(1, rollupBytes), 1) },
    { what: "compaction ms (all partitions)", value: round(compactMs, 0) },
    { what: "warm files / bytes", value: `${warm?.filesWritten} / ${warm?.bytesWritten}` },
    {
      what: "warm bytes per rollup row",
      value: round(
        (warm?.bytesWritten ?? 0) /
          Math.max(
            1,
            rollupInfo.reduce((x, r) => x + r.rows, 0),
          ),
        1,
      ),
    },
  ]);
  rmSync(blobDir, { recursive: true, force: true });
  console.log(`total ${round((performance.now() - t0) / 1000, 1)} s`);
  printMetrics("pre-agg", quick, {
    speedup_vs_raw_scan: round(median(speedups), 1),
    ratio_vs_duckdb: round(median(duckRatios), 2),
    rollup_query_p50_ms: round(median(hotP50), 3),
    warm_tier_query_p50_ms: round(median(warmP50), 3),
    ingest_rows_per_s: round(ingestRate, 0),
    result_mismatches: bad,
  });
}

await main();
