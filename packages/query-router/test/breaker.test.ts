/** CircuitBreaker transitions with an injected clock. */
import { ManualClock } from "@durable/core";
import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../src/index.ts";

describe("CircuitBreaker", () => {
  it("opens after 5 consecutive failures, fails fast for 30 s, then lets one probe through", () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker(clock);
    for (let i = 0; i < 4; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.failure();
    }
    expect(b.state).toBe("closed");
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    clock.advance(29_999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.state).toBe("half-open");
    expect(b.tryAcquire()).toBe(true);
    // Exactly one probe.
    expect(b.tryAcquire()).toBe(false);
    b.success();
    expect(b.state).toBe("closed");
    expect(b.consecutiveFailures).toBe(0);
  });

  it("a success resets the count", () => {
    const b = new CircuitBreaker(new ManualClock(0));
    for (let i = 0; i < 4; i++) b.failure();
    b.success();
    for (let i = 0; i < 4; i++) b.failure();
    expect(b.state).toBe("closed");
  });

  it("a failed probe reopens it for another 30 s", () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker(clock, { failures: 1, openMs: 30_000 });
    b.failure();
    clock.advance(30_000);
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe("open");
    clock.advance(29_999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.tryAcquire()).toBe(true);
    expect(b.opened).toBe(2);
  });

  it("a probe given up without an outcome lets the next one through", () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker(clock, { failures: 1 });
    b.failure();
    clock.advance(30_000);
    expect(b.tryAcquire()).toBe(true);
    b.release();
    expect(b.tryAcquire()).toBe(true);
  });
});
