/**
 * Proves the limiter over the real better-sqlite3 adapter: all-or-nothing multi-limit checks,
 * persistence (a new limiter on the same database decides identically), cache eviction,
 * peek and rejections writing 0 rows, reset, limitBatch writing each key once, plans and
 * overrides changing mid-stream, and every bad input of the issue with its code. It does not
 * cover the DO runtime (apps/platform's workerd tests do).
 */
import { describe, expect, it } from "vitest";
import { createRateLimiter, type RateLimitResult } from "../src/index.ts";
import { codeOf, MINUTE_DAY, setup, T0 } from "./helpers.ts";

const remainingOf = (r: RateLimitResult, policy: string) => r.policies.find((p) => p.policy === policy)?.remaining;

describe("limit()", () => {
  it("reports the limit with the least remaining and every policy", () => {
    const { limiter } = setup();
    const r = limiter.limit("user:1");
    expect(r.success).toBe(true);
    expect(r.policies.map((p) => [p.policy, p.remaining])).toEqual([
      ["minute", 4],
      ["day", 7],
    ]);
    expect(r).toMatchObject({ policy: "minute", limit: 5, remaining: 4, retryAfter: 0, reset: T0 + 12_000 });
  });

  it("is all-or-nothing: the second limit rejects and the first keeps its remaining", () => {
    const { limiter, clock, counter } = setup();
    for (let i = 0; i < 8; i++) {
      expect(limiter.limit("k").success).toBe(true);
      clock.advance(60_000);
    }
    const before = limiter.peek("k");
    const written = counter.written();
    const r = limiter.limit("k");
    expect(r.success).toBe(false);
    expect(r.policy).toBe("day");
    expect(remainingOf(r, "minute")).toBe(5);
    expect(r.policies.find((p) => p.policy === "minute")?.success).toBe(true);
    expect(r.retryAfter).toBeGreaterThan(0);
    expect(counter.written()).toBe(written);
    expect(limiter.peek("k")).toEqual(before);
  });

  it("retryAfter is the largest among the rejecting limits", () => {
    const { limiter } = setup();
    for (let i = 0; i < 5; i++) limiter.limit("k");
    const r = limiter.limit("k", { cost: 4 });
    expect(r.success).toBe(false);
    // minute: 4 tokens at 5/60 per s = 48 s. day: 5 × (1 − e/W) + 4 ≤ 8 from 0.2 days into
    // the next aligned day (T0 is midnight).
    expect(r.policies.map((p) => [p.policy, p.success, p.retryAfter])).toEqual([
      ["minute", false, 48_000],
      ["day", false, 1.2 * 86_400_000],
    ]);
    expect(r.retryAfter).toBe(1.2 * 86_400_000);
    expect(limiter.limit("k", { cost: 3, limits: ["minute"] }).retryAfter).toBe(36_000);
  });

  it("a rejected check writes 0 rows and an admitted one writes its rows before returning", () => {
    const { limiter, counter, db } = setup();
    const w0 = counter.written();
    limiter.limit("k", { cost: 5 });
    expect(counter.written() - w0).toBe(2);
    const w1 = counter.written();
    expect(limiter.limit("k").success).toBe(false);
    expect(counter.written()).toBe(w1);
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_state WHERE key = 'k'").one()).toEqual({ n: 2 });
  });

  it("a limit named twice in `limits` is checked and consumed once", () => {
    const { limiter, db, reopen } = setup();
    const r = limiter.limit("k", { limits: ["day", "minute", "day"] });
    expect(r.policies.map((p) => [p.policy, p.remaining])).toEqual([
      ["day", 7],
      ["minute", 4],
    ]);
    const log = limiter.limit("l", { limits: ["day", "day"] });
    expect(log.policies).toHaveLength(1);
    // Sliding log: one row per admission, so the cache and a fresh limiter agree.
    limiter.setOverride("s", { plan: "log" });
    limiter.limit("s", { limits: ["strict", "strict"] });
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_log WHERE key = 's'").one()).toEqual({ n: 1 });
    expect(reopen().peek("s").remaining).toBe(limiter.peek("s").remaining);
    expect(limiter.peek("s").remaining).toBe(2);
  });

  it("checks only the named limits", () => {
    const { limiter } = setup();
    const r = limiter.limit("k", { limits: ["day"] });
    expect(r.policies.map((p) => p.policy)).toEqual(["day"]);
    expect(limiter.peek("k").policies.map((p) => p.remaining)).toEqual([5, 7]);
  });

  it("a new limiter on the same database decides identically", () => {
    const { limiter, clock, reopen } = setup();
    const seq = [1, 2, 1, 3, 1, 1];
    const a: RateLimitResult[] = [];
    for (const cost of seq.slice(0, 3)) {
      a.push(limiter.limit("k", { cost }));
      clock.advance(7_000);
    }
    const fresh = reopen();
    const b = seq.slice(3).map((cost) => {
      const r = fresh.limit("k", { cost });
      clock.advance(7_000);
      return r;
    });
    // Compare with a limiter that never restarted, on its own database.
    const ref = setup();
    const all = seq.map((cost) => {
      const r = ref.limiter.limit("k", { cost });
      ref.clock.advance(7_000);
      return r;
    });
    expect([...a, ...b]).toEqual(all);
  });

  it("cache eviction reloads the same state from SQLite", () => {
    const { ports } = setup();
    const small = createRateLimiter(ports, { ...MINUTE_DAY, cacheSize: 2 });
    for (const k of ["a", "b", "c", "a", "d", "b"]) small.limit(k);
    expect(small.stats().evictions).toBeGreaterThan(0);
    expect(small.stats().cached).toBe(2);
    const big = createRateLimiter(ports, MINUTE_DAY);
    for (const k of ["a", "b", "c", "d"]) expect(small.peek(k)).toEqual(big.peek(k));
    expect(small.peek("a").remaining).toBe(3);
  });

  it("a sliding-log limit stores one row per admitted request and deletes expired ones", () => {
    const { limiter, clock, db } = setup();
    limiter.setOverride("k", { plan: "log" });
    for (let i = 0; i < 4; i++) limiter.limit("k");
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_log WHERE key = 'k'").one()).toEqual({ n: 3 });
    clock.advance(10_000);
    expect(limiter.limit("k").success).toBe(true);
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_log WHERE key = 'k'").one()).toEqual({ n: 1 });
  });
});

describe("peek() and reset()", () => {
  it("peek consumes nothing and writes 0 rows", () => {
    const { limiter, counter } = setup();
    limiter.limit("k", { cost: 2 });
    const w = counter.written();
    const p1 = limiter.peek("k");
    const p2 = limiter.peek("k");
    expect(counter.written()).toBe(w);
    expect(p1).toEqual(p2);
    expect(p1).toMatchObject({ success: true, remaining: 3 });
    expect(limiter.peek("never-seen")).toMatchObject({ success: true, remaining: 5 });
    expect(counter.written()).toBe(w);
  });

  it("reset deletes one limit or all, and the next check sees a full quota", () => {
    const { limiter } = setup();
    limiter.limit("k", { cost: 5 });
    limiter.reset("k", "minute");
    expect(limiter.peek("k").policies.map((p) => p.remaining)).toEqual([5, 3]);
    limiter.reset("k");
    expect(limiter.limit("k")).toMatchObject({ success: true, remaining: 4 });
    expect(limiter.peek("k").policies.map((p) => p.remaining)).toEqual([4, 7]);
  });
});

describe("limitBatch()", () => {
  it("decides in order and writes each changed key once in one transaction", () => {
    const { limiter, counter } = setup();
    const checks = [
      ...Array.from({ length: 6 }, () => ({ key: "hot" })),
      { key: "a" },
      { key: "b", cost: 2 },
      { key: "a" },
    ];
    const w = counter.written();
    const results = limiter.limitBatch(checks);
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false, true, true, true]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 4, 3, 3]);
    // 3 keys × 2 limits, each row written once.
    expect(counter.written() - w).toBe(6);
    const seq = setup();
    expect(checks.map(({ key, ...o }) => seq.limiter.limit(key, o))).toEqual(results);
  });

  it("a sliding-log key checked several times in one batch: one log row per admission, one state row", () => {
    const { limiter, counter, db, clock } = setup();
    limiter.setOverride("log", { plan: "log" });
    const w = counter.written();
    const results = limiter.limitBatch(Array.from({ length: 5 }, () => ({ key: "log" })));
    expect(results.map((r) => r.success)).toEqual([true, true, true, false, false]);
    // 3 log rows + 1 state row.
    expect(counter.written() - w).toBe(4);
    clock.advance(10_000);
    expect(limiter.limitBatch([{ key: "log" }, { key: "log" }]).map((r) => r.remaining)).toEqual([2, 1]);
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_log WHERE key = 'log'").one()).toEqual({ n: 2 });
  });

  it("a key checked twice in a batch is decided against one state even with a tiny cache", () => {
    const { ports } = setup();
    const tiny = createRateLimiter(ports, { ...MINUTE_DAY, cacheSize: 1 });
    const checks = [{ key: "x" }, { key: "y" }, { key: "z" }, { key: "x", cost: 4 }, { key: "x" }];
    expect(tiny.limitBatch(checks).map((r) => [r.success, r.remaining])).toEqual([
      [true, 4],
      [true, 4],
      [true, 4],
      [true, 0],
      [false, 0],
    ]);
  });

  it("101 checks → BATCH_TOO_LARGE and none decided", () => {
    const { limiter, counter } = setup();
    const w = counter.written();
    expect(codeOf(() => limiter.limitBatch(Array.from({ length: 101 }, () => ({ key: "k" }))))).toBe("BATCH_TOO_LARGE");
    expect(counter.written()).toBe(w);
    expect(limiter.peek("k").remaining).toBe(5);
  });

  it("one bad check rejects the whole batch before any decision", () => {
    const { limiter, counter } = setup();
    const w = counter.written();
    let message = "";
    try {
      limiter.limitBatch([{ key: "a" }, { key: "b", cost: 1.5 }]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^\[INVALID_COST\] checks\[1\]\.cost/);
    expect(() => limiter.limitBatch([{ key: "a" }, { key: "a\nb" }])).toThrow(
      /^\[INVALID_KEY\] checks\[1\]\.key: control/,
    );
    expect(() => limiter.limit("")).toThrow(/^\[INVALID_KEY\] key: must be a non-empty string/);
    expect(counter.written()).toBe(w);
    expect(limiter.peek("a").remaining).toBe(5);
  });

  it("a failed transaction leaves cache and storage in agreement", () => {
    const { limiter, db, ports } = setup();
    limiter.limit("a");
    db.sql.exec(
      "CREATE TRIGGER rl_fail BEFORE INSERT ON rl_state WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
    );
    expect(() => limiter.limitBatch([{ key: "a" }, { key: "boom" }])).toThrow(/boom/);
    db.sql.exec("DROP TRIGGER rl_fail");
    expect(limiter.peek("a").remaining).toBe(4);
    expect(createRateLimiter(ports, MINUTE_DAY).peek("a").remaining).toBe(4);
  });
});

describe("bad input", () => {
  it.each([0, -1, 1.5, Number.NaN, "2", null, Number.POSITIVE_INFINITY, 2 ** 60])(
    "cost %s → INVALID_COST, nothing written",
    (cost) => {
      const { limiter, counter } = setup();
      const w = counter.written();
      expect(codeOf(() => limiter.limit("k", { cost: cost as number }))).toBe("INVALID_COST");
      expect(counter.written()).toBe(w);
      expect(limiter.peek("k").remaining).toBe(5);
    },
  );

  it("cost above a checked limit's capacity → INVALID_COST", () => {
    const { limiter, counter } = setup();
    const w = counter.written();
    expect(codeOf(() => limiter.limit("k", { cost: 6 }))).toBe("INVALID_COST");
    expect(counter.written()).toBe(w);
    expect(limiter.limit("k", { cost: 6, limits: ["day"] }).success).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["513 bytes", "x".repeat(513)],
    ["171 three-byte chars", "€".repeat(171)],
    ["a control character", "a\nb"],
    ["DEL", "a\u007fb"],
    ["a lone surrogate", "a\ud800b"],
    ["not a string", 42],
  ])("key %s → INVALID_KEY", (_, key) => {
    const { limiter, counter } = setup();
    const w = counter.written();
    expect(codeOf(() => limiter.limit(key as string))).toBe("INVALID_KEY");
    expect(codeOf(() => limiter.peek(key as string))).toBe("INVALID_KEY");
    expect(counter.written()).toBe(w);
  });

  it("accepts a 512-byte key and unicode", () => {
    const { limiter } = setup();
    expect(limiter.limit("x".repeat(512)).success).toBe(true);
    expect(limiter.limit("€".repeat(170)).success).toBe(true);
    expect(limiter.limit("user:ünïcødé:🙂").success).toBe(true);
  });

  it("unknown limit name → UNKNOWN_LIMIT", () => {
    const { limiter } = setup();
    expect(codeOf(() => limiter.limit("k", { limits: ["hour"] }))).toBe("UNKNOWN_LIMIT");
    expect(codeOf(() => limiter.limit("k", { limits: [] }))).toBe("UNKNOWN_LIMIT");
    expect(limiter.peek("k").remaining).toBe(5);
  });
});
