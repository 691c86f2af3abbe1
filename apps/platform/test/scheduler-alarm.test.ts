/**
 * Proves the scheduler as the DO's alarm owner in workerd (real DO SQLite and alarms):
 * `runDurableObjectAlarm` drives passes through DOBase.alarm(); the alarm equals the earliest
 * queue row after each mutation (+60 s, +10 s, +120 s → +10 s; all cancelled → none; in TenantDO
 * the rate-limit sweep wake-up is one of the rows); an early
 * alarm runs nothing and re-arms; a chunked task survives eviction between chunks with each step
 * applied once; another capability's `Wake` reaches its `onWake`; a lost alarm is set again on start.
 * Does not prove production alarm retry timing or CPU-time budgets (local clocks advance during CPU work).
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";
import type { TestSchedulerDO } from "./scheduler-fixture.ts";

const scheds = (env as unknown as { SCHED: DurableObjectNamespace<TestSchedulerDO> }).SCHED;

async function alarmOf(tenant: string): Promise<number | null> {
  return runInDurableObject(env.TENANT.getByName(tenant), (_i, state) => state.storage.getAlarm());
}

/** The earliest queue row of a tenant DO (its other capabilities, e.g. the rate-limit sweep, add rows too). */
async function earliestOf(tenant: string): Promise<number | null> {
  return runInDurableObject(
    env.TENANT.getByName(tenant),
    (_i, state) => state.storage.sql.exec<{ t: number | null }>("SELECT min(due_at) AS t FROM sched_queue").one().t,
  );
}

describe("alarm = earliest row", () => {
  it("+60 s, +10 s, +120 s → +10 s; all cancelled → none (fixture DO over RPC)", async () => {
    const stub = scheds.getByName(uniqueTenant("earliest"));
    const made: { id: string; nextRunAt: number | null }[] = [];
    for (const [i, delayMs] of [60_000, 10_000, 120_000].entries()) {
      made.push(await stub.schedule({ key: `once-${i}`, handler: "platform.noop", when: { delayMs } }));
      expect((await stub.state()).alarm).toBe(Math.min(...made.map((m) => m.nextRunAt as number)));
    }
    expect((await stub.state()).alarm).toBe(made[1]?.nextRunAt);
    for (const m of made) await stub.cancel(m.id);
    const s = await stub.state();
    expect(s.earliest).toBeNull();
    expect(s.alarm).toBeNull();
  });

  it("TenantDO over HTTP: the alarm follows the earliest row after each create and cancel", async () => {
    const tenant = uniqueTenant("alarm");
    const token = await tokenFor(tenant);
    const made: { id: string; nextRunAt: number }[] = [];
    for (const [i, delayMs] of [60_000, 10_000, 120_000].entries()) {
      const res = await call(
        `/v1/tenants/${tenant}/scheduler/schedules`,
        jsonInit("POST", { key: `once-${i}`, handler: "platform.noop", when: { delayMs } }, token),
      );
      expect(res.status).toBe(201);
      const body = (await jsonOf(res)) as unknown as { schedule: { id: string; nextRunAt: number } };
      made.push(body.schedule);
      expect(await alarmOf(tenant)).toBe(await earliestOf(tenant));
    }
    expect(await alarmOf(tenant)).toBe(made[1]?.nextRunAt);
    for (const m of made) {
      expect(
        (await call(`/v1/tenants/${tenant}/scheduler/schedules/${m.id}`, { method: "DELETE", token })).status,
      ).toBe(200);
      expect(await alarmOf(tenant)).toBe(await earliestOf(tenant));
    }
  });

  it("runDurableObjectAlarm runs due work; an early alarm runs nothing and re-arms", async () => {
    const tenant = uniqueTenant("pass");
    const token = await tokenFor(tenant);
    const later = await call(
      `/v1/tenants/${tenant}/scheduler/schedules`,
      jsonInit("POST", { key: "later", handler: "platform.noop", when: { delayMs: 3_600_000 } }, token),
    );
    const laterAt = ((await jsonOf(later)) as unknown as { schedule: { nextRunAt: number } }).schedule.nextRunAt;
    const stub = env.TENANT.getByName(tenant);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // Nothing was due: the alarm is back on the earliest row (at most the 1 h schedule).
    const rearmed = await alarmOf(tenant);
    expect(rearmed).toBe(await earliestOf(tenant));
    expect(rearmed).not.toBeNull();
    expect(rearmed as number).toBeLessThanOrEqual(laterAt);
    const now = await call(
      `/v1/tenants/${tenant}/scheduler/schedules`,
      jsonInit("POST", { key: "now", handler: "platform.noop", when: { delayMs: 0 } }, token),
    );
    const id = ((await jsonOf(now)) as unknown as { schedule: { id: string } }).schedule.id;
    await runDurableObjectAlarm(stub);
    const runs = await jsonOf(await call(`/v1/tenants/${tenant}/scheduler/schedules/${id}/runs`, { token }));
    expect((runs.items as { status: string }[]).map((r) => r.status)).toEqual(["succeeded"]);
    expect(await alarmOf(tenant)).toBe(await earliestOf(tenant));
  });
});

describe("self-heal", () => {
  it("a restarted DO whose alarm was lost sets it again from the queue on start", async () => {
    const name = uniqueTenant("heal");
    let stub = scheds.getByName(name);
    const { nextRunAt } = await stub.schedule({ key: "h", handler: "platform.noop", when: { delayMs: 600_000 } });
    await runInDurableObject(stub, (_i, state) => state.storage.deleteAlarm());
    expect((await stub.state()).alarm).toBeNull();
    await abortAllDurableObjects();
    stub = scheds.getByName(name);
    // Any first event starts the DO: migrations, then the scheduler's onStart re-arms.
    const s = await stub.state();
    expect(s.alarm).toBe(nextRunAt);
  });
});

describe("TenantDO: other capabilities' wake-ups go through the scheduler", () => {
  it("the rate-limit sweep is a wake-up; when due, the pass calls rate-limit's onWake, which re-arms it", async () => {
    const tenant = uniqueTenant("sweep");
    const token = await tokenFor(tenant);
    await call(`/v1/tenants/${tenant}/meta/k`, jsonInit("PUT", { value: 1 }, token));
    const stub = env.TENANT.getByName(tenant);
    const ref = JSON.stringify(["rate-limit", "sweep"]);
    const read = () =>
      runInDurableObject(stub, (_i, state) =>
        state.storage.sql
          .exec<{ due_at: number; gen: number }>(
            "SELECT due_at, gen FROM sched_queue WHERE kind = 'wake' AND ref = ?",
            ref,
          )
          .toArray(),
      );
    const [before] = await read();
    expect(before).toBeDefined();
    // Make it due now, then fire the alarm: the limiter sweeps and asks for the next sweep.
    const now = Date.now();
    await runInDurableObject(stub, async (_i, state) => {
      state.storage.sql.exec("UPDATE sched_queue SET due_at = ? WHERE kind = 'wake' AND ref = ?", now, ref);
      await state.storage.setAlarm(now);
    });
    await runDurableObjectAlarm(stub);
    const [after] = await read();
    expect(after?.due_at).toBeGreaterThan(now + 60_000);
    expect(await alarmOf(tenant)).toBe(await earliestOf(tenant));
  });
});

describe("fixture DO: tasks, eviction and wakes", () => {
  it("a chunked task survives eviction between chunks; each step applied once", async () => {
    const name = uniqueTenant("task");
    let stub = scheds.getByName(name);
    await stub.schedule({ key: "job", handler: "test.count", payload: { total: 35 }, when: { delayMs: 0 } });
    let evictions = 0;
    for (let i = 0; i < 20; i++) {
      const s = await stub.state();
      if (s.task?.status === "succeeded") break;
      if (s.task?.status === "running") {
        expect(s.earliest).not.toBeNull();
        await abortAllDurableObjects();
        evictions++;
        stub = scheds.getByName(name);
      }
      await runDurableObjectAlarm(stub);
    }
    const end = await stub.state();
    expect(end.task).toMatchObject({ status: "succeeded", steps: 35 });
    expect(end.task?.chunks).toBeGreaterThanOrEqual(3);
    expect(end.steps).toBe(35);
    expect(evictions).toBeGreaterThan(0);
    expect(end.alarm).toBeNull();
  });

  it("a Wake from another capability merges (never postpones) and reaches its onWake", async () => {
    const stub = scheds.getByName(uniqueTenant("wake"));
    const base = Date.now();
    await stub.wakeAt("compact", base + 60_000);
    await stub.wakeAt("compact", base + 10_000);
    await stub.wakeAt("compact", base + 120_000);
    expect((await stub.state()).alarm).toBe(base + 10_000);
    await stub.wakeAt("compact", base - 1);
    for (let i = 0; i < 5 && (await stub.state()).wakes === 0; i++) await runDurableObjectAlarm(stub);
    const s = await stub.state();
    expect(s.wakes).toBe(1);
    expect(s.earliest).toBeNull();
    expect(s.alarm).toBeNull();
  });

  it("a failing handler leaves a retry row; the alarm is re-armed to it", async () => {
    const stub = scheds.getByName(uniqueTenant("retry"));
    await stub.schedule({ key: "bad", handler: "test.fail", when: { delayMs: 0 } });
    // The alarm (due now) may fire by itself before our pass: either way one attempt fails.
    for (let i = 0; i < 5 && (await stub.state()).maxAttempt < 2; i++) await stub.pass();
    const s = await stub.state();
    expect(s.maxAttempt).toBe(2);
    expect(s.earliest).not.toBeNull();
    expect(s.alarm).toBe(s.earliest);
  });

  it("a handler that schedules a follow-up (nested transaction) chains through passes", async () => {
    const stub = scheds.getByName(uniqueTenant("chain"));
    await stub.schedule({ key: "c", handler: "test.chain", payload: { left: 3 }, when: { delayMs: 0 } });
    for (let i = 0; i < 10 && (await stub.scheduleCount()) < 4; i++) await stub.pass();
    expect(await stub.scheduleCount()).toBe(4);
    const s = await stub.state();
    expect(s.earliest).toBeNull();
    expect(s.alarm).toBeNull();
  });

  it("a bad payload over RPC is refused with its code and persists nothing", async () => {
    const stub = scheds.getByName(uniqueTenant("badrpc"));
    await expect(
      stub.schedule({ key: "bad", handler: "test.count", payload: { total: 0 }, when: { delayMs: 0 } }),
    ).rejects.toThrow(/INVALID_PAYLOAD/);
    const s = await stub.state();
    expect(s.earliest).toBeNull();
    expect(s.alarm).toBeNull();
  });
});

describe("wake through HTTP on the fixture", () => {
  it("POST /wakeprobe/:key sets a wake through ports.wake", async () => {
    const name = uniqueTenant("wh");
    const stub = scheds.getByName(name);
    const headers = { authorization: `Bearer ${await tokenFor(name)}`, "content-type": "application/json" };
    const at = Date.now() + 30_000;
    const res = await stub.fetch(`https://sched.test/v1/tenants/${name}/wakeprobe/k1`, {
      method: "POST",
      headers,
      body: JSON.stringify({ atMs: at, payload: { n: 1 } }),
    });
    expect(res.status).toBe(200);
    expect((await stub.state()).alarm).toBe(at);
  });
});
