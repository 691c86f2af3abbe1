/**
 * Spike: what does CDC capture cost a writer, how fast are events delivered, and do crashes
 * keep the count exact? Run: npm run spike:cdc [-- --quick] [--no-http]
 * @module
 */
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { round } from "../lib/stats.ts";
import { crashTest } from "./crash.ts";
import { delivery, writeCost } from "./inprocess.ts";
import { lag } from "./lag.ts";

const quick = isQuick();
const workload = quick
  ? { inserts: 50_000, updates: 10_000, deletes: 2_000, rounds: 5 }
  : { inserts: 200_000, updates: 50_000, deletes: 10_000, rounds: 5 };

const cost = await writeCost(workload);
printTable("Write cost (Tables.insert, calls of 100 rows, median of rounds, alternating order)", [
  { table: "untracked", rows_per_s: round(cost.untrackedRate, 0) },
  { table: "tracked (triggers)", rows_per_s: round(cost.trackedRate, 0) },
  { table: "ratio", rows_per_s: round(cost.ratio, 3) },
]);

const d = await delivery(workload);
printTable("Delivery and Parquet (in process)", [
  { what: "events captured", value: d.events },
  { what: "pull+commit events/s (limit 1,000)", value: round(d.eventsPerS, 0) },
  { what: "parquet files", value: d.parquetFiles },
  { what: "parquet MB", value: round(d.parquetMb, 2) },
  { what: "parquet MB/s", value: round(d.parquetMbPerS, 2) },
  { what: "rows read back (hyparquet)", value: d.hyparquetRows },
  { what: `rows read back (DuckDB${d.duckdb ? "" : ": not installed"})`, value: d.duckdbRows },
  { what: "row mismatches", value: d.mismatches },
]);

const crash = await crashTest(quick ? 20_000 : 100_000, quick ? 5 : 20);
printTable("Crashes (SIGKILL mid-batch, CdcInbox on a file database)", [
  { what: "events", value: crash.events },
  { what: "kills", value: crash.kills },
  { what: "runs", value: crash.runs },
  { what: "lost", value: crash.lost },
  { what: "applied twice", value: crash.duplicates },
]);

const http = process.argv.includes("--no-http") ? undefined : await lag(quick ? 10 : 30, 200);
if (http) {
  printTable("Lag over wrangler dev (write → queue handler, local timers)", [
    { what: "writes", value: http.writes },
    { what: "events received", value: http.received },
    { what: "writes/s", value: round(http.writesPerS, 1) },
    { what: "lag p50 ms", value: round(http.p50, 1) },
    { what: "lag p99 ms", value: round(http.p99, 1) },
    { what: "lag max ms", value: round(http.max, 1) },
  ]);
}

printMetrics("cdc", quick, {
  write_ratio_with_cdc: round(cost.ratio, 3),
  events_per_s: round(d.eventsPerS, 0),
  e2e_lag_p99_ms: http ? round(http.p99, 1) : -1,
  lost_events: crash.lost,
  duplicate_effects: crash.duplicates,
  parquet_sink_mb_per_s: round(d.parquetMbPerS, 2),
  parquet_row_mismatches: d.mismatches,
});
