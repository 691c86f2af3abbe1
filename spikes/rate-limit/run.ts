/**
 * Spike `rate-limit`: how many persisted decisions per second does one limiter make in-process,
 * and how exact is it? Ours (token bucket through `limitBatch`, 100 checks per call) against,
 * in the same run: the SQL sliding-log snippet, the bare UPSERT ceiling and a Map-only bucket;
 * p99 of one `limit()` inside an open transaction; the adversarial window-boundary test per
 * algorithm; and the HTTP check route through `wrangler dev` on 127.0.0.1.
 * Run: npm run spike:rate-limit [-- --quick] [-- --no-http]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { median, round, summarize } from "../lib/stats.ts";
import { boundaryTest } from "./boundary.ts";
import { httpPart } from "./http.ts";
import {
  BATCH,
  KEY_NAMES,
  openCeiling,
  openOurs,
  Reference,
  runCeiling,
  runMapBucket,
  runOurs,
  SqlLog,
  timeOf,
} from "./in-process.ts";
import { Stream } from "./workload.ts";

const quick = isQuick();
const noHttp = process.argv.includes("--no-http");
const P = quick
  ? { warmSec: 10, reps: 3, n: 50_000, logWarmSec: 10, logN: 5_000, mapN: 1_000_000, p99N: 5_000, httpN: 200 }
  : { warmSec: 70, reps: 5, n: 200_000, logWarmSec: 70, logN: 20_000, mapN: 5_000_000, p99N: 20_000, httpN: 2_000 };
const ARRIVALS_PER_SEC = 1000 / 0.003;
const dir = mkdtempSync(join(tmpdir(), "spike-rate-limit-"));
const perSec = (n: number, ms: number) => (n / ms) * 1000;

try {
  // --- Setup (not timed): warm state by the exact reference, bulk-load it. ---
  const stream = new Stream(KEY_NAMES.length);
  const ref = new Reference();
  const warmN = Math.round(P.warmSec * ARRIVALS_PER_SEC);
  for (let done = 0; done < warmN; ) {
    const n = Math.min(1_000_000, warmN - done);
    ref.warm(stream.take(n), done);
    done += n;
  }
  const ours = openOurs(join(dir, "ours.sqlite"), ref);
  const ceiling = openCeiling(join(dir, "ceiling.sqlite"), ref);

  const logStream = new Stream(KEY_NAMES.length);
  const log = new SqlLog(join(dir, "log.sqlite"));
  const logWarmN = Math.round(P.logWarmSec * ARRIVALS_PER_SEC);
  const logRows = log.warm(logStream.take(logWarmN), 0);

  // --- Timed reps, alternating which of ours/ceiling goes first. ---
  const oursRates: number[] = [];
  const ceilRates: number[] = [];
  const logRates: number[] = [];
  const mapRates: number[] = [];
  let mismatches = 0;
  let admittedOurs = 0;
  let rowsPerTxn = 0;
  let logAdmitted = 0;
  let logMismatches = 0;
  for (let rep = 0; rep < P.reps; rep++) {
    const start = stream.position;
    const keys = stream.take(P.n);
    const batches: { key: string }[][] = [];
    for (let b = 0; b < keys.length; b += BATCH) {
      batches.push(Array.from(keys.subarray(b, b + BATCH), (k) => ({ key: KEY_NAMES[k] as string })));
    }
    const expected = ref.run(keys, start);
    const runA = () => runOurs(ours, batches, start);
    const runB = () => runCeiling(ceiling, expected.rows);
    let a: ReturnType<typeof runOurs>;
    let cMs: number;
    if (rep % 2 === 0) {
      a = runA();
      cMs = runB();
    } else {
      cMs = runB();
      a = runA();
    }
    for (let i = 0; i < keys.length; i++) {
      if (a.admitted[i] !== expected.admitted[i]) mismatches++;
      admittedOurs += a.admitted[i] as number;
    }
    rowsPerTxn += expected.rows.reduce((s, r) => s + r.keys.length, 0) / expected.rows.length;
    oursRates.push(perSec(P.n, a.ms));
    ceilRates.push(perSec(P.n, cMs));

    const logStart = logStream.position;
    const l = log.run(logStream.take(P.logN), logStart);
    logRates.push(perSec(P.logN, l.ms));
    logAdmitted += l.admitted;
    logMismatches += l.mismatches;
  }
  if (mismatches > 0 || logMismatches > 0) {
    throw new Error(`decisions differ from the exact reference: ours ${mismatches}, SQL log ${logMismatches}`);
  }

  const mapStream = new Stream(KEY_NAMES.length);
  const mapKeys = mapStream.take(P.mapN);
  const map = new Map<string, { tokens: number; last: number }>();
  runMapBucket(mapKeys, 0, map);
  for (let rep = 0; rep < P.reps; rep++) mapRates.push(perSec(P.mapN, runMapBucket(mapKeys, (rep + 1) * P.mapN, map)));

  // --- p99 of one limit() inside an open transaction (the DO output gate coalesces writes). ---
  const samplesUs: number[] = [];
  const p99Keys = stream.take(P.p99N);
  const p99Start = stream.position - P.p99N;
  for (let b = 0; b < p99Keys.length; b += BATCH) {
    ours.db.transactionSync(() => {
      for (let i = b; i < Math.min(p99Keys.length, b + BATCH); i++) {
        ours.clock.set(timeOf(p99Start + i));
        const key = KEY_NAMES[p99Keys[i] as number] as string;
        const t0 = process.hrtime.bigint();
        ours.limiter.limit(key);
        samplesUs.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    });
  }
  const p99 = summarize(samplesUs);
  ours.db.close();
  ceiling.close();
  log.db.close();

  const boundary = boundaryTest();
  const http = noHttp ? undefined : await httpPart(P.httpN);

  const oursMed = median(oursRates);
  const ceilMed = median(ceilRates);
  const logMed = median(logRates);
  const mapMed = median(mapRates);
  printTable(`rate-limit, in-process (${quick ? "quick" : "full"}; ${P.reps} reps; medians, min–max)`, [
    {
      contender: "ours: token bucket via limitBatch (100/txn)",
      decisions_per_s: Math.round(oursMed),
      range: `${Math.round(Math.min(...oursRates))}–${Math.round(Math.max(...oursRates))}`,
      per_decision_us: round(1e6 / oursMed, 2),
      note: `${P.reps}×${P.n}; admitted ${round(admittedOurs / (P.reps * P.n), 4)}; ${round(rowsPerTxn / P.reps, 1)} rows/txn; 0 mismatches`,
    },
    {
      contender: "bare UPSERT ceiling (same rows, same txns)",
      decisions_per_s: Math.round(ceilMed),
      range: `${Math.round(Math.min(...ceilRates))}–${Math.round(Math.max(...ceilRates))}`,
      per_decision_us: round(1e6 / ceilMed, 2),
      note: "no algorithm, no cache",
    },
    {
      contender: "SQL sliding log (DELETE+COUNT+INSERT, 100/txn)",
      decisions_per_s: Math.round(logMed),
      range: `${Math.round(Math.min(...logRates))}–${Math.round(Math.max(...logRates))}`,
      per_decision_us: round(1e6 / logMed, 2),
      note: `${P.reps}×${P.logN}; ${logRows} rows warm; admitted ${round(logAdmitted / (P.reps * P.logN), 4)}; 0 mismatches`,
    },
    {
      contender: "Map-only bucket (memory ceiling)",
      decisions_per_s: Math.round(mapMed),
      range: `${Math.round(Math.min(...mapRates))}–${Math.round(Math.max(...mapRates))}`,
      per_decision_us: round(1e6 / mapMed, 3),
      note: `${P.reps}×${P.mapN}; not persisted`,
    },
  ]);
  printTable("one limit() inside an open transaction (µs)", [
    { n: p99.n, p50: round(p99.p50, 2), p95: round(p99.p95, 2), p99: round(p99.p99, 2), max: round(p99.max, 1) },
  ]);
  printTable(
    "adversarial boundary: L=1000 in the last 10 ms of a 60 s window, L in the first 10 ms of the next",
    boundary.map((b) => ({ ...b, factor: round(b.factor, 3) })),
  );
  if (http) {
    printTable(`HTTP via wrangler dev, ${P.httpN} sequential requests (ms)`, [
      {
        route: "POST /v1/tenants/:t/rate-limit/check",
        p50: round(http.check.p50, 3),
        p95: round(http.check.p95, 3),
        p99: round(http.check.p99, 3),
      },
      {
        route: "GET /health (baseline)",
        p50: round(http.health.p50, 3),
        p95: round(http.health.p95, 3),
        p99: round(http.health.p99, 3),
      },
    ]);
  }
  const over = boundary
    .filter((b) => ["tokenBucket", "gcra", "slidingLog"].includes(b.algorithm))
    .reduce((s, b) => s + b.over_bound, 0);
  const fixed = boundary.find((b) => b.algorithm === "fixedWindow");
  printMetrics("rate-limit", quick, {
    decisions_per_s: Math.round(oursMed),
    ratio_vs_sql_log: round(oursMed / logMed, 2),
    ratio_to_write_ceiling: round(oursMed / ceilMed, 3),
    memory_ceiling_per_s: Math.round(mapMed),
    p99_us: round(p99.p99, 2),
    over_admission: over,
    fixed_window_boundary_factor: round(fixed?.factor ?? Number.NaN, 3),
    http_p50_ms: http ? round(http.check.p50, 3) : "not run (--no-http)",
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
