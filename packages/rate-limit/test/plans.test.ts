/**
 * Proves plans and per-key overrides: config plans refreshed on start (identical ones write
 * nothing) and read-only; runtime plans; overrides applying from the next check, expiring and
 * being swept; state kept across a plan change for same-named limits; config bounds with zod
 * paths. And the sweep: it deletes only rows equal to "full" and changes no decision.
 */

import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { createRateLimiter, type Plan, type RateLimitConfigInput, SWEEP_INTERVAL_MS } from "../src/index.ts";
import { codeOf, MINUTE_DAY, RecordingWake, setup, T0 } from "./helpers.ts";

describe("config plans", () => {
  it("are written on first start and an identical refresh writes nothing", () => {
    const { db, counter, reopen } = setup();
    expect(db.sql.exec("SELECT name, source FROM rl_plans ORDER BY name").toArray()).toEqual([
      { name: "free", source: "config" },
      { name: "log", source: "config" },
      { name: "pro", source: "config" },
    ]);
    const w = counter.written();
    reopen().start();
    expect(counter.written()).toBe(w);
  });

  it("a changed config plan is refreshed on start", () => {
    const { reopen } = setup();
    const changed: RateLimitConfigInput = {
      ...MINUTE_DAY,
      plans: MINUTE_DAY.plans.map((p) =>
        p.name === "free"
          ? { name: "free", limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 2, refillPerSecond: 1 }] }
          : p,
      ),
    };
    const l = reopen(changed);
    expect(l.peek("k")).toMatchObject({ limit: 2, remaining: 2 });
  });

  it("are read-only at runtime → PLAN_READ_ONLY (409)", () => {
    const { limiter } = setup();
    expect(codeOf(() => limiter.upsertPlan({ name: "free", limits: [] as unknown as Plan["limits"] }))).toBe(
      "CONFIG_INVALID",
    );
    expect(
      codeOf(() =>
        limiter.upsertPlan({ name: "free", limits: [{ name: "x", capacity: 1, refillPerSecond: 1 }] } as Plan),
      ),
    ).toBe("PLAN_READ_ONLY");
    expect(codeOf(() => limiter.deletePlan("free"))).toBe("PLAN_READ_ONLY");
    expect(limiter.listPlans().find((p) => p.name === "free")?.readOnly).toBe(true);
  });
});

describe("config bounds → CONFIG_INVALID with the zod path", () => {
  const base = (limits: unknown[]) => ({ plans: [{ name: "p", limits }], defaultPlan: "p" }) as RateLimitConfigInput;
  it.each([
    ["limit < 0", [{ name: "a", algorithm: "fixedWindow", limit: -1, windowMs: 1000 }], "plans[0].limits[0].limit"],
    ["window < 1 s", [{ name: "a", algorithm: "fixedWindow", limit: 1, windowMs: 999 }], "plans[0].limits[0].windowMs"],
    [
      "window > 30 days",
      [{ name: "a", algorithm: "slidingWindow", limit: 1, windowMs: 30 * 86_400_000 + 1 }],
      "plans[0].limits[0].windowMs",
    ],
    [
      "refill ≤ 0",
      [{ name: "a", algorithm: "tokenBucket", capacity: 1, refillPerSecond: 0 }],
      "plans[0].limits[0].refillPerSecond",
    ],
    [
      "log limit > 10,000",
      [{ name: "a", algorithm: "slidingLog", limit: 10_001, windowMs: 1000 }],
      "plans[0].limits[0].limit",
    ],
    [
      "9 limits",
      Array.from({ length: 9 }, (_, i) => ({ name: `l${i}`, algorithm: "fixedWindow", limit: 1, windowMs: 1000 })),
      "plans[0].limits",
    ],
    ["limit > 1e9", [{ name: "a", capacity: 1_000_000_001, refillPerSecond: 1 }], "plans[0].limits[0].capacity"],
    ["fractional limit", [{ name: "a", algorithm: "gcra", limit: 1.5, periodMs: 1000 }], "plans[0].limits[0].limit"],
    ["bad name", [{ name: "A B", capacity: 1, refillPerSecond: 1 }], "plans[0].limits[0].name"],
  ])("%s", (_, limits, path) => {
    const m = thrownMessage(() => createRateLimiter({} as never, base(limits)));
    expect(m.startsWith("[CONFIG_INVALID]")).toBe(true);
    expect(m).toContain(path);
  });

  it("defaultPlan must exist", () => {
    expect(thrownMessage(() => createRateLimiter({} as never, { ...MINUTE_DAY, defaultPlan: "gold" }))).toMatch(
      /CONFIG_INVALID.*defaultPlan/,
    );
  });

  it("gcra burst defaults to limit; algorithm defaults to tokenBucket", () => {
    const { limiter } = setup({
      plans: [
        {
          name: "p",
          limits: [
            { name: "g", algorithm: "gcra", limit: 4, periodMs: 1000 } as never,
            { name: "b", capacity: 9, refillPerSecond: 1 } as never,
          ],
        },
      ],
      defaultPlan: "p",
    });
    const plan = limiter.planFor("k");
    expect(plan.limits).toEqual([
      { name: "g", algorithm: "gcra", limit: 4, periodMs: 1000, burst: 4 },
      { name: "b", algorithm: "tokenBucket", capacity: 9, refillPerSecond: 1 },
    ]);
  });
});

describe("runtime plans and overrides", () => {
  it("upsertPlan + setOverride apply from the next check, without a restart", () => {
    const { limiter } = setup();
    limiter.limit("k");
    limiter.upsertPlan({
      name: "gold",
      limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 100, refillPerSecond: 1 }],
    });
    limiter.setOverride("k", { plan: "gold" });
    // Same name and algorithm: the bucket keeps its state (4 tokens), the new capacity refills it.
    const r = limiter.limit("k");
    expect(r).toMatchObject({ success: true, limit: 100, remaining: 3, policy: "minute" });
    limiter.setOverride("k", { plan: "pro" });
    // "day" is back with its old state (1 used); minute is clamped to nothing new.
    expect(limiter.peek("k").policies.map((p) => [p.policy, p.remaining])).toEqual([
      ["minute", 3],
      ["day", 999],
    ]);
    limiter.clearOverride("k");
    expect(limiter.planFor("k").name).toBe("free");
  });

  it("a limit whose algorithm changed starts full", () => {
    const { limiter } = setup();
    limiter.limit("k", { cost: 5 });
    limiter.setOverride("k", {
      limits: [{ name: "minute", algorithm: "fixedWindow", limit: 5, windowMs: 60_000 }],
    });
    expect(limiter.peek("k")).toMatchObject({ remaining: 5, policy: "minute" });
    expect(limiter.planFor("k").name).toBe("override");
  });

  it("clamps a kept state to the new, smaller capacity", () => {
    const { limiter } = setup();
    limiter.setOverride("k", { plan: "pro" });
    limiter.limit("k");
    limiter.clearOverride("k");
    expect(limiter.peek("k").policies[0]).toMatchObject({ policy: "minute", limit: 5, remaining: 5 });
  });

  it("a kept window or log state above the new, smaller limit reports 0 remaining, never negative", () => {
    const window = (limit: number) => [
      { name: "w", algorithm: "fixedWindow" as const, limit, windowMs: 60_000 },
      { name: "l", algorithm: "slidingLog" as const, limit, windowMs: 60_000 },
    ];
    const { limiter } = setup({
      plans: [
        { name: "big", limits: window(10) },
        { name: "small", limits: window(3) },
      ],
      defaultPlan: "big",
    });
    expect(limiter.limit("k", { cost: 8 }).success).toBe(true);
    limiter.setOverride("k", { plan: "small" });
    for (const r of [limiter.peek("k"), limiter.limit("k")]) {
      expect(r).toMatchObject({ success: false, limit: 3, remaining: 0 });
      expect(r.policies.map((p) => [p.policy, p.remaining])).toEqual([
        ["w", 0],
        ["l", 0],
      ]);
    }
  });

  it("override naming a missing plan → UNKNOWN_PLAN; bad overrides → CONFIG_INVALID", () => {
    const { limiter, clock } = setup();
    expect(codeOf(() => limiter.setOverride("k", { plan: "gold" }))).toBe("UNKNOWN_PLAN");
    expect(codeOf(() => limiter.setOverride("k", { limits: [] } as never))).toBe("CONFIG_INVALID");
    expect(codeOf(() => limiter.setOverride("k", { plan: "pro" }, { expiresAt: clock.now() }))).toBe("CONFIG_INVALID");
    expect(codeOf(() => limiter.setOverride("", { plan: "pro" }))).toBe("INVALID_KEY");
    expect(limiter.planFor("k").name).toBe("free");
  });

  it("an expired override is ignored, then swept", () => {
    const { limiter, clock, db } = setup();
    limiter.setOverride("k", { plan: "pro" }, { expiresAt: T0 + 60_000 });
    expect(limiter.planFor("k").name).toBe("pro");
    clock.advance(60_000);
    expect(limiter.planFor("k").name).toBe("free");
    expect(limiter.getOverride("k")).toBeNull();
    expect(limiter.sweep().overrides).toBe(1);
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_overrides").one()).toEqual({ n: 0 });
  });

  it("deleting a plan an override uses → PLAN_IN_USE; unknown → PLAN_NOT_FOUND", () => {
    const { limiter } = setup();
    limiter.upsertPlan({ name: "gold", limits: [{ name: "m", algorithm: "fixedWindow", limit: 1, windowMs: 1000 }] });
    limiter.setOverride("k", { plan: "gold" });
    expect(codeOf(() => limiter.deletePlan("gold"))).toBe("PLAN_IN_USE");
    limiter.clearOverride("k");
    limiter.deletePlan("gold");
    expect(codeOf(() => limiter.deletePlan("gold"))).toBe("PLAN_NOT_FOUND");
  });

  it("at most 100 plans → TOO_MANY_PLANS", () => {
    const { limiter } = setup();
    const spec = [{ name: "m", algorithm: "fixedWindow" as const, limit: 1, windowMs: 1000 }];
    for (let i = 0; i < 97; i++) limiter.upsertPlan({ name: `p${i}`, limits: spec });
    expect(limiter.listPlans()).toHaveLength(100);
    expect(codeOf(() => limiter.upsertPlan({ name: "one-more", limits: spec }))).toBe("TOO_MANY_PLANS");
    limiter.upsertPlan({ name: "p0", limits: spec });
  });

  it("plans survive a restart", () => {
    const { limiter, reopen } = setup();
    limiter.upsertPlan({ name: "gold", limits: [{ name: "m", algorithm: "fixedWindow", limit: 1, windowMs: 1000 }] });
    limiter.setOverride("k", { plan: "gold" });
    expect(reopen().planFor("k").name).toBe("gold");
  });
});

describe("sweep", () => {
  it("deletes only full rows and changes no decision", () => {
    const a = setup();
    const b = setup();
    a.limiter.setOverride("log", { plan: "log" });
    b.limiter.setOverride("log", { plan: "log" });
    const keys = ["k1", "k2", "k3", "log"];
    const step = (ms: number) => {
      a.clock.advance(ms);
      b.clock.advance(ms);
    };
    for (const k of keys) {
      a.limiter.limit(k, { cost: 2 });
      b.limiter.limit(k, { cost: 2 });
    }
    step(45_000);
    a.limiter.limit("k1");
    b.limiter.limit("k1");
    step(20_000);
    const report = a.limiter.sweep();
    // Every minute bucket is full again (k1's since 57 s), the log (10 s) has expired; the day
    // windows are not idle.
    expect(report.deleted).toBe(4);
    expect(a.db.sql.exec("SELECT count(*) AS n FROM rl_state").one()).toEqual({ n: 3 });
    expect(a.db.sql.exec("SELECT count(*) AS n FROM rl_log").one()).toEqual({ n: 0 });
    for (let i = 0; i < 30; i++) {
      for (const k of keys) expect(a.limiter.limit(k)).toEqual(b.limiter.limit(k));
      step(3_700);
      if (i % 7 === 0) a.limiter.sweep();
    }
    step(2 * 86_400_000);
    a.limiter.sweep();
    expect(a.db.sql.exec("SELECT count(*) AS n FROM rl_state").one()).toEqual({ n: 0 });
    for (const k of keys) expect(a.limiter.limit(k)).toEqual(b.limiter.limit(k));
  });

  it("asks the scheduler for an hourly wake-up and re-arms after it", () => {
    const wake = new RecordingWake();
    const { limiter, clock } = setup(MINUTE_DAY, { wake });
    expect(wake.pending.get("sweep")).toBe(T0 + SWEEP_INTERVAL_MS);
    wake.pending.clear();
    clock.advance(SWEEP_INTERVAL_MS);
    limiter.onSweepWake();
    expect(wake.pending.get("sweep")).toBe(T0 + 2 * SWEEP_INTERVAL_MS);
  });

  it("without a Wake port, checks sweep inline at most hourly", () => {
    const { limiter, clock, db } = setup();
    limiter.limit("k");
    clock.advance(2 * 86_400_000);
    limiter.limit("other");
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_state WHERE key = 'k'").one()).toEqual({ n: 0 });
  });

  it("without a Wake port, a peek or a rejected check never runs the inline sweep (they write nothing)", () => {
    const { limiter, clock, counter, db } = setup();
    limiter.limit("k");
    limiter.setOverride("zero", { limits: [{ name: "m", algorithm: "fixedWindow", limit: 0, windowMs: 1000 }] });
    clock.advance(2 * 86_400_000);
    const w = counter.written();
    limiter.peek("other");
    expect(limiter.limit("zero").success).toBe(false);
    limiter.planFor("other");
    expect(counter.written()).toBe(w);
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_state WHERE key = 'k'").one()).toEqual({ n: 2 });
    // The next admitted check writes anyway, and sweeps with it.
    limiter.limit("other");
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_state WHERE key = 'k'").one()).toEqual({ n: 0 });
  });

  it("pages through a table larger than one pass and reaches every idle row", () => {
    const wake = new RecordingWake();
    const { limiter, clock, db } = setup(
      { plans: [{ name: "p", limits: [{ name: "m", capacity: 5, refillPerSecond: 5 }] }], defaultPlan: "p" },
      { wake },
    );
    for (let b = 0; b < 120; b++)
      limiter.limitBatch(Array.from({ length: 100 }, (_, i) => ({ key: `k${b * 100 + i}` })));
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_state").one()).toEqual({ n: 12_000 });
    clock.advance(10_000);
    const first = limiter.onSweepWake();
    expect(first).toMatchObject({ deleted: 5_000, more: true });
    expect(wake.pending.get("sweep")).toBe(clock.now() + 10_000);
    limiter.sweep();
    expect(limiter.sweep()).toMatchObject({ deleted: 2_000, more: false });
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_state").one()).toEqual({ n: 0 });
  });
});
