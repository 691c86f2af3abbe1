/**
 * Spike: what does a consistent global checkpoint cost, and how close is a local one to raw
 * SQLite? Account DOs on DOBase with the checkpoint capability under `wrangler dev`
 * (spikes/checkpoint/wrangler.toml). Run: npm run spike:checkpoint [-- --quick]
 * @module
 */
import { loadavg } from "node:os";
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { round } from "../lib/stats.ts";
import { startSpikeWorker } from "./client.ts";
import { globalRun } from "./global.ts";
import { restoreRun, throughputRun } from "./throughput.ts";

const quick = isQuick();
const plan = quick
  ? { epochs5: 5, epochs10: 3, idle: 2, tputRounds: 2, restoreRounds: 7 }
  : { epochs5: 40, epochs10: 30, idle: 10, tputRounds: 9, restoreRounds: 41 };
const started = performance.now();
const run = Date.now().toString(36);

const phases: string[] = [];
let mark = started;
const phase = (name: string) => {
  phases.push(`${name} ${round((performance.now() - mark) / 1000, 1)} s`);
  mark = performance.now();
};

const { dev, call } = await startSpikeWorker();
phase("wrangler dev");
try {
  const g5 = await globalRun(call, `g5-${run}`, 5, plan.epochs5, plan.idle);
  phase("5 DOs");
  const g10 = await globalRun(call, `g10-${run}`, 10, plan.epochs10, plan.idle);
  phase("10 DOs");
  printTable("Global checkpoints: trigger → committed manifest (ms, in the coordinator), transfers running", [
    ...[g5, g10].map((g) => ({
      DOs: g.participants,
      epochs: g.epochs,
      completed: g.completed,
      aborted: g.aborted,
      p50_ms: g.p50,
      p95_ms: g.p95,
      max_ms: g.max,
      idle_p50_ms: g.idleP50,
      transfers: g.transfers,
      epochs_checked: g.checkedEpochs,
      violations: g.violations,
      recovered_total: `${g.recoveredTotal} / ${g.expectedTotal}`,
    })),
  ]);

  const t = await throughputRun(call, `tput-${run}`, 8, plan.tputRounds);
  printTable(
    `Local checkpoint vs ceilings: ${round(t.rawBytes / 1e6, 2)} MB of NDJSON, median of ${t.rounds} rounds, alternating order`,
    [
      {
        path: `checkpoint (capture + gzip + SHA-256 + ${t.location} commit)`,
        ms: t.checkpointMs,
        mb_per_s: round(t.checkpointMbPerS, 1),
        stored_mb: round(t.storedBytes / 1e6, 2),
      },
      {
        path: "raw: 1 MiB blobs, one transactionSync",
        ms: t.rawMs,
        mb_per_s: round(t.rawMbPerS, 1),
        stored_mb: round(t.rawBytes / 1e6, 2),
      },
      {
        path: "gzip alone (CompressionStream)",
        ms: t.gzipMs,
        mb_per_s: round(t.gzipMbPerS, 1),
        stored_mb: round(t.gzipBytes / 1e6, 2),
      },
    ],
  );

  phase("throughput");
  const r = await restoreRun(call, `rst-${run}`, 1, plan.restoreRounds);
  printTable("Restore of a 1 MiB state (verify + decode + swap, ms, in the DO)", [
    {
      raw_mb: round(r.rawBytes / 1e6, 2),
      stored_kb: round(r.storedBytes / 1024, 1),
      chunks: r.chunks,
      rounds: r.rounds,
      p50_ms: r.p50,
      p95_ms: r.p95,
      max_ms: r.max,
      floor_reinsert_p50_ms: r.reinsertP50,
    },
  ]);

  phase("restore");
  console.log(
    `\ntotal ${round((performance.now() - started) / 1000, 1)} s (${phases.join(", ")}); load average ${loadavg()
      .map((l) => round(l, 2))
      .join(" ")}`,
  );
  printMetrics("checkpoint", quick, {
    global_5do_p50_ms: g5.p50,
    global_10do_p50_ms: g10.p50,
    restore_1mb_ms: r.p50,
    snapshot_mb_per_s: round(t.checkpointMbPerS, 1),
    ratio_to_codec_ceiling: round(t.checkpointMbPerS / t.gzipMbPerS, 3),
    ratio_to_raw_sqlite_write: round(t.checkpointMbPerS / t.rawMbPerS, 3),
    consistency_violations: g5.violations + g10.violations,
  });
} finally {
  await dev.stop();
}
