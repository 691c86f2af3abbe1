/**
 * Creation, idempotency by key, CRUD and every bad input of `schedule()`: each rejected input
 * leaves nothing persisted and the alarm unchanged. Does not cover firing (alarm.test.ts).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { count, expectCode, rig, T0 } from "./helpers.ts";

const setup = (s: import("../src/index.ts").Scheduler) => {
  s.handler("noop", z.unknown(), () => {});
  s.handler("mail", z.strictObject({ to: z.string().email(), n: z.number().int().optional() }), () => {});
};

describe("schedule()", () => {
  it("creates each kind and arms the alarm at the first slot", async () => {
    const r = rig(setup);
    const a = r.s.schedule({ key: "a", handler: "noop", when: { cron: "*/5 * * * *" } });
    expect(a.created).toBe(true);
    expect(a.schedule.nextRunAt).toBe(T0);
    const b = r.s.schedule({ key: "b", handler: "noop", when: { everyMs: 90_000 } });
    expect(b.schedule.nextRunAt).toBe(T0 + 90_000);
    const c = r.s.schedule({ handler: "noop", when: { delayMs: 10_000 } });
    expect(c.schedule.key).toMatch(/^once:/);
    expect(c.schedule.nextRunAt).toBe(T0 + 10_000);
    const d = r.s.schedule({ key: "d", handler: "noop", when: { at: new Date(T0 + 5_000).toISOString() } });
    expect(d.schedule.nextRunAt).toBe(T0 + 5_000);
    await r.s.settle();
    expect(r.alarm.at).toBe(T0);
  });

  it("same key and definition returns the existing row and writes 0 rows", () => {
    const r = rig(setup);
    const input = {
      key: "k",
      handler: "mail",
      payload: { to: "a@b.co" },
      when: { cron: "0 9 * * *", timezone: "Europe/Berlin" },
    };
    const first = r.s.schedule(input);
    const before = r.changes();
    const again = r.s.schedule({ ...input, when: { timezone: "Europe/Berlin", cron: "0 9 * * *" } });
    expect(r.changes()).toBe(before);
    expect(again.created).toBe(false);
    expect(again.schedule.id).toBe(first.schedule.id);
    expect(count(r, "sched_schedules")).toBe(1);
  });

  it("same key, other definition → 409 SCHEDULE_CONFLICT; replace bumps the version", () => {
    const r = rig(setup);
    const first = r.s.schedule({ key: "k", handler: "noop", when: { everyMs: 60_000 } });
    expectCode(() => r.s.schedule({ key: "k", handler: "noop", when: { everyMs: 30_000 } }), "SCHEDULE_CONFLICT", 409);
    expect(r.s.get(first.schedule.id)?.when).toMatchObject({ everyMs: 60_000 });
    const replaced = r.s.schedule({ key: "k", handler: "noop", when: { everyMs: 30_000 }, onConflict: "replace" });
    expect(replaced.schedule.version).toBe(2);
    expect(replaced.schedule.id).toBe(first.schedule.id);
    expect(count(r, "sched_queue", "kind = 'occ'")).toBe(1);
  });

  it.each([
    ["INVALID_CRON", 400, { key: "x", handler: "noop", when: { cron: "" } }],
    ["INVALID_CRON", 400, { key: "x", handler: "noop", when: { cron: "* * * *" } }],
    ["INVALID_CRON", 400, { key: "x", handler: "noop", when: { cron: "0 0 * * * * *" } }],
    ["INVALID_CRON", 400, { key: "x", handler: "noop", when: { cron: "0 0 30 2 *" } }],
    ["INVALID_CRON", 400, { key: "x", handler: "noop", when: { cron: "0 0 L * *" } }],
    ["INVALID_TIMEZONE", 400, { key: "x", handler: "noop", when: { cron: "0 9 * * *", timezone: "Mars/Base" } }],
    ["INVALID_SCHEDULE", 400, { key: "x", handler: "noop", when: { everyMs: 999 } }],
    ["INVALID_SCHEDULE", 400, { key: "x", handler: "noop", when: { at: T0 - 61_000 } }],
    ["INVALID_SCHEDULE", 400, { key: "x", handler: "noop", when: { at: T0 + 366 * 86_400_000 } }],
    ["INVALID_SCHEDULE", 400, { key: "x", handler: "noop", when: { everyMs: 1000, cron: "* * * * *" } }],
    ["INVALID_SCHEDULE", 400, { handler: "noop", when: { everyMs: 60_000 } }],
    ["INVALID_SCHEDULE", 400, { key: "bad key!", handler: "noop", when: { everyMs: 60_000 } }],
    ["INVALID_SCHEDULE", 400, { key: "x", when: { everyMs: 60_000 } }],
    ["UNKNOWN_HANDLER", 400, { key: "x", handler: "nope", when: { everyMs: 60_000 } }],
    ["INVALID_PAYLOAD", 400, { key: "x", handler: "mail", payload: { to: "not-mail" }, when: { everyMs: 60_000 } }],
    [
      "INVALID_PAYLOAD",
      400,
      { key: "x", handler: "mail", payload: { to: "a@b.co", n: 1.5 }, when: { everyMs: 60_000 } },
    ],
    [
      "PAYLOAD_TOO_LARGE",
      413,
      { key: "x", handler: "noop", payload: { blob: "x".repeat(65 * 1024) }, when: { everyMs: 60_000 } },
    ],
    ["NOT_FOUND", 404, { key: "x", dag: "missing", when: { everyMs: 60_000 } }],
  ])("rejects bad input #%# → %s, persists nothing, leaves the alarm", async (code, status, input) => {
    const r = rig(setup);
    r.s.schedule({ key: "keep", handler: "noop", when: { everyMs: 120_000 } });
    await r.s.settle();
    const alarmBefore = r.alarm.at;
    const writes = r.alarm.writes;
    const before = r.changes();
    expectCode(() => r.s.schedule(input as never), code, status);
    await r.s.settle();
    expect(r.changes()).toBe(before);
    expect(r.alarm.at).toBe(alarmBefore);
    expect(r.alarm.writes).toBe(writes);
  });

  it("names the zod path of a bad payload", () => {
    const r = rig(setup);
    try {
      r.s.schedule({ key: "x", handler: "mail", payload: { to: 5 }, when: { everyMs: 60_000 } });
    } catch (err) {
      expect((err as Error).message).toContain("payload.to");
    }
    expect.assertions(1);
  });

  it("schedule 10,001 → 409 SCHEDULE_LIMIT (limit lowered to 3 here; the default is 10,000)", () => {
    const r = rig(setup, { maxSchedules: 3 });
    for (let i = 0; i < 3; i++) r.s.schedule({ key: `k${i}`, handler: "noop", when: { everyMs: 60_000 } });
    expectCode(() => r.s.schedule({ key: "k3", handler: "noop", when: { everyMs: 60_000 } }), "SCHEDULE_LIMIT", 409);
    expect(r.s.config.maxSchedules).toBe(3);
    expect(rig(setup).s.config.maxSchedules).toBe(10_000);
  });

  it("10,000 schedules fit and the 10,001st is refused with the default limit", { timeout: 30_000 }, () => {
    const r = rig(setup);
    r.db.transactionSync(() => {
      for (let i = 0; i < 10_000; i++) r.s.schedule({ key: `k${i}`, handler: "noop", when: { everyMs: 60_000 } });
    });
    expectCode(
      () => r.s.schedule({ key: "one-more", handler: "noop", when: { everyMs: 60_000 } }),
      "SCHEDULE_LIMIT",
      409,
    );
  });

  it("unknown id → 404 NOT_FOUND for get-like mutations", () => {
    const r = rig(setup);
    expect(r.s.get("nope")).toBeNull();
    expectCode(() => r.s.cancel("nope"), "NOT_FOUND", 404);
    expectCode(() => r.s.pause("nope"), "NOT_FOUND", 404);
    expectCode(() => r.s.resume("nope"), "NOT_FOUND", 404);
    expectCode(() => r.s.runs("nope"), "NOT_FOUND", 404);
  });

  it("list filters by status, kind and handler with keyset pages", () => {
    const r = rig(setup);
    for (let i = 0; i < 7; i++) r.s.schedule({ key: `c${i}`, handler: "noop", when: { cron: "0 * * * *" } });
    for (let i = 0; i < 3; i++)
      r.s.schedule({ key: `i${i}`, handler: "mail", payload: { to: "a@b.co" }, when: { everyMs: 60_000 } });
    const p1 = r.s.list({ kind: "cron", limit: 5 });
    expect(p1.items).toHaveLength(5);
    const p2 = r.s.list({ kind: "cron", limit: 5, cursor: p1.cursor as string });
    expect(p2.items).toHaveLength(2);
    expect(p2.cursor).toBeUndefined();
    expect(r.s.list({ handler: "mail" }).items).toHaveLength(3);
    r.s.pause(p1.items[0]?.id as string);
    expect(r.s.list({ status: "paused" }).items.map((x) => x.key)).toEqual([p1.items[0]?.key]);
    expectCode(() => r.s.list({ limit: 101 }), "INVALID_SCHEDULE", 400);
  });

  it("pause removes the queue row, resume continues from now, cancel ends it", async () => {
    const r = rig(setup);
    const { schedule } = r.s.schedule({ key: "p", handler: "noop", when: { cron: "*/10 * * * *" } });
    r.s.pause(schedule.id);
    await r.s.settle();
    expect(r.alarm.at).toBeNull();
    r.clock.set(T0 + 25 * 60_000);
    r.s.resume(schedule.id);
    expect(r.s.get(schedule.id)?.nextRunAt).toBe(T0 + 30 * 60_000);
    r.s.cancel(schedule.id);
    await r.s.settle();
    expect(r.s.get(schedule.id)?.status).toBe("cancelled");
    expect(r.alarm.at).toBeNull();
    expectCode(() => r.s.pause(schedule.id), "SCHEDULE_CONFLICT", 409);
  });

  it("handler retry overrides and task budgets outside the limits → CONFIG_INVALID at registration", () => {
    const r = rig();
    const fn = () => {};
    const task = { init: () => 0, step: (c: number) => ({ cursor: c, done: true }) };
    for (const retry of [{ maxAttempts: 21 }, { maxAttempts: 0 }, { initialDelayMs: 99 }, { maxDelayMs: 86_400_001 }]) {
      expectCode(() => r.s.handler("h", z.unknown(), fn, { retry }), "CONFIG_INVALID", 400);
    }
    for (const budget of [
      { maxStepsPerChunk: 0 },
      { maxStepsPerChunk: 10_001 },
      { cpuBudgetMs: 5 },
      { retry: { maxAttempts: 50 } },
    ]) {
      expectCode(() => r.s.task("t", z.unknown(), task, budget), "CONFIG_INVALID", 400);
    }
    // Nothing half-registered: the names are still free.
    r.s.handler("h", z.unknown(), fn, { retry: { maxAttempts: 20, initialDelayMs: 100 } });
    r.s.task("t", z.unknown(), task, { maxStepsPerChunk: 10_000 });
  });

  it("registering the same handler twice → HANDLER_EXISTS", () => {
    const r = rig(setup);
    expectCode(() => r.s.handler("noop", z.unknown(), () => {}), "HANDLER_EXISTS", 409);
  });
});
