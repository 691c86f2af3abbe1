/**
 * The queue and the alarm: the alarm always equals the earliest row (after each mutation and
 * each pass, also after a throw), early alarms run nothing, failures stay isolated, a fresh
 * instance fires the same rows, the clock going back does not shift slots, and a vanished
 * handler becomes a HANDLER_MISSING dead letter. Does not cover policies (policies.test.ts).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Scheduler } from "../src/index.ts";
import { count, rig, T0 } from "./helpers.ts";

function recorder() {
  const calls: { name: string; t: number; key: string; attempt: number }[] = [];
  const setup = (s: Scheduler) => {
    for (const name of ["a", "b", "c"]) {
      s.handler(name, z.unknown(), (_p, ctx) => {
        calls.push({ name, t: ctx.scheduledTime, key: ctx.idempotencyKey, attempt: ctx.attempt });
      });
    }
    s.handler("boom", z.unknown(), (_p, ctx) => {
      calls.push({ name: "boom", t: ctx.scheduledTime, key: ctx.idempotencyKey, attempt: ctx.attempt });
      throw new Error("boom");
    });
  };
  return { calls, setup };
}

describe("alarm = earliest row", () => {
  it("+60 s, +10 s, +120 s → +10 s; cancelling all → none", async () => {
    const { setup } = recorder();
    const r = rig(setup);
    const ids = [60_000, 10_000, 120_000].map(
      (d, i) => r.s.schedule({ key: `k${i}`, handler: "a", when: { delayMs: d } }).schedule.id,
    );
    await r.s.settle();
    expect(r.alarm.at).toBe(T0 + 10_000);
    r.s.cancel(ids[1] as string);
    await r.s.settle();
    expect(r.alarm.at).toBe(T0 + 60_000);
    r.s.cancel(ids[0] as string);
    r.s.cancel(ids[2] as string);
    await r.s.settle();
    expect(r.alarm.at).toBeNull();
  });

  it("an early alarm runs nothing and re-arms", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "k", handler: "a", when: { delayMs: 30_000 } });
    r.clock.advance(29_999);
    const report = await r.fire();
    expect(report.early).toBe(true);
    expect(calls).toHaveLength(0);
    expect(r.alarm.at).toBe(T0 + 30_000);
    r.clock.advance(1);
    await r.fire();
    expect(calls).toHaveLength(1);
    expect(r.alarm.at).toBeNull();
  });

  it("three due rows, the middle handler throws: the other two run, a retry row exists, the alarm is re-armed", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "1", handler: "a", when: { delayMs: 1_000 } });
    r.s.schedule({ key: "2", handler: "boom", when: { delayMs: 2_000 } });
    r.s.schedule({ key: "3", handler: "c", when: { delayMs: 3_000 } });
    r.clock.advance(5_000);
    const report = await r.fire();
    expect(calls.map((c) => c.name)).toEqual(["a", "boom", "c"]);
    expect(report.retried).toBe(1);
    expect(count(r, "sched_queue", "kind = 'run'")).toBe(1);
    // random() = 1 in the rig: the first retry waits the full initial delay, 1 s.
    expect(r.alarm.at).toBe(T0 + 5_000 + 1_000);
  });

  it("the alarm is re-armed even when the pass itself throws", async () => {
    const { setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "k", handler: "a", when: { everyMs: 60_000 } });
    r.clock.advance(60_000);
    // Break the run bookkeeping: the history table is gone, so processing throws outside the handler.
    r.db.sql.exec("ALTER TABLE sched_runs RENAME TO sched_runs_gone");
    const report = await r.fire();
    expect(report.errors).toBeGreaterThan(0);
    expect(r.alarm.at).not.toBeNull();
    r.db.sql.exec("ALTER TABLE sched_runs_gone RENAME TO sched_runs");
  });

  it("a fresh scheduler on the same database fires the same rows; start() re-arms a lost alarm", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "k", handler: "a", when: { cron: "*/5 * * * *" } });
    await r.s.settle();
    r.alarm.fire(); // the alarm slot is lost (e.g. the runtime dropped it)
    const s2 = r.restart();
    await s2.start();
    expect(r.alarm.at).toBe(T0);
    await r.fire();
    expect(calls.map((c) => c.t)).toEqual([T0]);
    expect(r.alarm.at).toBe(T0 + 5 * 60_000);
  });

  it("the clock jumping back does not move the next slot", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "k", handler: "a", when: { cron: "*/10 * * * *" } });
    r.clock.set(T0 + 10_000);
    await r.fire();
    expect(calls.map((c) => c.t)).toEqual([T0]);
    r.clock.set(T0 - 3_600_000);
    const s = r.s.list().items[0];
    expect(s?.nextRunAt).toBe(T0 + 600_000);
    await r.fire();
    expect(calls).toHaveLength(1);
    expect(r.alarm.at).toBe(T0 + 600_000);
  });

  it("0 9 * * * from 08:59:30 fires at 09:00 that day; an every-minute alarm at 09:00:00.005 next fires 09:01", async () => {
    const { calls, setup } = recorder();
    const nine = Date.parse("2024-05-01T09:00:00Z");
    const r = rig(setup, {}, {}, nine - 30_000);
    r.s.schedule({ key: "daily", handler: "a", when: { cron: "0 9 * * *" } });
    r.s.schedule({ key: "minute", handler: "b", when: { cron: "* * * * *" } });
    await r.s.settle();
    expect(r.alarm.at).toBe(nine);
    r.clock.set(nine + 5);
    await r.fire();
    expect(calls.map((c) => [c.name, c.t])).toEqual([
      ["a", nine],
      ["b", nine],
    ]);
    expect(r.alarm.at).toBe(nine + 60_000);
  });

  it("a handler removed in a later deploy becomes a HANDLER_MISSING dead letter; others are unaffected", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "gone", handler: "b", when: { everyMs: 60_000 } });
    r.s.schedule({ key: "stays", handler: "a", when: { everyMs: 60_000 } });
    // The next deploy registers only "a".
    r.restart((s) => {
      s.handler("a", z.unknown(), (_p, ctx) => {
        calls.push({ name: "a", t: ctx.scheduledTime, key: ctx.idempotencyKey, attempt: ctx.attempt });
      });
    });
    r.clock.advance(60_000);
    await r.fire();
    expect(calls.map((c) => c.name)).toEqual(["a"]);
    const letters = r.s.deadLetters.list().items;
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ code: "HANDLER_MISSING", handler: "b", attempts: 1 });
    expect(r.alarm.at).toBe(T0 + 120_000);
  });
});

describe("reload() after the tables were rewritten (a checkpoint restore)", () => {
  it("re-queues restored leases, even this instance's, and re-arms the alarm to the earliest row", async () => {
    const r = rig(recorder().setup);
    r.s.schedule({ key: "late", handler: "a", when: { delayMs: 3_600_000 } });
    await r.s.settle();
    expect(r.alarm.at).toBe(T0 + 3_600_000);
    // What a restore does: rows rewritten underneath the scheduler, a lease left on one of them.
    r.db.sql.exec("UPDATE sched_queue SET due_at = ?, lease = 'restored-lease'", T0 + 7_200_000);
    r.alarm.fire(); // the alarm no longer matches the rows
    r.clock.set(T0 + 60_000);
    await r.s.reload();
    expect(r.db.sql.exec("SELECT count(*) AS n FROM sched_queue WHERE lease IS NOT NULL").one().n).toBe(0);
    expect(r.alarm.at).toBe(T0 + 60_000);
  });
});
