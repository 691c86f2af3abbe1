/**
 * Missed-run policies (skip, catchUp with a window, coalesce), grace, late one-shots, and the
 * overlap policies (skip, buffer-one, allow) while a run waits for its retry.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { HandlerContext, Scheduler } from "../src/index.ts";
import { rig, T0 } from "./helpers.ts";

const MIN = 60_000;

function recorder(failFirst = false) {
  const calls: HandlerContext[] = [];
  const setup = (s: Scheduler) => {
    s.handler("rec", z.unknown(), (_p, ctx) => {
      calls.push(ctx);
    });
    s.handler(
      "flaky",
      z.unknown(),
      (_p, ctx) => {
        calls.push(ctx);
        if (failFirst && ctx.attempt === 1 && ctx.scheduledTime === T0 + MIN) throw new Error("first attempt fails");
      },
      { retry: { initialDelayMs: 150_000, maxDelayMs: 300_000, maxAttempts: 2 } },
    );
  };
  return { calls, setup };
}

describe("missed runs", () => {
  it("skip (default): after 3 h down, nothing old runs; one missed history row with the count", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    const { schedule } = r.s.schedule({ key: "k", handler: "rec", when: { cron: "*/10 * * * *" } });
    r.clock.set(T0 + 3 * 60 * MIN + 5 * MIN);
    await r.drain();
    expect(calls).toHaveLength(0);
    const runs = r.s.runs(schedule.id).items;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "missed", detail: { count: 19 } });
    expect(r.s.get(schedule.id)?.nextRunAt).toBe(T0 + 190 * MIN);
  });

  it("catchUp window 1 h: three hours down, 10-minute schedule → exactly the 6 slots of the last hour, once each, in order", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    const { schedule } = r.s.schedule({
      key: "k",
      handler: "rec",
      when: { cron: "*/10 * * * *" },
      missed: { catchUp: { windowMs: 60 * MIN } },
    });
    r.clock.set(T0 + 185 * MIN);
    await r.drain();
    await r.drain();
    expect(calls.map((c) => (c.scheduledTime - T0) / MIN)).toEqual([130, 140, 150, 160, 170, 180]);
    expect(calls.every((c) => c.missed === true)).toBe(true);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(6);
    const missed = r.s.runs(schedule.id).items.find((x) => x.status === "missed");
    expect(missed?.detail).toMatchObject({ count: 13 });
  });

  it("catchUp runs at most 1,000 slots per recovery; older ones count as missed", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup, { maxPerPass: 1_000 });
    const { schedule } = r.s.schedule({
      key: "k",
      handler: "rec",
      when: { everyMs: 1_000, startAt: T0 },
      missed: { catchUp: { windowMs: 3_600_000 } },
    });
    r.clock.set(T0 + 3_600_000 + 120_000);
    await r.drain(10);
    expect(calls).toHaveLength(1_000 + 61);
    // The window holds 3,540 missed slots: the newest 1,000 run, oldest first, then the 61 late ones.
    expect(calls[0]?.scheduledTime).toBe(T0 + 2_660_000);
    expect(calls[999]?.scheduledTime).toBe(T0 + 3_659_000);
    expect(calls[1_000]?.missed).toBeUndefined();
    void schedule;
  });

  it("catchUp of a 1-second cron over a 7-day window runs the newest 1,000 slots without walking all 604,800", async () => {
    // Walking every slot of the window (and shifting a 1,000-slot array for each) took ~30 s of
    // CPU in one transaction: over a Worker's limit, so the pass could never commit. Bound: 10 s,
    // a third of that walk (the bounded pass takes 3.5 s quiet, 4.6–7 s when CI's other
    // projects share the two cores, so 5 s failed under load).
    const { calls, setup } = recorder();
    const r = rig(setup);
    const { schedule } = r.s.schedule({
      key: "k",
      handler: "rec",
      when: { cron: "* * * * * *" },
      missed: { catchUp: { windowMs: 7 * 24 * 60 * MIN } },
    });
    const now = T0 + 8 * 24 * 60 * MIN;
    r.clock.set(now);
    const started = performance.now();
    await r.fire();
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(calls).toHaveLength(100);
    const missed = r.db.sql
      .exec<{ detail: string }>(
        "SELECT detail FROM sched_runs WHERE schedule_id = ? AND status = 'missed'",
        schedule.id,
      )
      .toArray()
      .map((x) => JSON.parse(x.detail) as { count: number; countIsLowerBound?: boolean });
    expect(missed).toHaveLength(1);
    expect(missed[0]).toMatchObject({ countIsLowerBound: true });
    expect(missed[0]?.count).toBeGreaterThanOrEqual(20_000);
    await r.drain(20);
    // The newest 1,000 slots of the window (missed), then the 61 late ones within grace.
    const first = now - MIN - 1_000_000;
    expect(calls).toHaveLength(1_061);
    expect(calls.every((c, i) => c.scheduledTime === first + i * 1_000)).toBe(true);
    expect(calls.filter((c) => c.missed === true)).toHaveLength(1_000);
    expect(calls[1_000]?.scheduledTime).toBe(now - MIN);
    expect(r.s.get(schedule.id)?.nextRunAt).toBe(now + 1_000);
  }, 30_000);

  it("coalesce runs once with count, first and last missed slots", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "k", handler: "rec", when: { cron: "*/10 * * * *" }, missed: "coalesce" });
    r.clock.set(T0 + 35 * MIN);
    await r.drain();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.coalesced).toEqual({ count: 4, firstMissedAt: T0, lastMissedAt: T0 + 30 * MIN });
    expect(calls[0]?.scheduledTime).toBe(T0 + 30 * MIN);
  });

  it("a slot firing within graceMs is late, not missed", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "k", handler: "rec", when: { cron: "*/10 * * * *" } });
    r.clock.set(T0 + 59_000);
    await r.drain();
    expect(calls.map((c) => c.scheduledTime)).toEqual([T0]);
    expect(calls[0]?.missed).toBeUndefined();
  });

  it("a late once always runs", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    r.s.schedule({ key: "o", handler: "rec", when: { delayMs: 1_000 } });
    r.clock.set(T0 + 5 * 3_600_000);
    await r.drain();
    expect(calls).toHaveLength(1);
  });

  it("paused slots never run or catch up; resume continues from now", async () => {
    const { calls, setup } = recorder();
    const r = rig(setup);
    const { schedule } = r.s.schedule({
      key: "k",
      handler: "rec",
      when: { cron: "*/10 * * * *" },
      missed: { catchUp: { windowMs: 3_600_000 } },
    });
    r.s.pause(schedule.id);
    r.clock.set(T0 + 45 * MIN);
    await r.drain();
    r.s.resume(schedule.id);
    r.clock.set(T0 + 50 * MIN);
    await r.drain();
    expect(calls.map((c) => (c.scheduledTime - T0) / MIN)).toEqual([50]);
  });

  it.each([
    ["pause", "paused"],
    ["cancel", "cancelled"],
  ] as const)(
    "after %s, catch-up runs queued but not started never run (only the run in flight finishes)",
    async (action, reason) => {
      const { calls, setup } = recorder();
      // Two rows per pass: the six catch-up runs need three passes.
      const r = rig(setup, { maxPerPass: 2 });
      const { schedule } = r.s.schedule({
        key: "k",
        handler: "rec",
        when: { cron: "*/10 * * * *" },
        missed: { catchUp: { windowMs: 60 * MIN } },
      });
      r.clock.set(T0 + 185 * MIN);
      await r.fire();
      expect(calls.map((c) => (c.scheduledTime - T0) / MIN)).toEqual([130, 140]);
      r.s[action](schedule.id);
      await r.drain();
      expect(calls.map((c) => (c.scheduledTime - T0) / MIN)).toEqual([130, 140]);
      const skipped = r.s
        .runs(schedule.id, { limit: 100 })
        .items.filter((x) => x.status === "skipped")
        .map((x) => [(x.scheduledAt - T0) / MIN, x.detail?.reason]);
      expect(skipped.sort()).toEqual([
        [150, reason],
        [160, reason],
        [170, reason],
        [180, reason],
      ]);
      expect(r.s.get(schedule.id)?.inflight).toBe(0);
      expect(r.alarm.at).toBeNull();
      if (action === "pause") {
        r.s.resume(schedule.id);
        r.clock.set(T0 + 190 * MIN);
        await r.drain();
        expect(calls.map((c) => (c.scheduledTime - T0) / MIN)).toEqual([130, 140, 190]);
      }
    },
  );
});

describe("overlap", () => {
  async function overlapRun(overlap: "skip" | "buffer-one" | "allow") {
    const { calls, setup } = recorder(true);
    const r = rig(setup);
    const { schedule } = r.s.schedule({
      key: "k",
      handler: "flaky",
      when: { everyMs: MIN, startAt: T0 + MIN },
      overlap,
    });
    // Slot 1 fails and waits 150 s for its retry; slots 2 and 3 come while it is in flight.
    for (let t = 1; t <= 4; t++) {
      r.clock.set(T0 + t * MIN);
      await r.drain();
    }
    return { calls, r, schedule };
  }

  it("skip (default) records the slots that came during a run as skipped", async () => {
    const { calls, r, schedule } = await overlapRun("skip");
    expect(calls.map((c) => [(c.scheduledTime - T0) / MIN, c.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [4, 1],
    ]);
    expect(
      r.s
        .runs(schedule.id)
        .items.filter((x) => x.status === "skipped")
        .map((x) => (x.scheduledAt - T0) / MIN),
    ).toEqual([3, 2]);
  });

  it("buffer-one keeps one waiting slot and starts it when the run ends", async () => {
    const { calls } = await overlapRun("buffer-one");
    expect(calls.map((c) => [(c.scheduledTime - T0) / MIN, c.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [4, 1],
    ]);
  });

  it("allow runs every slot", async () => {
    const { calls } = await overlapRun("allow");
    expect(calls.filter((c) => c.attempt === 1).map((c) => (c.scheduledTime - T0) / MIN)).toEqual([1, 2, 3, 4]);
  });
});
