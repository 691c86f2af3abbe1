/**
 * The Node half of the spike: `events` behind `Tables` with the estimator, pre-agg (four
 * rollups) and the router composed as in TenantDO (core's TestHost over better-sqlite3), then
 * Zipf-drawn dashboard requests on a simulated clock (+100 ms each) with a write batch through
 * `Tables.insert` every 50 requests, once with the cache off (baseline) and once on.
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { type EstimatorCapability, estimatorCapability } from "@durable/cost-estimator";
import { preAggCapability } from "@durable/pre-agg";
import { queryRouterCapability, type Routed } from "@durable/query-router";
import { tablesCapability } from "@durable/tables";
import { summarize } from "../lib/stats.ts";
import { EVENTS_TABLE, makeEvents, makeQueries, Rng, ROLLUPS, T0, Zipf } from "./workload.ts";

/**
 * A minor GC before each timed request, when the runtime lets us expose it: the harness's own
 * untimed work (the write batches, the explain peek, the background refreshes between requests)
 * leaves garbage whose collection would otherwise land inside the next timed request. The raw
 * tail without it is reported too.
 */
function exposeGc(): ((o: { type: "minor" | "major" }) => void) | undefined {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as (o: { type: "minor" | "major" }) => void;
  } catch {
    return undefined;
  }
}

/** What one workload run measured. */
export interface RunResult {
  requests: number;
  bySource: Record<string, number>;
  /** Latency of every request, ms. */
  all: number[];
  /** Latency of requests answered from the cache, ms. */
  cached: number[];
  /** Latency of requests answered by a rollup or live, ms. */
  uncached: number[];
  violations: number;
  blocking: number;
  writeMs: number[];
  refreshes: { started: number; skipped: number; failed: number };
}

/** Builds the composed DO and loads the data. */
export async function setup(rows: number) {
  const db = openSqlite();
  const clock = new ManualClock(T0 + rows * 60_000);
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock, tenant: "spike" });
  const tables = host.use(tablesCapability()).tables;
  const estimator: EstimatorCapability = host.use(estimatorCapability());
  const preAgg = host.use(preAggCapability({ costs: () => estimator.estimator })).preAgg;
  const query = host.use(queryRouterCapability());
  await host.start();
  tables.createTable(EVENTS_TABLE);
  for (const r of ROLLUPS) preAgg.createRollup(r);
  await host.fireDueWakes();
  const rng = new Rng(42);
  const t0 = performance.now();
  for (let i = 0; i < rows; i += 5_000) tables.insert("events", makeEvents(rng, i, Math.min(5_000, rows - i)));
  const loadMs = performance.now() - t0;
  await host.fireDueWakes();
  const built = preAgg.rollups().filter((r) => r.status === "built").length;
  const queries = makeQueries(rng, 300, Math.floor(rows / 1_440));
  return { db, clock, host, tables, preAgg, router: query.router, rng, queries, loadMs, built, nextId: rows };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/**
 * Runs `n` requests. `cache: false` is the baseline: nothing is stored, so every request is
 * answered by a rollup or live. Background refreshes run between requests (as a DO runs them
 * after a response), never inside a timed request.
 */
export async function runWorkload(
  s: Setup,
  n: number,
  cache: boolean,
  seed: number,
  isolateGc = true,
): Promise<RunResult> {
  const gc = isolateGc ? exposeGc() : undefined;
  const rng = new Rng(seed);
  const zipf = new Zipf(s.queries.length, 1.1);
  const dataRng = new Rng(seed + 1);
  const out: RunResult = {
    requests: n,
    bySource: {},
    all: [],
    cached: [],
    uncached: [],
    violations: 0,
    blocking: 0,
    writeMs: [],
    refreshes: { started: 0, skipped: 0, failed: 0 },
  };
  const before = s.router.metrics().refreshes;
  for (let i = 0; i < n; i++) {
    s.clock.advance(100);
    if (i > 0 && i % 50 === 0) {
      const t = performance.now();
      s.tables.insert(
        "events",
        makeEvents(dataRng, s.nextId, 20).map((e) => ({ ...e, at: s.clock.now() })),
      );
      out.writeMs.push(performance.now() - t);
      s.nextId += 20;
    }
    const q = s.queries[zipf.sample(rng)];
    // Untimed: was a within-budget entry there? (explain only peeks.)
    const servable = cache
      ? (await s.router.explain(q)).candidates.some((c) => c.source === "cache" && c.verdict !== "rejected")
      : false;
    gc?.({ type: "minor" });
    const t = performance.now();
    const answer: Routed = await s.router.query(q, { freshness: "dashboard", cacheResult: cache });
    const ms = performance.now() - t;
    out.all.push(ms);
    out.bySource[answer.meta.source] = (out.bySource[answer.meta.source] ?? 0) + 1;
    if (answer.meta.source === "cache") out.cached.push(ms);
    else out.uncached.push(ms);
    if (answer.meta.ageMs > answer.meta.budgetMs) out.violations++;
    if (servable && answer.meta.source !== "cache") out.blocking++;
    await s.host.background.settled();
  }
  const after = s.router.metrics().refreshes;
  out.refreshes = {
    started: after.started - before.started,
    skipped: after.skipped - before.skipped,
    failed: after.failed - before.failed,
  };
  out.violations += s.router.metrics().violations;
  return out;
}

/** Percentiles of a run's latencies. */
export function summaries(r: RunResult) {
  return { all: summarize(r.all), cached: summarize(r.cached), uncached: summarize(r.uncached) };
}
