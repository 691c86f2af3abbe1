/**
 * Sliding window counter: the count of the current aligned window plus the previous window's
 * count weighted by how much of it still overlaps: `prev × (1 − elapsed / W) + curr`. O(1)
 * state (two counts and the time, which names the window).
 * Bound: the current window's count never exceeds `limit`, so a real window of length W,
 * which spans at most two aligned windows, admits at most `2 × limit` (the worst case, reached
 * only by a burst at the very end of one window and another at the start of the next).
 * @module
 */
import type { WindowConfig } from "./fixed-window.ts";
import { EPSILON, firstPassing, neverAdmits, type Step } from "./types.ts";

/** Counts of the window containing `at` and of the window before it. */
export interface SlidingWindowState {
  prev: number;
  curr: number;
  at: number;
}

interface Counts {
  prev: number;
  curr: number;
  start: number;
}

function countsAt(state: SlidingWindowState | undefined, t: number, w: number): Counts {
  const start = Math.floor(t / w) * w;
  if (state === undefined) return { prev: 0, curr: 0, start };
  const stateStart = Math.floor(state.at / w) * w;
  if (stateStart === start) return { prev: state.prev, curr: state.curr, start };
  if (stateStart === start - w) return { prev: state.curr, curr: 0, start };
  return { prev: 0, curr: 0, start };
}

function estimate(c: Counts, t: number, w: number): number {
  return c.prev * (1 - (t - c.start) / w) + c.curr;
}

/** Whether `cost` fits under the limit at `t` (the predicate of firstPassing). */
function fits(
  t: number,
  c: { state: SlidingWindowState | undefined; at: number; w: number; cost: number; limit: number },
): boolean {
  const te = Math.max(t, c.at);
  return estimate(countsAt(c.state, te, c.w), te, c.w) + c.cost <= c.limit + EPSILON;
}

/**
 * Decides one request of `cost` units at `nowMs`.
 * @param state the counts, or undefined for a key never seen
 * @param nowMs the current time, epoch ms
 * @param cost units asked for (0 evaluates without consuming)
 * @param cfg limit and window
 */
export function slidingWindow(
  state: SlidingWindowState | undefined,
  nowMs: number,
  cost: number,
  cfg: WindowConfig,
): Step<SlidingWindowState> {
  if (cfg.limit === 0) return { state, decision: neverAdmits(nowMs) };
  const w = cfg.windowMs;
  const at = state === undefined ? nowMs : Math.max(state.at, nowMs);
  const c = countsAt(state, at, w);
  const used = estimate(c, at, w);
  const resetOf = (curr: number, prev: number) => (curr > 0 ? c.start + 2 * w : prev > 0 ? c.start + w : nowMs);
  if (used + cost <= cfg.limit + EPSILON) {
    const curr = c.curr + cost;
    return {
      state: cost === 0 ? state : { prev: c.prev, curr, at },
      decision: {
        success: true,
        limit: cfg.limit,
        remaining: Math.max(0, Math.floor(cfg.limit - used - cost + EPSILON)),
        reset: resetOf(curr, c.prev),
        retryAfter: 0,
      },
    };
  }
  // Closed-form estimate of the first passing time, then made exact by firstPassing.
  let guess: number;
  if (c.curr + cost <= cfg.limit && c.prev > 0) {
    guess = c.start + w * (1 - (cfg.limit - cost - c.curr) / c.prev);
  } else {
    const over = c.curr - (cfg.limit - cost);
    guess = c.start + w + (over > 0 && c.curr > 0 ? w * (over / c.curr) : 0);
  }
  const passAt = firstPassing(nowMs, guess, fits, { state, at, w, cost, limit: cfg.limit });
  return {
    state,
    decision: {
      success: false,
      limit: cfg.limit,
      remaining: Math.max(0, Math.floor(cfg.limit - used + EPSILON)),
      reset: resetOf(c.curr, c.prev),
      retryAfter: passAt - nowMs,
    },
  };
}
