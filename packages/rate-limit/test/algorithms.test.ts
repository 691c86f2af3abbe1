/**
 * Proves each algorithm against hand-computed tables: remaining, reset, retryAfter, window
 * alignment, limit 0, and a clock that goes backwards. Does not touch storage (pure functions).
 */
import { describe, expect, it } from "vitest";
import { fixedWindow, gcra, slidingLog, slidingWindow, tokenBucket } from "../src/index.ts";

type Row = { t: number; cost: number; success: boolean; remaining: number; reset: number; retryAfter: number };

function run<S, C>(
  fn: (
    s: S | undefined,
    t: number,
    c: number,
    cfg: C,
  ) => {
    state: S | undefined;
    decision: { success: boolean; remaining: number; reset: number; retryAfter: number };
  },
  cfg: C,
  rows: Row[],
): void {
  let state: S | undefined;
  rows.forEach((row, i) => {
    const before = state;
    const { state: next, decision } = fn(state, row.t, row.cost, cfg);
    expect({ i, ...decision }).toMatchObject({
      i,
      success: row.success,
      remaining: row.remaining,
      reset: row.reset,
      retryAfter: row.retryAfter,
    });
    if (!row.success) expect(next).toBe(before);
    state = next;
  });
}

const T0 = 1_000_000;

describe("tokenBucket (capacity 10, 2 tokens/s)", () => {
  it("matches the hand-computed table", () => {
    run(tokenBucket, { capacity: 10, refillPerSecond: 2 }, [
      { t: T0, cost: 1, success: true, remaining: 9, reset: T0 + 500, retryAfter: 0 },
      { t: T0, cost: 9, success: true, remaining: 0, reset: T0 + 5000, retryAfter: 0 },
      // 0.2 tokens after 100 ms; 0.8 more take 400 ms.
      { t: T0 + 100, cost: 1, success: false, remaining: 0, reset: T0 + 5000, retryAfter: 400 },
      { t: T0 + 500, cost: 1, success: true, remaining: 0, reset: T0 + 5500, retryAfter: 0 },
      // The clock went back 100 ms: zero elapsed time, so the wait is counted from T0+500.
      { t: T0 + 400, cost: 1, success: false, remaining: 0, reset: T0 + 5500, retryAfter: 600 },
      { t: T0 + 10_000, cost: 10, success: true, remaining: 0, reset: T0 + 15_000, retryAfter: 0 },
    ]);
  });

  it("starts full and never exceeds capacity", () => {
    const { decision } = tokenBucket({ tokens: 3, at: T0 }, T0 + 3_600_000, 1, { capacity: 10, refillPerSecond: 2 });
    expect(decision).toMatchObject({ success: true, remaining: 9 });
  });

  it("retryAfter is exact: fails 1 ms before, passes at", () => {
    const cfg = { capacity: 7, refillPerSecond: 0.3 };
    const s = tokenBucket(undefined, T0, 7, cfg).state;
    const { decision } = tokenBucket(s, T0 + 123, 2, cfg);
    expect(decision.success).toBe(false);
    expect(tokenBucket(s, T0 + 123 + decision.retryAfter - 1, 2, cfg).decision.success).toBe(false);
    expect(tokenBucket(s, T0 + 123 + decision.retryAfter, 2, cfg).decision.success).toBe(true);
  });

  it("capacity 0 always denies", () => {
    expect(tokenBucket(undefined, T0, 1, { capacity: 0, refillPerSecond: 5 }).decision.success).toBe(false);
  });
});

describe("gcra (10 per second, burst 3: T = 100 ms, tolerance 300 ms)", () => {
  it("matches the hand-computed table", () => {
    run(gcra, { limit: 10, periodMs: 1000, burst: 3 }, [
      { t: T0, cost: 1, success: true, remaining: 2, reset: T0 + 100, retryAfter: 0 },
      { t: T0, cost: 1, success: true, remaining: 1, reset: T0 + 200, retryAfter: 0 },
      { t: T0, cost: 1, success: true, remaining: 0, reset: T0 + 300, retryAfter: 0 },
      { t: T0, cost: 1, success: false, remaining: 0, reset: T0 + 300, retryAfter: 100 },
      { t: T0 + 100, cost: 1, success: true, remaining: 0, reset: T0 + 400, retryAfter: 0 },
      { t: T0 + 150, cost: 2, success: false, remaining: 0, reset: T0 + 400, retryAfter: 150 },
      { t: T0 + 1000, cost: 1, success: true, remaining: 2, reset: T0 + 1100, retryAfter: 0 },
    ]);
  });

  it("limit 0 or burst 0 always denies", () => {
    expect(gcra(undefined, T0, 1, { limit: 0, periodMs: 1000, burst: 3 }).decision.success).toBe(false);
    expect(gcra(undefined, T0, 1, { limit: 5, periodMs: 1000, burst: 0 }).decision.success).toBe(false);
  });
});

describe("fixedWindow (3 per 1 s)", () => {
  it("aligns windows to the epoch, not to the first request", () => {
    run(fixedWindow, { limit: 3, windowMs: 1000 }, [
      { t: 5_000_250, cost: 2, success: true, remaining: 1, reset: 5_001_000, retryAfter: 0 },
      { t: 5_000_250, cost: 2, success: false, remaining: 1, reset: 5_001_000, retryAfter: 750 },
      { t: 5_000_999, cost: 1, success: true, remaining: 0, reset: 5_001_000, retryAfter: 0 },
      { t: 5_001_000, cost: 3, success: true, remaining: 0, reset: 5_002_000, retryAfter: 0 },
      { t: 5_001_500, cost: 1, success: false, remaining: 0, reset: 5_002_000, retryAfter: 500 },
    ]);
  });
});

describe("slidingWindow (10 per 1 s, weighted counter)", () => {
  it("matches the hand-computed table", () => {
    run(slidingWindow, { limit: 10, windowMs: 1000 }, [
      { t: 10_000, cost: 6, success: true, remaining: 4, reset: 12_000, retryAfter: 0 },
      // prev 6 × (1 − 250/1000) = 4.5; 4.5 + 5 = 9.5 ≤ 10.
      { t: 11_250, cost: 5, success: true, remaining: 0, reset: 13_000, retryAfter: 0 },
      // 6 × (1 − e/1000) + 5 + 1 ≤ 10 ⇔ e ≥ 333.3 ms → passes at 11,334.
      { t: 11_250, cost: 1, success: false, remaining: 0, reset: 13_000, retryAfter: 84 },
      { t: 11_334, cost: 1, success: true, remaining: 0, reset: 13_000, retryAfter: 0 },
      // Two windows later both counts have expired.
      { t: 13_000, cost: 10, success: true, remaining: 0, reset: 15_000, retryAfter: 0 },
    ]);
  });
});

describe("slidingLog (3 per 1 s, exact)", () => {
  it("matches the hand-computed table", () => {
    run(slidingLog, { limit: 3, windowMs: 1000 }, [
      { t: 1000, cost: 1, success: true, remaining: 2, reset: 2000, retryAfter: 0 },
      { t: 1200, cost: 1, success: true, remaining: 1, reset: 2200, retryAfter: 0 },
      { t: 1400, cost: 1, success: true, remaining: 0, reset: 2400, retryAfter: 0 },
      { t: 1500, cost: 1, success: false, remaining: 0, reset: 2400, retryAfter: 500 },
      // The entry at 1000 left the window (ts ≤ t − W).
      { t: 2000, cost: 1, success: true, remaining: 0, reset: 3000, retryAfter: 0 },
      // Cost 2 needs the entries at 1200 and 1400 gone: at 2400.
      { t: 2100, cost: 2, success: false, remaining: 0, reset: 3000, retryAfter: 300 },
      { t: 2400, cost: 2, success: true, remaining: 0, reset: 3400, retryAfter: 0 },
    ]);
  });

  it("keeps only live entries in the next state", () => {
    const cfg = { limit: 3, windowMs: 1000 };
    let s = slidingLog(undefined, 1000, 1, cfg).state;
    s = slidingLog(s, 1500, 1, cfg).state;
    s = slidingLog(s, 2600, 1, cfg).state;
    expect(s?.entries).toEqual([{ ts: 2600, cost: 1 }]);
  });
});
