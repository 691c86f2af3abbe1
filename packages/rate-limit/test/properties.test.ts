/**
 * Property tests (fast-check) over random arrival times and costs: each algorithm's admission
 * bound (token bucket ≤ capacity + rate·Δ, GCRA ≤ burst + Δ/T, sliding log ≤ L in every window
 * of length W, fixed window ≤ L per aligned window and ≤ 2L across a boundary, sliding counter
 * ≤ 2L), rejected checks leave the state byte-identical, a clock that goes back counts as zero
 * elapsed time, and neither a peek nor a rejected multi-limit check changes stored state.
 */
import { ManualClock } from "@durable/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow, gcra, slidingLog, slidingWindow, tokenBucket } from "../src/index.ts";
import { openDb } from "./helpers.ts";

type Algo<S, C> = (
  s: S | undefined,
  t: number,
  c: number,
  cfg: C,
) => { state: S | undefined; decision: { success: boolean } };

const T0 = 1_800_000_000_000;

/** Runs arrivals (time increments, costs) and returns the admitted (t, cost) pairs. */
function admitted<S, C>(fn: Algo<S, C>, cfg: C, steps: { dt: number; cost: number }[]) {
  let s: S | undefined;
  let t = T0;
  const out: { t: number; cost: number }[] = [];
  for (const step of steps) {
    t += step.dt;
    const before = JSON.stringify(s);
    const ref = s;
    const r = fn(s, t, step.cost, cfg);
    if (r.decision.success) out.push({ t, cost: step.cost });
    else {
      // A rejection returns the very same state and does not mutate it.
      expect(r.state).toBe(ref);
      expect(JSON.stringify(r.state)).toBe(before);
    }
    s = r.state;
  }
  return out;
}

/** Largest sum of costs admitted in any window [t_i, t_i + w) (or closed [t_i, t_j] when w undefined). */
function worstIn(adm: { t: number; cost: number }[], bound: (span: number) => number, window?: number): number {
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < adm.length; i++) {
    let sum = 0;
    for (let j = i; j < adm.length; j++) {
      const span = (adm[j]?.t ?? 0) - (adm[i]?.t ?? 0);
      if (window !== undefined && span >= window) break;
      sum += adm[j]?.cost ?? 0;
      worst = Math.max(worst, sum - bound(span));
    }
  }
  return worst;
}

const stepsArb = (maxDt: number, maxCost: number) =>
  fc.array(fc.record({ dt: fc.integer({ min: 0, max: maxDt }), cost: fc.integer({ min: 1, max: maxCost }) }), {
    minLength: 1,
    maxLength: 150,
  });

describe("admission bounds", () => {
  it("token bucket: admitted in [t, t+Δ] ≤ capacity + rate × Δ", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        stepsArb(3000, 20),
        (capacity, rate, steps) => {
          const cfg = { capacity, refillPerSecond: rate };
          const adm = admitted(
            tokenBucket,
            cfg,
            steps.map((s) => ({ ...s, cost: Math.min(s.cost, capacity) })),
          );
          expect(worstIn(adm, (span) => capacity + (rate * span) / 1000)).toBeLessThanOrEqual(1e-6);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("GCRA: admitted in [t, t+Δ] ≤ burst + Δ / T", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1000, max: 60_000 }),
        fc.integer({ min: 1, max: 20 }),
        stepsArb(2000, 20),
        (limit, periodMs, burst, steps) => {
          const cfg = { limit, periodMs, burst };
          const adm = admitted(
            gcra,
            cfg,
            steps.map((s) => ({ ...s, cost: Math.min(s.cost, burst) })),
          );
          const interval = periodMs / limit;
          expect(worstIn(adm, (span) => burst + span / interval)).toBeLessThanOrEqual(1e-6);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("sliding log: at most L in every window of length W", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1000, max: 10_000 }),
        stepsArb(1500, 30),
        (limit, w, steps) => {
          const adm = admitted(
            slidingLog,
            { limit, windowMs: w },
            steps.map((s) => ({ ...s, cost: Math.min(s.cost, limit) })),
          );
          expect(worstIn(adm, () => limit, w)).toBeLessThanOrEqual(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("fixed window: at most L per aligned window and 2L in any window of length W", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1000, max: 10_000 }),
        stepsArb(1500, 30),
        (limit, w, steps) => {
          const adm = admitted(
            fixedWindow,
            { limit, windowMs: w },
            steps.map((s) => ({ ...s, cost: Math.min(s.cost, limit) })),
          );
          const perWindow = new Map<number, number>();
          for (const a of adm) perWindow.set(Math.floor(a.t / w), (perWindow.get(Math.floor(a.t / w)) ?? 0) + a.cost);
          for (const sum of perWindow.values()) expect(sum).toBeLessThanOrEqual(limit);
          expect(worstIn(adm, () => 2 * limit, w)).toBeLessThanOrEqual(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("sliding counter: at most 2L in any window of length W", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1000, max: 10_000 }),
        stepsArb(1500, 30),
        (limit, w, steps) => {
          const adm = admitted(
            slidingWindow,
            { limit, windowMs: w },
            steps.map((s) => ({ ...s, cost: Math.min(s.cost, limit) })),
          );
          expect(worstIn(adm, () => 2 * limit, w)).toBeLessThanOrEqual(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("clock going backwards", () => {
  it("counts as zero elapsed time since the state was last written (never negative)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: -5000, max: 3000 }), cost: fc.integer({ min: 1, max: 5 }) }), {
          maxLength: 80,
        }),
        (steps) => {
          const cfg = { capacity: 5, refillPerSecond: 1.5 };
          let a: ReturnType<typeof tokenBucket>["state"];
          let b: ReturnType<typeof tokenBucket>["state"];
          let t = T0;
          for (const s of steps) {
            t += s.dt;
            // The reference never sees time go back: it is asked at max(t, last write).
            const clamped = Math.max(t, b?.at ?? t);
            const ra = tokenBucket(a, t, s.cost, cfg);
            const rb = tokenBucket(b, clamped, s.cost, cfg);
            expect(ra.decision.success).toBe(rb.decision.success);
            expect(ra.decision.remaining).toBe(rb.decision.remaining);
            expect(ra.decision.reset).toBe(rb.decision.reset);
            a = ra.state;
            b = rb.state;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("peek and rejections", () => {
  it("never change stored state or later decisions", () => {
    let rejected = 0;
    const config = {
      plans: [
        {
          name: "p",
          limits: [
            { name: "b", algorithm: "tokenBucket" as const, capacity: 4, refillPerSecond: 2 },
            { name: "g", algorithm: "gcra" as const, limit: 5, periodMs: 2000, burst: 3 },
            { name: "s", algorithm: "slidingWindow" as const, limit: 6, windowMs: 3000 },
            { name: "l", algorithm: "slidingLog" as const, limit: 5, windowMs: 2000 },
            { name: "f", algorithm: "fixedWindow" as const, limit: 6, windowMs: 1000 },
          ],
        },
      ],
      defaultPlan: "p",
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 1500 }),
            key: fc.constantFrom("a", "b"),
            cost: fc.integer({ min: 1, max: 3 }),
            peek: fc.boolean(),
          }),
          { maxLength: 60 },
        ),
        (ops) => {
          const da = openDb();
          const db = openDb();
          const ca = new ManualClock(T0);
          const cb = new ManualClock(T0);
          const la = createRateLimiter({ ...da, clock: ca }, config);
          const lb = createRateLimiter({ ...db, clock: cb }, config);
          la.start();
          const dump = () =>
            JSON.stringify([
              da.sql.exec("SELECT * FROM rl_state ORDER BY key, limit_name").toArray(),
              da.sql.exec("SELECT * FROM rl_log ORDER BY key, limit_name, ts").toArray(),
            ]);
          for (const op of ops) {
            ca.advance(op.dt);
            cb.advance(op.dt);
            if (op.peek) {
              const before = dump();
              la.peek(op.key);
              expect(dump()).toBe(before);
            }
            const before = dump();
            const r = la.limit(op.key, { cost: op.cost });
            if (!r.success) {
              rejected++;
              // A rejected multi-limit check consumes nothing from any limit: storage byte-identical.
              expect(dump()).toBe(before);
            }
            expect(r).toEqual(lb.limit(op.key, { cost: op.cost }));
          }
          da.close();
          db.close();
        },
      ),
      { numRuns: 60 },
    );
    // The property above must have seen rejections to mean anything.
    expect(rejected).toBeGreaterThan(0);
  });
});
