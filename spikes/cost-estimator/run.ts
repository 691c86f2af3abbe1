/**
 * Spike `cost-estimator`: how close are the estimates to the truth on real, skewed data, next to
 * PostgreSQL-style fixed defaults, and how fast? 200,000 real flights and synthetic events are
 * loaded through `Tables.insert` (batches of 1,000, the estimator's hook on), ANALYZE runs, then a
 * seeded workload is estimated cold (empty feedback) and scored by q-error against the exact
 * counts; the heuristic baseline runs in the same pass.
 * Run: npm run spike:cost-estimator [-- --quick]
 */

import { loadavg } from "node:os";
import { scopedWake } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { RecordingWakes } from "@durable/core/testing";
import { CostEstimator, type Estimate } from "@durable/cost-estimator";
import { Tables } from "@durable/tables";
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { Rng } from "../lib/rng.ts";
import { quantile, round } from "../lib/stats.ts";
import { groupBy, qerror, qsummary } from "./accuracy.ts";
import { EVENTS_TABLE, FLIGHTS_TABLE, loadFlights, makeEvents } from "./data.ts";
import { hllRelError } from "./hll-sweep.ts";
import { makeWorkload, type Query, TableProfile } from "./workload.ts";

const quick = isQuick();
const t0 = performance.now();
const flights = await loadFlights(15);
const origins = [...new Set(flights.map((f) => f.origin as string))].sort();
const events = makeEvents(quick ? 100_000 : 500_000, origins);
const readMs = performance.now() - t0;

/** Loads rows in batches of 1,000; returns ms. */
function load(tables: Tables, table: string, rows: Record<string, unknown>[]): number {
  const start = performance.now();
  for (let i = 0; i < rows.length; i += 1000) tables.insert(table, rows.slice(i, i + 1000));
  return performance.now() - start;
}

// The hook's cost: the same flights loaded bare (no subscriber) and with the estimator.
const bare = openSqlite();
const bareTables = Tables.open({ sql: bare.sql, transactionSync: bare.transactionSync });
bareTables.createTable(FLIGHTS_TABLE);
const bareMs = load(bareTables, "flights", flights);
bare.close();

const db = openSqlite();
const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync });
const wakes = new RecordingWakes();
const estimator = CostEstimator.open({
  sql: db.sql,
  transactionSync: db.transactionSync,
  wake: scopedWake(() => wakes, "estimator"),
  tables,
});
tables.subscribe({
  name: "estimator",
  usesOf: () => [],
  onRowsChanged: (t, c) => estimator.onRowsWritten(t, c),
  onTableDropped: (t) => estimator.onTableDropped(t),
});
tables.createTable(FLIGHTS_TABLE);
tables.createTable(EVENTS_TABLE);
const hookedMs = load(tables, "flights", flights);
load(tables, "events", events);
const tAnalyze = performance.now();
estimator.analyze("flights");
estimator.analyze("events");
const analyzeMs = performance.now() - tAnalyze;
estimator.flush();

const rng = new Rng(4242);
const fp = new TableProfile(db.sql, tables, "flights", "id");
const ep = new TableProfile(db.sql, tables, "events", "id");
const tWork = performance.now();
const workload: Query[] = makeWorkload(
  db.sql,
  tables,
  [fp, ep],
  [
    { left: fp, right: ep, on: ["origin", "origin"] },
    { left: fp, right: fp, on: ["destination", "origin"] },
  ],
  quick ? 300 : 1000,
  quick ? 30 : 60,
  rng,
);
const workMs = performance.now() - tWork;

interface Scored {
  q: Query;
  est: Estimate;
  base: Estimate;
  qe: number;
  qb: number;
}
const scored: Scored[] = workload.map((q) => {
  const est = estimator.estimate(q.request);
  const base = estimator.heuristicEstimate(q.request);
  return { q, est, base, qe: qerror(est.rows, q.truth), qb: qerror(base.rows, q.truth) };
});

// Feedback: a second pass repeats 20% of the queries after their actuals were reported.
const repeated = scored.filter((_, i) => i % 5 === 0);
for (const s of repeated) estimator.recordActual(s.est.fingerprint, s.est.uncorrectedRows, s.q.truth);
const again = repeated.map((s) => qerror(estimator.estimate(s.q.request).rows, s.q.truth));

// Speed: a warm-up pass, then every estimate timed.
for (const q of workload) estimator.estimate(q.request);
const times: number[] = [];
const timesByClass = new Map<string, number[]>();
const perQuery: number[][] = workload.map(() => []);
for (let round = 0; round < 5; round++) {
  workload.forEach((q, i) => {
    const s = performance.now();
    estimator.estimate(q.request);
    const us = (performance.now() - s) * 1000;
    times.push(us);
    perQuery[i]?.push(us);
    const list = timesByClass.get(q.cls) ?? [];
    list.push(us);
    timesByClass.set(q.cls, list);
  });
}
// The machine is shared: a call preempted by another process shows up in every call's p99 but
// not in a query's median of 5 calls; both are shown, the metric is the strict one.
const medians = perQuery.map((ts) => [...ts].sort((a, b) => a - b)[2] ?? 0).sort((a, b) => a - b);
times.sort((a, b) => a - b);

const tHll = performance.now();
const hllError = quick ? hllRelError(2, 50, 1_000_000) : hllRelError(5, 200, 10_000_000);
const hllMs = performance.now() - tHll;

const all = qsummary(scored.map((s) => s.qe));
const baseline = qsummary(scored.map((s) => s.qb));
const row = (name: string, qs: number[], bs?: number[]) => {
  const a = qsummary(qs);
  return {
    class: name,
    n: a.n,
    p50: round(a.p50),
    p90: round(a.p90),
    p99: round(a.p99),
    max: round(a.max, 1),
    "≤2× %": round(a.within2, 1),
    "≤10× %": round(a.within10, 1),
    ...(bs ? { "baseline p90": round(qsummary(bs).p90, 1) } : {}),
  };
};
printTable(
  `data: flights ${flights.length} rows, events ${events.length} rows (read ${round(readMs / 1000, 1)} s); ANALYZE ${round(analyzeMs)} ms; workload ${workload.length} queries (truth ${round(workMs / 1000, 1)} s)`,
  [],
);
printTable("q-error by query class (cold pass, empty feedback)", [
  ...[...groupBy(scored, (s) => s.q.cls)].sort().map(([k, v]) =>
    row(
      k,
      v.map((s) => s.qe),
      v.map((s) => s.qb),
    ),
  ),
  row(
    "ALL",
    scored.map((s) => s.qe),
    scored.map((s) => s.qb),
  ),
]);
printTable(
  "q-error by stage (the method of the estimate)",
  [...groupBy(scored, (s) => s.est.method)].map(([k, v]) =>
    row(
      k,
      v.map((s) => s.qe),
    ),
  ),
);
const covered = scored.filter((s) => s.est.low <= s.q.truth + 1e-9 && s.q.truth <= s.est.high + 1e-9).length;
printTable(
  "[low, high] coverage of the truth",
  [...groupBy(scored, (s) => s.est.method)]
    .map(([k, v]) => ({
      stage: k,
      n: v.length,
      "covered %": round(
        (100 * v.filter((s) => s.est.low <= s.q.truth + 1e-9 && s.q.truth <= s.est.high + 1e-9).length) / v.length,
        1,
      ),
    }))
    .concat([{ stage: "ALL", n: scored.length, "covered %": round((100 * covered) / scored.length, 1) }]),
);
printTable("feedback: 20% of the queries repeated after their actuals were reported", [
  { pass: "cold", ...pick(qsummary(repeated.map((s) => s.qe))) },
  { pass: "with feedback", ...pick(qsummary(again)) },
]);
const hookNsPerRow = ((hookedMs - bareMs) * 1e6) / flights.length;
printTable(
  "estimate() µs by query class (warm)",
  [...timesByClass].sort().map(([cls, ts]) => {
    const sorted = [...ts].sort((a, b) => a - b);
    return { class: cls, p50: round(quantile(sorted, 0.5), 1), p99: round(quantile(sorted, 0.99), 1) };
  }),
);
printTable("speed", [
  {
    what: "estimate() warm, µs",
    p50: round(quantile(times, 0.5), 1),
    p90: round(quantile(times, 0.9), 1),
    p99: round(quantile(times, 0.99), 1),
  },
  {
    what: "estimate() warm, per-query median of 5 calls, µs",
    p50: round(quantile(medians, 0.5), 1),
    p90: round(quantile(medians, 0.9), 1),
    p99: round(quantile(medians, 0.99), 1),
  },
  {
    what: "flights load, ms (bare / with hook)",
    p50: round(bareMs),
    p90: round(hookedMs),
    p99: round(hookNsPerRow, 1),
  },
  { what: "HLL sweep, ms", p50: round(hllMs), p90: 0, p99: 0 },
]);
console.log(
  `\nhook cost: ${round(hookNsPerRow, 1)} ns per row on the 6-column flights table (with-hook load ${round(flights.length / (hookedMs / 1000))} rows/s vs bare ${round(flights.length / (bareMs / 1000))} rows/s, ratio ${round(bareMs / hookedMs, 3)})`,
);
console.log(
  `total ${round((performance.now() - t0) / 1000, 1)} s; load average ${loadavg()
    .map((l) => round(l, 1))
    .join(", ")}`,
);

if (process.argv.includes("--worst")) {
  for (const s of [...scored].sort((a, b) => b.qe - a.qe).slice(0, 30)) {
    console.log(
      round(s.qe, 1),
      s.q.cls,
      s.q.truth,
      round(s.est.rows, 1),
      s.est.method,
      JSON.stringify(s.q.request),
      JSON.stringify(s.est.explain.joins ?? []),
      JSON.stringify(s.est.explain.groupBy ?? {}),
    );
  }
}

function pick(s: ReturnType<typeof qsummary>) {
  return { n: s.n, p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), "≤2× %": round(s.within2, 1) };
}

printMetrics("cost-estimator", quick, {
  qerror_p50: round(all.p50, 3),
  qerror_p90: round(all.p90, 3),
  qerror_p99: round(all.p99, 3),
  within_2x_pct: round(all.within2, 2),
  within_10x_pct: round(all.within10, 2),
  baseline_qerror_p90: round(baseline.p90, 3),
  hll_rel_error_p14: round(hllError, 5),
  estimate_p99_us: round(quantile(times, 0.99), 1),
});
