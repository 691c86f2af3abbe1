/**
 * Run history: one row per slot with status, times and attempts; at most historyPerSchedule
 * rows per schedule; rows older than historyRetentionMs are swept by later passes.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { count, rig, T0 } from "./helpers.ts";

describe("history", () => {
  it("keeps at most 1,000 rows per schedule", async () => {
    const r = rig((s) => s.handler("noop", z.unknown(), () => {}), { maxPerPass: 1_000 });
    const { schedule } = r.s.schedule({
      key: "k",
      handler: "noop",
      when: { everyMs: 1_000, startAt: T0 },
      missed: { catchUp: { windowMs: 2_000_000 } },
    });
    r.clock.set(T0 + 1_500_000);
    await r.drain(20);
    expect(r.s.get(schedule.id)?.runCount).toBeGreaterThan(1_000);
    const n = count(r, "sched_runs", "schedule_id = ?", schedule.id);
    expect(n).toBeLessThanOrEqual(1_000);
    expect(n).toBeGreaterThanOrEqual(950);
    const page = r.s.runs(schedule.id, { limit: 3 });
    expect(page.items.map((x) => x.scheduledAt)).toEqual([T0 + 1_500_000, T0 + 1_499_000, T0 + 1_498_000]);
    const next = r.s.runs(schedule.id, { limit: 3, cursor: page.cursor as string });
    expect(next.items[0]?.scheduledAt).toBe(T0 + 1_497_000);
  });

  it("slots skipped while a run waits for its retry stay within the cap too", async () => {
    // overlap "skip" writes one "skipped" row per slot that comes while the run is in flight;
    // those rows must count towards the per-schedule cap like finished runs do.
    const r = rig(
      (s) =>
        s.handler(
          "fail",
          z.unknown(),
          () => {
            throw new Error("down");
          },
          { retry: { maxAttempts: 2, initialDelayMs: 86_400_000, maxDelayMs: 86_400_000 } },
        ),
      { maxPerPass: 1_000 },
    );
    const { schedule } = r.s.schedule({
      key: "k",
      handler: "fail",
      when: { everyMs: 1_000, startAt: T0 + 1_000 },
      graceMs: 3_600_000,
    });
    r.clock.set(T0 + 1_000);
    await r.drain();
    expect(r.s.get(schedule.id)?.inflight).toBe(1);
    for (let k = 1; k <= 3; k++) {
      r.clock.set(T0 + 1_000 + k * 1_000_000);
      await r.drain();
    }
    const skipped = count(r, "sched_runs", "schedule_id = ? AND status = 'skipped'", schedule.id);
    expect(skipped).toBeGreaterThan(0);
    expect(count(r, "sched_runs", "schedule_id = ?", schedule.id)).toBeLessThanOrEqual(1_000);
  });

  it("keeps at most 2 KB of a failure's error text (in bytes, also for multi-byte text)", async () => {
    const r = rig((s) =>
      s.handler(
        "boom",
        z.unknown(),
        () => {
          throw new Error("é".repeat(10_000));
        },
        { retry: { maxAttempts: 1 } },
      ),
    );
    const { schedule } = r.s.schedule({ key: "k", handler: "boom", when: { delayMs: 0 } });
    await r.drain();
    const [run] = r.s.runs(schedule.id).items;
    expect(run?.status).toBe("failed");
    expect(run?.error?.startsWith("Error: éé")).toBe(true);
    expect(new TextEncoder().encode(run?.error ?? "").length).toBeLessThanOrEqual(2_048);
    const [letter] = r.s.deadLetters.list().items;
    expect(new TextEncoder().encode(letter?.lastError ?? "").length).toBeLessThanOrEqual(2_048);
  });

  it("records status, start, duration and attempts; sweeps rows older than the retention", async () => {
    const r = rig((s) => s.handler("noop", z.unknown(), () => {}), { historyRetentionMs: 86_400_000 });
    const { schedule } = r.s.schedule({ key: "k", handler: "noop", when: { everyMs: 3_600_000, startAt: T0 + 1_000 } });
    r.clock.set(T0 + 1_000);
    await r.fire();
    const [first] = r.s.runs(schedule.id).items;
    expect(first).toMatchObject({
      status: "succeeded",
      scheduledAt: T0 + 1_000,
      startedAt: T0 + 1_000,
      durationMs: 0,
      attempts: 1,
      version: 1,
    });
    r.clock.set(T0 + 1_000 + 25 * 3_600_000);
    await r.drain();
    const rows = r.s.runs(schedule.id, { limit: 100 }).items;
    expect(rows.some((x) => x.scheduledAt === T0 + 1_000)).toBe(false);
  });
});
