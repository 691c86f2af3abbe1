/**
 * The adversarial boundary test, per algorithm, through the limiter (persisted): L requests in
 * the last 10 ms of an aligned window and L in the first 10 ms of the next. It reports the most
 * admitted in any real window of length W and the admissions beyond each algorithm's bound.
 * @module
 */
import { ManualClock, runMigrations } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { createRateLimiter, type LimitSpec, RATE_LIMIT_MIGRATIONS } from "@durable/rate-limit";

const L = 1000;
const W = 60_000;

const SPECS: LimitSpec[] = [
  { name: "bucket", algorithm: "tokenBucket", capacity: L, refillPerSecond: L / (W / 1000) },
  { name: "gcra", algorithm: "gcra", limit: L, periodMs: W, burst: L },
  { name: "log", algorithm: "slidingLog", limit: L, windowMs: W },
  { name: "fixed", algorithm: "fixedWindow", limit: L, windowMs: W },
  { name: "counter", algorithm: "slidingWindow", limit: L, windowMs: W },
];

/** Each algorithm's bound on units admitted over a span of `span` ms (inside one window length). */
function boundOf(spec: LimitSpec, span: number): number {
  switch (spec.algorithm) {
    case "tokenBucket":
      return spec.capacity + (spec.refillPerSecond * span) / 1000;
    case "gcra":
      return spec.burst + span / (spec.periodMs / spec.limit);
    case "slidingLog":
      return spec.limit;
    default:
      return 2 * spec.limit;
  }
}

/** One algorithm's outcome. */
export interface BoundaryRow {
  algorithm: string;
  offered: number;
  admitted: number;
  worst_in_window: number;
  factor: number;
  over_bound: number;
}

/** Runs the test for every algorithm. */
export function boundaryTest(): BoundaryRow[] {
  const rows: BoundaryRow[] = [];
  const boundary = Math.ceil(1_800_000_000_000 / W) * W;
  for (const spec of SPECS) {
    const db = openSqlite();
    const clock = new ManualClock(boundary - 20_000);
    // The host runs migrations (DOBase in a DO); the limiter never does.
    runMigrations(db.sql, db.transactionSync, RATE_LIMIT_MIGRATIONS, clock.now());
    const limiter = createRateLimiter(
      { sql: db.sql, transactionSync: db.transactionSync, clock },
      { plans: [{ name: "p", limits: [spec] }], defaultPlan: "p" },
    );
    const times: number[] = [];
    for (let i = 0; i < L; i++) times.push(boundary - 10 + (i * 10) / L);
    for (let i = 0; i < L; i++) times.push(boundary + (i * 10) / L);
    const admitted: number[] = [];
    for (const t of times) {
      clock.set(t);
      if (limiter.limit("adversary").success) admitted.push(t);
    }
    // Worst excess over the bound, and the most admitted, over every window [t_i, t_i + W).
    let worst = 0;
    let over = 0;
    for (let i = 0; i < admitted.length; i++) {
      let count = 0;
      for (let j = i; j < admitted.length && (admitted[j] as number) - (admitted[i] as number) < W; j++) {
        count++;
        const span = (admitted[j] as number) - (admitted[i] as number);
        over = Math.max(over, count - Math.floor(boundOf(spec, span) + 1e-6));
      }
      worst = Math.max(worst, count);
    }
    rows.push({
      algorithm: spec.algorithm,
      offered: times.length,
      admitted: admitted.length,
      worst_in_window: worst,
      factor: worst / L,
      over_bound: Math.max(0, over),
    });
    db.close();
  }
  return rows;
}
