/**
 * Spike `tables`: what does the platform's write path cost, bare and with every observer that
 * exists? Flights from `vega-datasets` in batches of 1,000, in-process on the Node adapter (raw
 * multi-row INSERT vs the tables API bare vs with the test observer) and over HTTP through
 * `wrangler dev` on 127.0.0.1; and the import variant (spikes/tables/import.ts): a generated
 * CSV of 1,000,000 rows (quick: 100,000) imported in-process, over HTTP, and by DuckDB.
 * Run: npm run spike:tables [-- --quick] [--no-http] (quick shortens only the HTTP part)
 */
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { round } from "../lib/stats.ts";
import { loadFlights } from "./flights.ts";
import { runHttp } from "./http.ts";
import { runImport } from "./import.ts";
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
const imp = await runImport(quick, http !== undefined);
printTable(`import: ${imp.rows.toLocaleString("en")} generated rows, ${imp.mb.toFixed(1)} MB of CSV`, [
  {
    how: "in-process (Node adapter, same TableImports code)",
    "rows/s": Math.round(imp.nodeRowsPerS),
    "peak heap MB": round(imp.peakMb, 1),
  },
  { how: "streamed over HTTP (wrangler dev)", "rows/s": Math.round(imp.httpRowsPerS), "peak heap MB": "" },
  {
    how: "DuckDB read_csv (peer)",
    "rows/s": imp.duckdbRowsPerS === undefined ? "unavailable" : Math.round(imp.duckdbRowsPerS),
    "peak heap MB": "",
  },
]);
printMetrics("tables", quick, {
  insert_rows_per_s: Math.round(inproc.bare),
  ratio_to_raw_insert: round(inproc.bare / inproc.raw, 3),
  full_vs_bare_ratio: round(inproc.observed / inproc.bare, 3),
  http_insert_rows_per_s: http ? Math.round(http.insertRowsPerS) : -1,
  scan_page_p50_ms: round(http ? http.scanPage.p50 : inproc.scanPageMs.p50, 2),
  import_rows_per_s: Math.round(imp.httpRowsPerS > 0 ? imp.httpRowsPerS : imp.nodeRowsPerS),
  import_vs_json_rows: http ? round(imp.httpRowsPerS / http.insertRowsPerS, 2) : -1,
  import_peak_mb: round(imp.peakMb, 1),
  duckdb_read_csv_rows_per_s: imp.duckdbRowsPerS === undefined ? -1 : Math.round(imp.duckdbRowsPerS),
});
