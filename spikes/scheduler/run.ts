/**
 * Spike: does a pass cost depend only on its due rows, and are double deliveries and downtime
 * harmless? In-process, Node adapter (better-sqlite3 with DO SQLite's limits), fake clock.
 * Peer in the same run: a naive scheduler that scans every schedule per alarm.
 * Run: `npm run spike:scheduler` (full) or `npm run spike:scheduler -- --quick`.
 */
import { ManualClock, runMigrations } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { createScheduler, SCHEDULER_MIGRATIONS, type Scheduler } from "@durable/scheduler";
import { MemoryAlarm, nextSlot, normalizeCron, SimulatedCrash, type WhenSpec } from "@durable/scheduler/testing";
import { z } from "zod";
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { median, round, summarize } from "../lib/stats.ts";
import { NaiveScheduler } from "./naive.ts";

const quick = isQuick();
const T = Date.parse("2024-06-01T12:00:00Z");
const MIN = 60_000;
/** Whole-hour zones, so background crons at minute 30-59 never land in the measured window. */
const ZONES = [
  "UTC",
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "Europe/London",
  "Europe/Berlin",
  "Europe/Helsinki",
  "Europe/Moscow",
  "Africa/Lagos",
  "Africa/Johannesburg",
  "Asia/Dubai",
  "Asia/Bangkok",
  "Asia/Shanghai",
  "Asia/Tokyo",
  "Australia/Brisbane",
  "Australia/Sydney",
  "Pacific/Auckland",
  "Pacific/Honolulu",
];

let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

function backgroundCron(): string {
  const minute = 30 + Math.floor(rand() * 30);
  const hour = Math.floor(rand() * 24);
  return pick([
    `${minute} ${hour} * * *`,
    `${minute} ${hour} * * MON-FRI`,
    `${minute} ${hour} 1,15 * *`,
    `${minute} ${hour} 13 * FRI`,
    `${minute} ${hour} 31 * *`,
    `${minute} ${hour} 29 2 *`,
    `${minute} */2 * * *`,
  ]);
}

function makeScheduler(clock: ManualClock) {
  const db = openSqlite();
  // The host runs the migrations (DOBase in a DO); the scheduler never does.
  runMigrations(db.sql, db.transactionSync, SCHEDULER_MIGRATIONS, clock.now());
  const alarm = new MemoryAlarm();
  const s = createScheduler(
    { sql: db.sql, transactionSync: db.transactionSync, clock, alarm, random: () => 0.5 },
    { maxSchedules: 100_000 },
  );
  db.sql.exec("CREATE TABLE t_work (id TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT");
  const work = (key: string): void => {
    db.sql.exec("INSERT INTO t_work (id, n) VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1", key);
  };
  s.handler("work", z.unknown(), (_p, ctx) => {
    work(ctx.key);
  });
  return { db, alarm, s, work };
}

/** Schedules `n` background schedules (60% cron in 20 zones, 30% interval, 10% once), none due in the window. */
function fill(s: Scheduler, tx: <R>(fn: () => R) => R, n: number, naive?: NaiveScheduler): void {
  tx(() => {
    for (let i = 0; i < n; i++) {
      const r = rand();
      let when: Parameters<Scheduler["schedule"]>[0]["when"];
      if (r < 0.6) when = { cron: backgroundCron(), timezone: pick(ZONES) };
      else if (r < 0.9)
        when = {
          everyMs: 3_600_000 * (1 + Math.floor(rand() * 24)),
          startAt: T + 3_600_000 + Math.floor(rand() * 86_400_000),
        };
      else when = { at: T + 86_400_000 + Math.floor(rand() * 86_400_000) };
      const key = `bg-${i}`;
      s.schedule({ key, handler: "work", when });
      if (naive) naive.add(key, toSpec(when));
    }
  });
}

function toSpec(when: Parameters<Scheduler["schedule"]>[0]["when"]): WhenSpec {
  if ("cron" in when) return { kind: "cron", cron: normalizeCron(when.cron), timezone: when.timezone ?? "UTC" };
  if ("everyMs" in when) return { kind: "interval", everyMs: when.everyMs, startAt: when.startAt ?? T };
  return { kind: "once", at: Number("at" in when ? when.at : 0) };
}

// ---- 1. next-run cost on a corpus of hard expressions ------------------------------------
function nextRunCost(): { p50: number; p99: number; max: number; n: number } {
  const hard = [
    "0 0 29 2 *",
    "0 12 31 * *",
    "0 9 13 * FRI",
    "0 0 * * *",
    "30 2 * * *",
    "30 1 * * *",
    "*/7 3-5 * * 1-5",
    "0 0 1 1 *",
    "15 */3 1,15,31 * SUN",
    "*/10 * * * * *",
    "0 0 31 2,4,6,9,11 MON",
    // Fixed hours in a list: the wall-clock path (first instant at or after each local time).
    "30 1,13 * * *",
    "0 15,45 2-3 * * *",
  ];
  const zones = [
    "UTC",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kathmandu",
    "Pacific/Chatham",
  ];
  const froms = [
    Date.parse("2024-03-09T12:00:00Z"),
    Date.parse("2024-11-02T12:00:00Z"),
    Date.parse("2024-02-28T23:59:30Z"),
    Date.parse("2025-12-31T23:59:59Z"),
  ];
  const samples: number[] = [];
  const reps = quick ? 3 : 10;
  for (let rep = 0; rep < reps; rep++) {
    for (const e of hard) {
      for (const timezone of zones) {
        const spec: WhenSpec = { kind: "cron", cron: normalizeCron(e), timezone };
        for (const from of froms) {
          let t: number | null = from;
          for (let k = 0; k < 5 && t !== null; k++) {
            const start = performance.now();
            t = nextSlot(spec, t);
            samples.push((performance.now() - start) * 1000);
          }
        }
      }
    }
  }
  const s = summarize(samples);
  return { p50: round(s.p50), p99: round(s.p99), max: round(s.max), n: s.n };
}

// ---- 2. creation cost with 10k existing --------------------------------------------------
function createCost(): { p50: number; p95: number } {
  const clock = new ManualClock(T);
  const { db, s } = makeScheduler(clock);
  fill(s, db.transactionSync, 10_000);
  const samples: number[] = [];
  for (let i = 0; i < (quick ? 300 : 1_000); i++) {
    const start = performance.now();
    s.schedule({ key: `new-${i}`, handler: "work", when: { cron: backgroundCron(), timezone: pick(ZONES) } });
    samples.push((performance.now() - start) * 1000);
  }
  const sum = summarize(samples);
  db.close();
  return { p50: round(sum.p50), p95: round(sum.p95) };
}

// ---- 3. 10k due rows in passes of 100 ----------------------------------------------------
async function pass10k(): Promise<{ ms: number; passes: number }> {
  const clock = new ManualClock(T);
  const { db, s, alarm } = makeScheduler(clock);
  db.transactionSync(() => {
    for (let i = 0; i < 10_000; i++)
      s.schedule({ key: `due-${i}`, handler: "work", when: { everyMs: 3_600_000, startAt: T + MIN } });
  });
  clock.set(T + MIN);
  const start = performance.now();
  let passes = 0;
  for (;;) {
    alarm.fire();
    const r = await s.onAlarm();
    passes++;
    if (!r.more) break;
  }
  const ms = performance.now() - start;
  const ran = db.sql.exec<{ n: number }>("SELECT count(*) AS n FROM t_work").one().n;
  if (ran !== 10_000) throw new Error(`expected 10000 runs, got ${ran}`);
  db.close();
  return { ms: round(ms), passes };
}

// ---- 4. one 100-due pass at 1k vs 100k schedules, ours and the naive peer ----------------
interface PassRig {
  clock: ManualClock;
  alarm: MemoryAlarm;
  s: Scheduler;
  naive: NaiveScheduler;
  close(): void;
}

function passRig(total: number): PassRig {
  const clock = new ManualClock(T);
  const { db, s, alarm, work } = makeScheduler(clock);
  const naive = new NaiveScheduler(db.sql, db.transactionSync, clock, (id, slot) => work(`${id}:${slot}`));
  fill(s, db.transactionSync, total - 100, naive);
  db.transactionSync(() => {
    for (let i = 0; i < 100; i++) {
      const when = { everyMs: MIN, startAt: T + MIN };
      s.schedule({ key: `hot-${i}`, handler: "work", when });
      naive.add(`hot-${i}`, toSpec(when));
    }
  });
  return { clock, alarm, s, naive, close: () => db.close() };
}

/** Alternates passes on both sizes (so machine load hits both alike) and returns median ms. */
async function passCost(small: number, big: number): Promise<Record<"small" | "big", { ours: number; naive: number }>> {
  const rigs = { small: passRig(small), big: passRig(big) };
  const samples = {
    small: { ours: [] as number[], naive: [] as number[] },
    big: { ours: [] as number[], naive: [] as number[] },
  };
  const reps = quick ? 10 : 30;
  for (let rep = 1; rep <= reps; rep++) {
    for (const size of ["small", "big"] as const) {
      const r = rigs[size];
      r.clock.set(T + rep * MIN);
      r.alarm.fire();
      let start = performance.now();
      const report = await r.s.onAlarm();
      const ours = performance.now() - start;
      if (report.ran !== 100) throw new Error(`ours ran ${report.ran} (${size})`);
      start = performance.now();
      const n = r.naive.pass(100);
      const naive = performance.now() - start;
      if (n !== 100) throw new Error(`naive ran ${n} (${size})`);
      if (rep > 2) {
        samples[size].ours.push(ours);
        samples[size].naive.push(naive);
      }
    }
  }
  rigs.small.close();
  rigs.big.close();
  const med = (x: { ours: number[]; naive: number[] }) => ({ ours: median(x.ours), naive: median(x.naive) });
  return { small: med(samples.small), big: med(samples.big) };
}

// ---- 5. double delivery and crash injection on 1,000 runs ---------------------------------
async function duplicates(): Promise<{ dup: number; lost: number; crashes: number; redeliveries: number }> {
  const clock = new ManualClock(T);
  const db = openSqlite();
  runMigrations(db.sql, db.transactionSync, SCHEDULER_MIGRATIONS, clock.now());
  const alarm = new MemoryAlarm();
  db.sql.exec("CREATE TABLE t_effects (key TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT");
  let crashes = 0;
  let redeliveries = 0;
  let calls = 0;
  const make = () => {
    const s = createScheduler({
      sql: db.sql,
      transactionSync: db.transactionSync,
      clock,
      alarm,
      faults: {
        beforeDone: () => {
          if (++calls % 7 === 0) {
            crashes++;
            throw new SimulatedCrash("before done marker");
          }
        },
      },
    });
    s.handler("effect", z.unknown(), (_p, ctx) => {
      db.sql.exec(
        "INSERT INTO t_effects (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1",
        ctx.idempotencyKey,
      );
    });
    return s;
  };
  let s = make();
  db.transactionSync(() => {
    for (let i = 0; i < 1_000; i++)
      s.schedule({ key: `o-${i}`, handler: "effect", when: { at: T + (i % 50) * 1_000 } });
  });
  for (let step = 0; step < 400; step++) {
    clock.set(T + Math.min(step, 60) * 1_000);
    try {
      alarm.fire();
      await s.onAlarm();
      await s.onAlarm(); // the same alarm delivered twice
      const done = db.sql.exec<{ key: string }>("SELECT key FROM t_effects ORDER BY random() LIMIT 3").toArray();
      for (const d of done) {
        // a stale queue row for a slot that already ran (redelivery)
        const [scheduleId, slot] = d.key.split(":");
        const spec = {
          origin: "schedule",
          action: "handler",
          scheduleId,
          scheduleKey: "x",
          slot: Number(slot),
          version: 1,
          handler: "effect",
          payload: "null",
          inflight: false,
        };
        db.sql.exec(
          "INSERT OR IGNORE INTO sched_queue (due_at, kind, ref, data) VALUES (?, 'run', ?, ?)",
          clock.now(),
          d.key,
          JSON.stringify(spec),
        );
        redeliveries++;
      }
    } catch (err) {
      if (!(err instanceof SimulatedCrash)) throw err;
      s = make();
      await s.start();
    }
    if (db.sql.exec("SELECT 1 FROM sched_queue LIMIT 1").toArray().length === 0) break;
  }
  const rows = db.sql.exec<{ n: number }>("SELECT n FROM t_effects").toArray();
  const dup = rows.reduce((acc, r) => acc + (r.n - 1), 0);
  db.close();
  return { dup, lost: 1_000 - rows.length, crashes, redeliveries };
}

// ---- 6. 3 h outage with catchUp (1 h window) ----------------------------------------------
async function outage(): Promise<{ expected: number; ran: number; notRun: number; extra: number }> {
  const clock = new ManualClock(T);
  const { db, s, alarm } = makeScheduler(clock);
  const specs: { key: string; spec: WhenSpec }[] = [];
  for (let i = 0; i < 200; i++) {
    const key = `c-${i}`;
    const cron = pick(["*/5 * * * *", "*/10 * * * *", "7,37 * * * *", "*/15 * * * *", "*/30 * * * * *"]);
    const timezone = pick(ZONES);
    const when = i % 3 === 0 ? { everyMs: 60_000 * (1 + (i % 13)), startAt: T + 1_000 * i } : { cron, timezone };
    s.schedule({ key, handler: "work", when, missed: { catchUp: { windowMs: 3_600_000 } } });
    specs.push({ key, spec: toSpec(when) });
  }
  const end = T + 3 * 3_600_000 + 7 * MIN;
  clock.set(end);
  for (let i = 0; i < 10_000; i++) {
    alarm.fire();
    const r = await s.onAlarm();
    if (!r.more) break;
  }
  const ranByKey = new Map(
    db.sql
      .exec<{ id: string; n: number }>("SELECT id, n FROM t_work")
      .toArray()
      .map((r) => [r.id, r.n]),
  );
  void ranByKey;
  const runs = db.sql
    .exec<{ schedule_id: string; scheduled_at: number; status: string }>(
      "SELECT schedule_id, scheduled_at, status FROM sched_runs WHERE status = 'succeeded'",
    )
    .toArray();
  const idByKey = new Map(s.list({ limit: 100 }).items.map((x) => [x.key, x.id]));
  let cursor = s.list({ limit: 100 }).cursor;
  while (cursor) {
    const page = s.list({ limit: 100, cursor });
    for (const x of page.items) idByKey.set(x.key, x.id);
    cursor = page.cursor;
  }
  const ranSet = new Set(runs.map((r) => `${r.schedule_id}:${r.scheduled_at}`));
  let expected = 0;
  let notRun = 0;
  for (const { key, spec } of specs) {
    let t = nextSlot(spec, end - 3_600_000 - 1);
    while (t !== null && t <= end) {
      expected++;
      if (!ranSet.has(`${idByKey.get(key)}:${t}`)) notRun++;
      t = nextSlot(spec, t);
    }
  }
  db.close();
  return { expected, ran: runs.length, notRun, extra: runs.length - (expected - notRun) };
}

const next = nextRunCost();
const create = createCost();
const p10k = await pass10k();
const { small, big } = await passCost(1_000, quick ? 20_000 : 100_000);
const dup = await duplicates();
const down = await outage();

printTable("next-slot computation (croner 11, hard expressions x 7 zones x DST/leap dates), µs", [
  { samples: next.n, p50: next.p50, p99: next.p99, max: next.max, target_p99: "≤ 1000" },
]);
printTable("creation with 10k existing, µs", [{ p50: create.p50, p95: create.p95 }]);
printTable("10k due rows, passes of 100", [
  { total_ms: p10k.ms, passes: p10k.passes, per_pass_ms: round(p10k.ms / p10k.passes), target_ms: "≤ 1000" },
]);
const bigLabel = quick ? "20k (quick)" : "100k";
printTable("one 100-due pass (median ms): queue index vs naive full scan", [
  { schedules: "1k", ours_ms: round(small.ours, 3), naive_ms: round(small.naive, 3) },
  { schedules: bigLabel, ours_ms: round(big.ours, 3), naive_ms: round(big.naive, 3) },
  {
    schedules: `ratio ${bigLabel}/1k`,
    ours_ms: round(big.ours / small.ours),
    naive_ms: round(big.naive / small.naive),
  },
]);
printTable("1,000 runs with double delivery and crash injection", [
  { duplicate_side_effects: dup.dup, lost: dup.lost, crashes: dup.crashes, stale_redeliveries: dup.redeliveries },
]);
printTable("3 h outage, 200 schedules, catchUp window 1 h", [
  { slots_in_window: down.expected, not_run: down.notRun, runs_total: down.ran, runs_outside_window: down.extra },
]);

printMetrics("scheduler", quick, {
  next_run_p99_us: next.p99,
  create_p95_us: create.p95,
  alarm_pass_10k_ms: p10k.ms,
  pass_cost_ratio_100k_vs_1k: round(big.ours / small.ours),
  naive_pass_cost_ratio_100k_vs_1k: round(big.naive / small.naive),
  duplicate_side_effects: dup.dup,
  missed_runs_with_catchup: down.notRun,
});
