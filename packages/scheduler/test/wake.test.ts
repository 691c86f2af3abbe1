/**
 * The Wake port other capabilities use: one row per owner + key, a repeat keeps the earlier
 * time (merge, never postpone), cancel, the owner's onWake is called, a re-set during the call
 * survives, failures retry, and an owner without a handler becomes a dead letter.
 */

import type { WakeEvent } from "@durable/core";
import { describe, expect, it } from "vitest";
import { count, expectCode, rig, T0 } from "./helpers.ts";

describe("wake", () => {
  it("merges requests and never postpones; cancel removes the row", async () => {
    const r = rig();
    r.s.wakes.set("cdc", "drain", T0 + 60_000, { n: 1 });
    r.s.wakes.set("cdc", "drain", T0 + 10_000, { n: 2 });
    r.s.wakes.set("cdc", "drain", T0 + 120_000, { n: 3 });
    await r.s.settle();
    expect(count(r, "sched_queue", "kind = 'wake'")).toBe(1);
    expect(r.alarm.at).toBe(T0 + 10_000);
    r.s.wakes.cancel("cdc", "drain");
    await r.s.settle();
    expect(r.alarm.at).toBeNull();
  });

  it("calls the owner's onWake with the payload; a re-set during the call stays", async () => {
    const r = rig();
    const events: WakeEvent[] = [];
    r.s.onWake("preagg", (e) => {
      events.push(e);
      if (events.length === 1) r.s.wakes.set("preagg", "refresh", r.clock.now() + 30_000, "again");
    });
    r.s.wakes.set("preagg", "refresh", T0 + 5_000, "first");
    r.clock.set(T0 + 5_000);
    const report = await r.fire();
    expect(report.wakes).toBe(1);
    expect(events[0]).toEqual({ owner: "preagg", key: "refresh", dueAt: T0 + 5_000, payload: "first" });
    expect(r.alarm.at).toBe(T0 + 35_000);
    r.clock.set(T0 + 35_000);
    await r.fire();
    expect(events.map((e) => e.payload)).toEqual(["first", "again"]);
    expect(r.alarm.at).toBeNull();
  });

  it("a failing wake retries, then dead-letters; an unknown owner dead-letters at once", async () => {
    const r = rig();
    let calls = 0;
    r.s.onWake("ckpt", () => {
      calls++;
      throw new Error("checkpoint failed");
    });
    r.s.wakes.set("ckpt", "deadline", T0);
    r.s.wakes.set("ghost", "x", T0);
    await r.fire();
    expect(calls).toBe(1);
    r.clock.advance(1_000);
    await r.fire();
    r.clock.advance(2_000);
    await r.fire();
    expect(calls).toBe(3);
    const codes = r.s.deadLetters.list().items.map((d) => [d.handler, d.code]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ["wake:ghost", "HANDLER_MISSING"],
        ["wake:ckpt", "RETRIES_EXHAUSTED"],
      ]),
    );
    expect(count(r, "sched_queue")).toBe(0);
  });

  it("rejects a wake without owner, key or finite time", () => {
    const r = rig();
    expectCode(() => r.s.wakes.set("", "k", T0), "INVALID_SCHEDULE", 400);
    expectCode(() => r.s.wakes.set("o", "k", Number.NaN), "INVALID_SCHEDULE", 400);
  });
});
