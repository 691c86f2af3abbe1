/**
 * Spike `query-router`: is routing plus cache lookup under 0.5 ms p99 with ≥ 70 % dashboard
 * hits, no over-budget answer and no blocked request, and does a 10-target fan-out cost no more
 * than 1.2× its slowest call?
 * Node: `events` (200,000 rows, quick 20,000, seed 42) behind Tables with the estimator, pre-agg
 * (4 rollups) and the router composed as in TenantDO; 300 dashboard queries drawn Zipf(1.1) for
 * 20,000 requests (quick 2,000) on a simulated clock (+100 ms each), a write batch through
 * `Tables.insert` every 50 requests; baseline: the same workload with the cache off.
 * workerd (wrangler dev, 127.0.0.1): fan-out to 10 shard DOs answering after 5 + i ms and one
 * after 40 ms, 200 rounds (quick 30), against 10 sequential calls and each target alone.
 * Run: npm run spike:query-router [-- --quick]
 */
import { loadavg } from "node:os";
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { median, round, summarize } from "../lib/stats.ts";
import { startDev } from "../lib/wrangler-dev.ts";
import { runWorkload, setup, summaries } from "./node-part.ts";
import { DELAYS, runWorkerd } from "./workerd-part.ts";

const quick = isQuick();
const started = performance.now();
const rows = quick ? 20_000 : 200_000;
const requests = quick ? 2_000 : 20_000;
// The baseline (cache off) replays the first part of the same request sequence: every request
// computes, and live GROUP BYs over 200,000 rows would take the run past its time budget.
const baselineRequests = quick ? 600 : 5_000;
const rounds = quick ? 30 : 200;

// wrangler dev starts while Node loads the data.
const devPromise = startDev({ config: "spikes/query-router/fixture/wrangler.toml" });
const s = await setup(rows);
const off = await runWorkload(s, baselineRequests, false, 7);
const on = await runWorkload(s, requests, true, 7);
const raw = quick ? undefined : await runWorkload(s, 5_000, true, 8, false);
const nodeMs = performance.now() - started;

const dev = await devPromise;
let w: Awaited<ReturnType<typeof runWorkerd>>;
try {
  w = await runWorkerd(dev, rounds);
} finally {
  await dev.stop();
}

const on$ = summaries(on);
const off$ = summaries(off);
const hitRate = (on.bySource.cache ?? 0) / on.requests;
const fan = summarize(w.fanout);
const seq = summarize(w.sequential);
const singles = w.single.map((xs) => summarize(xs));
const slowest = Math.max(...singles.map((x) => x.p50));

printTable(`Node: ${rows} events, ${requests} requests (cache on) / ${baselineRequests} (cache off), ms`, [
  {
    run: "cache on: all",
    n: on$.all.n,
    p50: round(on$.all.p50, 3),
    p95: round(on$.all.p95, 3),
    p99: round(on$.all.p99, 3),
  },
  {
    run: "cache on: cached",
    n: on$.cached.n,
    p50: round(on$.cached.p50, 3),
    p95: round(on$.cached.p95, 3),
    p99: round(on$.cached.p99, 3),
  },
  {
    run: "cache on: uncached",
    n: on$.uncached.n,
    p50: round(on$.uncached.p50, 3),
    p95: round(on$.uncached.p95, 3),
    p99: round(on$.uncached.p99, 3),
  },
  {
    run: "cache off (baseline)",
    n: off$.all.n,
    p50: round(off$.all.p50, 3),
    p95: round(off$.all.p95, 3),
    p99: round(off$.all.p99, 3),
  },
  ...(raw
    ? [
        {
          run: "cache on, no GC isolation: cached",
          n: summaries(raw).cached.n,
          p50: round(summaries(raw).cached.p50, 3),
          p95: round(summaries(raw).cached.p95, 3),
          p99: round(summaries(raw).cached.p99, 3),
        },
      ]
    : []),
]);
printTable("Node: answers by source and refreshes", [
  { run: "cache on", ...on.bySource, ...on.refreshes, blocking: on.blocking, violations: on.violations },
  { run: "cache off", ...off.bySource, ...off.refreshes, blocking: off.blocking, violations: off.violations },
]);
printTable("Node: setup", [
  {
    rows,
    load_ms: round(s.loadMs, 0),
    rows_per_s: round(rows / (s.loadMs / 1000), 0),
    rollups_built: s.built,
    write_batch_p50_ms: round(median(on.writeMs), 3),
    speedup_cached_vs_off_p50: round(off$.all.p50 / on$.cached.p50, 1),
  },
]);
printTable(`workerd: ${rounds} rounds, ms (inside the coordinator DO)`, [
  { call: "fan-out (10, merged)", p50: round(fan.p50, 2), p95: round(fan.p95, 2), p99: round(fan.p99, 2) },
  { call: "10 sequential", p50: round(seq.p50, 2), p95: round(seq.p95, 2), p99: round(seq.p99, 2) },
  ...singles.map((x, i) => ({
    call: `alone: target ${i} (${DELAYS[i]} ms)`,
    p50: round(x.p50, 2),
    p95: round(x.p95, 2),
    p99: round(x.p99, 2),
  })),
  {
    call: `dead 11th target, 200 ms timeout, partial (${w.deadCoverage})`,
    p50: round(median(w.dead), 2),
    p95: round(summarize(w.dead).p95, 2),
    p99: round(summarize(w.dead).p99, 2),
  },
]);
console.log(
  `\nloadavg ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}; Node part ${round(nodeMs / 1000, 1)} s; total ${round((performance.now() - started) / 1000, 1)} s`,
);

printMetrics("query-router", quick, {
  cached_p50_ms: round(on$.cached.p50, 4),
  cache_overhead_us: round(on$.cached.p99 * 1000, 1),
  fanout_10_p50_ms: round(fan.p50, 2),
  fanout_vs_slowest_ratio: round(fan.p50 / slowest, 3),
  blocking_refreshes: on.blocking,
  dashboard_hit_rate: round(hitRate, 4),
  staleness_violations: on.violations + off.violations,
});
