/**
 * Shared setup of the Node tests: a real better-sqlite3 database with the scheduler's tables (the
 * tests run the migrations, as DOBase does in a DO), a fake clock and an in-memory alarm.
 */
import { ManualClock, runMigrations } from "@durable/core";
import { type NodeSqlite, openSqlite } from "@durable/core/node";
import { MemoryAlarm } from "@durable/scheduler/testing";
import { expect } from "vitest";
import {
  createScheduler,
  SCHEDULER_MIGRATIONS,
  type Scheduler,
  type SchedulerConfigInput,
  type SchedulerPorts,
} from "../src/index.ts";

export const T0 = Date.parse("2024-01-01T00:00:00Z");

export interface Rig {
  db: NodeSqlite;
  clock: ManualClock;
  alarm: MemoryAlarm;
  s: Scheduler;
  /** A fresh scheduler on the same database (a new instance after eviction, a crash or a deploy). */
  restart(replaceSetup?: (s: Scheduler) => void): Scheduler;
  /** Fires the alarm as the runtime would: clears it, then runs one pass. */
  fire(): ReturnType<Scheduler["onAlarm"]>;
  /** Passes until nothing is due at the current time (bounded). */
  drain(max?: number): Promise<number>;
  /** Total rows changed in the database so far. */
  changes(): number;
}

export function rig(
  setup: (s: Scheduler) => void = () => {},
  config: SchedulerConfigInput = {},
  extra: Partial<SchedulerPorts> = {},
  start = T0,
): Rig {
  const db = openSqlite();
  const clock = new ManualClock(start);
  runMigrations(db.sql, db.transactionSync, SCHEDULER_MIGRATIONS, clock.now());
  const alarm = new MemoryAlarm();
  const make = (register = setup) => {
    const s = createScheduler(
      { sql: db.sql, transactionSync: db.transactionSync, clock, alarm, random: () => 1, ...extra },
      config,
    );
    register(s);
    return s;
  };
  const r: Rig = {
    db,
    clock,
    alarm,
    s: make(),
    restart(replaceSetup) {
      r.s = make(replaceSetup);
      return r.s;
    },
    fire() {
      alarm.fire();
      return r.s.onAlarm();
    },
    async drain(max = 100) {
      let passes = 0;
      for (; passes < max; passes++) {
        const report = await r.fire();
        if (!report.more) return passes + 1;
      }
      return passes;
    },
    changes: () => db.db.prepare("SELECT total_changes() AS n").pluck().get() as number,
  };
  return r;
}

/** Expects `fn` to throw a PlatformError with `code` (and `status`). */
export function expectCode(fn: () => unknown, code: string, status?: number): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  expect((caught as { code?: string }).code).toBe(code);
  if (status !== undefined) expect((caught as { status?: number }).status).toBe(status);
}

/** Row count of a table. */
export function count(r: Rig, table: string, where = "1 = 1", ...args: (string | number)[]): number {
  return r.db.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, ...args).one().n;
}
