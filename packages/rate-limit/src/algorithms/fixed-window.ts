/**
 * Fixed window: at most `limit` units per window of `windowMs`, windows aligned to multiples
 * of `windowMs` since the Unix epoch (not to a key's first request). State: the count and the
 * time it was written (which names its window).
 * Bound: `limit` per aligned window, so up to `2 × limit` in a real window across a boundary.
 * @module
 */
import { neverAdmits, type Step } from "./types.ts";

/** Parameters of a window limit (fixed, sliding counter or log). */
export interface WindowConfig {
  limit: number;
  windowMs: number;
}

/** Units counted in the window that contains `at`. */
export interface FixedWindowState {
  count: number;
  at: number;
}

/**
 * Decides one request of `cost` units at `nowMs`.
 * @param state the count, or undefined for a key never seen
 * @param nowMs the current time, epoch ms
 * @param cost units asked for (0 evaluates without consuming)
 * @param cfg limit and window
 */
export function fixedWindow(
  state: FixedWindowState | undefined,
  nowMs: number,
  cost: number,
  cfg: WindowConfig,
): Step<FixedWindowState> {
  if (cfg.limit === 0) return { state, decision: neverAdmits(nowMs) };
  const w = cfg.windowMs;
  const at = state === undefined ? nowMs : Math.max(state.at, nowMs);
  const start = Math.floor(at / w) * w;
  const count = state !== undefined && state.at >= start ? state.count : 0;
  const end = start + w;
  if (count + cost <= cfg.limit) {
    const used = count + cost;
    return {
      state: cost === 0 ? state : { count: used, at },
      decision: {
        success: true,
        limit: cfg.limit,
        remaining: cfg.limit - used,
        reset: used === 0 ? nowMs : end,
        retryAfter: 0,
      },
    };
  }
  return {
    state,
    decision: {
      success: false,
      limit: cfg.limit,
      // A count kept from a plan with a larger limit may exceed this one: nothing is left, not less.
      remaining: Math.max(0, cfg.limit - count),
      reset: end,
      retryAfter: end - nowMs,
    },
  };
}
