/**
 * Sliding log: exact. One entry (time, cost) per admitted request; a request at t is admitted
 * when the entries in (t − W, t] plus its cost stay within `limit`. O(limit) state, so `limit`
 * is capped at 10,000.
 * Bound: no window of length W, anywhere, admits more than `limit` units.
 * @module
 */
import type { WindowConfig } from "./fixed-window.ts";
import { neverAdmits, type Step } from "./types.ts";

/** One admitted request. */
export interface LogEntry {
  ts: number;
  cost: number;
}

/** The admitted requests still inside the window, oldest first, and the last write time. */
export interface SlidingLogState {
  entries: readonly LogEntry[];
  at: number;
}

/**
 * Decides one request of `cost` units at `nowMs`. On admission the new state holds only live
 * entries plus the new one; the caller deletes the rest from storage.
 * @param state the log, or undefined for a key never seen
 * @param nowMs the current time, epoch ms
 * @param cost units asked for (0 evaluates without consuming)
 * @param cfg limit and window
 */
export function slidingLog(
  state: SlidingLogState | undefined,
  nowMs: number,
  cost: number,
  cfg: WindowConfig,
): Step<SlidingLogState> {
  if (cfg.limit === 0) return { state, decision: neverAdmits(nowMs) };
  const w = cfg.windowMs;
  const at = state === undefined ? nowMs : Math.max(state.at, nowMs);
  const entries = state?.entries ?? [];
  let first = 0;
  while (first < entries.length && (entries[first] as LogEntry).ts <= at - w) first++;
  let used = 0;
  for (let i = first; i < entries.length; i++) used += (entries[i] as LogEntry).cost;
  const newest = entries.length > first ? (entries[entries.length - 1] as LogEntry).ts : undefined;
  if (used + cost <= cfg.limit) {
    if (cost === 0) {
      const reset = newest === undefined ? nowMs : newest + w;
      return {
        state,
        decision: { success: true, limit: cfg.limit, remaining: cfg.limit - used, reset, retryAfter: 0 },
      };
    }
    const live = entries.slice(first);
    live.push({ ts: at, cost });
    return {
      state: { entries: live, at },
      decision: { success: true, limit: cfg.limit, remaining: cfg.limit - used - cost, reset: at + w, retryAfter: 0 },
    };
  }
  // The request passes once enough of the oldest live entries have left the window.
  let left = used;
  let passAt = at;
  for (let i = first; i < entries.length && left + cost > cfg.limit; i++) {
    const e = entries[i] as LogEntry;
    left -= e.cost;
    passAt = e.ts + w;
  }
  return {
    state,
    decision: {
      success: false,
      limit: cfg.limit,
      // Entries kept from a plan with a larger limit may exceed this one: nothing is left, not less.
      remaining: Math.max(0, cfg.limit - used),
      reset: (newest ?? at) + w,
      retryAfter: Math.max(1, passAt - nowMs),
    },
  };
}
