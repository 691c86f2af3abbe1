/**
 * The refresh budget as decisions: 5 s while visible, paused when hidden, for static views and
 * after 10 minutes without input; a 429's Retry-After (seconds or an HTTP date) pushes the next
 * refresh out; and the arithmetic the issue asks for: two calls every 5 s stay under the free
 * plan's 60 a minute, and a forgotten tab stops after 10 minutes (240 calls), far below 10,000 a
 * day, where three calls every 5 s without the idle stop would spend 51,840.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  IDLE_STOP_MS,
  MAX_CALLS_PER_REFRESH,
  nextRefreshIn,
  pausedReason,
  REFRESH_INTERVAL_MS,
  type RefreshState,
  refreshBudget,
  retryAfterUntil,
} from "../public/js/refresh-policy.js";

const now = Date.UTC(2026, 11, 4, 12);
const base: RefreshState = { visible: true, live: true, now, lastInputAt: now, lastRefreshAt: now, retryAfterUntil: 0 };

describe("when to refresh", () => {
  it("every 5 s while visible and attended", () => {
    expect(nextRefreshIn(base)).toBe(REFRESH_INTERVAL_MS);
    expect(nextRefreshIn({ ...base, now: now + 4_000 })).toBe(1_000);
    expect(nextRefreshIn({ ...base, now: now + 9_000, lastInputAt: now + 9_000 })).toBe(0);
  });

  it("pauses when hidden, for static views, and 10 minutes after the last input", () => {
    expect(pausedReason({ ...base, visible: false })).toBe("hidden");
    expect(nextRefreshIn({ ...base, visible: false })).toBeNull();
    expect(pausedReason({ ...base, live: false })).toBe("static");
    expect(pausedReason({ ...base, now: now + IDLE_STOP_MS - 1 })).toBeNull();
    expect(pausedReason({ ...base, now: now + IDLE_STOP_MS })).toBe("idle");
    expect(nextRefreshIn({ ...base, now: now + IDLE_STOP_MS })).toBeNull();
    // Input brings it back.
    expect(pausedReason({ ...base, now: now + IDLE_STOP_MS, lastInputAt: now + IDLE_STOP_MS })).toBeNull();
  });

  it("waits out a 429's Retry-After", () => {
    const until = retryAfterUntil("30", now);
    expect(until).toBe(now + 30_000);
    expect(nextRefreshIn({ ...base, retryAfterUntil: until })).toBe(30_000);
    expect(retryAfterUntil(new Date(now + 12_000).toUTCString(), now)).toBe(now + 12_000);
    expect(retryAfterUntil(new Date(now - 12_000).toUTCString(), now)).toBe(now);
    expect(retryAfterUntil(null, now)).toBe(now + REFRESH_INTERVAL_MS);
    expect(retryAfterUntil("soon", now)).toBe(now + REFRESH_INTERVAL_MS);
  });

  it("property: never schedules sooner than the interval after a refresh, nor before Retry-After", () => {
    fc.assert(
      fc.property(fc.nat(600_000), fc.nat(600_000), fc.nat(120_000), (sinceRefresh, sinceInput, retry) => {
        const s = {
          ...base,
          now: now + 1e6,
          lastRefreshAt: now + 1e6 - sinceRefresh,
          lastInputAt: now + 1e6 - sinceInput,
          retryAfterUntil: now + 1e6 + retry - 60_000,
        };
        const wait = nextRefreshIn(s);
        if (sinceInput >= IDLE_STOP_MS) {
          expect(wait).toBeNull();
          return;
        }
        expect(wait).not.toBeNull();
        const at = s.now + (wait as number);
        expect(at).toBeGreaterThanOrEqual(s.lastRefreshAt + REFRESH_INTERVAL_MS);
        expect(at).toBeGreaterThanOrEqual(s.retryAfterUntil);
      }),
    );
  });
});

describe("the budget", () => {
  it("stays under the free plan: ≤ 24 a minute of 60, 240 per unattended stretch of 10,000 a day", () => {
    expect(MAX_CALLS_PER_REFRESH).toBe(2);
    const b = refreshBudget();
    expect(b.perMinute).toBe(24);
    expect(b.perMinute).toBeLessThanOrEqual(60 / 2);
    expect(b.perIdleStretch).toBe(240);
    expect(refreshBudget({ callsPerRefresh: 3 }).perDayIfNeverIdle).toBe(51_840);
  });
});
