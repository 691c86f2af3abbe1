/**
 * Spike `tables`: what does the platform's write path cost, bare and with every observer that
 * exists? Flights from `vega-datasets` in batches of 1,000, in-process on the Node adapter (raw
 * multi-row INSERT vs the tables API bare vs with the test observer) and over HTTP through
 * `wrangler dev` on 127.0.0.1.
 * Run: npm run spike:tables [-- --quick] [--no-http] (quick shortens only the HTTP part)
 */
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { round } from "../lib/stats.ts";
import { loadFlights } from "./flights.ts";
import { runHttp } from "./http.ts";
import { runInProcess } from "./inprocess.ts";

const quick = isQuick();
const flights = loadFlights(20_000);
// The in-process part is cheap (about 2 s), so quick runs it in full: short runs were too noisy.
const inproc = runInProcess(flights, 9);
printTable("in-process: 20,000 flights in batches of 1,000 (Node adapter), median of 9 rounds", inproc.rows);
printTable("in-process: one 1,000-row scan page", [
  {
    pages: inproc.scanPageMs.n,
    "p50 ms": round(inproc.scanPageMs.p50),
    "p95 ms": round(inproc.scanPageMs.p95),
    "p99 ms": round(inproc.scanPageMs.p99),
  },
]);
const http = process.argv.includes("--no-http") ? undefined : await runHttp(flights, quick);
if (http) printTable("over HTTP (wrangler dev, 127.0.0.1)", http.rows);
printMetrics("tables", quick, {
  insert_rows_per_s: Math.round(inproc.bare),
  ratio_to_raw_insert: round(inproc.bare / inproc.raw, 3),
  full_vs_bare_ratio: round(inproc.observed / inproc.bare, 3),
  http_insert_rows_per_s: http ? Math.round(http.insertRowsPerS) : -1,
  scan_page_p50_ms: round(http ? http.scanPage.p50 : inproc.scanPageMs.p50, 2),
});
