/**
 * GCRA (generic cell rate algorithm, as in redis-cell): `limit` units per `periodMs`, with up
 * to `burst` units at once. State is the theoretical arrival time (TAT): the time at which the
 * limit would be full again. Emission interval T = periodMs / limit.
 * Bound: in any interval of length Δ it admits at most `burst + Δ / T` units.
 * @module
 */
import { EPSILON, firstPassing, neverAdmits, type Step } from "./types.ts";

/** Parameters of a GCRA limit. */
export interface GcraConfig {
  limit: number;
  periodMs: number;
  burst: number;
}

/** The theoretical arrival time and the last time it was written. */
export interface GcraState {
  tat: number;
  at: number;
}

/** Whether a request of `cost` conforms at `t` (the predicate of firstPassing). */
function conforms(
  t: number,
  c: { tat: number | undefined; at: number; cost: number; interval: number; tolerance: number },
): boolean {
  const te = Math.max(t, c.at);
  return Math.max(c.tat ?? te, te) + c.cost * c.interval - te <= c.tolerance + EPSILON;
}

/**
 * Decides one request of `cost` units at `nowMs`.
 * @param state the TAT, or undefined for a key never seen (full)
 * @param nowMs the current time, epoch ms
 * @param cost units asked for (0 evaluates without consuming)
 * @param cfg rate and burst
 */
export function gcra(state: GcraState | undefined, nowMs: number, cost: number, cfg: GcraConfig): Step<GcraState> {
  if (cfg.limit === 0 || cfg.burst === 0) return { state, decision: neverAdmits(nowMs) };
  const interval = cfg.periodMs / cfg.limit;
  const tolerance = cfg.burst * interval;
  const at = state === undefined ? nowMs : Math.max(state.at, nowMs);
  const tat = state === undefined ? at : Math.max(state.tat, at);
  const nextTat = tat + cost * interval;
  const remainingAt = (t: number, theTat: number) =>
    Math.max(0, Math.floor((tolerance - (theTat - t)) / interval + EPSILON));
  if (nextTat - at <= tolerance + EPSILON) {
    return {
      state: cost === 0 ? state : { tat: nextTat, at },
      decision: {
        success: true,
        limit: cfg.burst,
        remaining: remainingAt(at, nextTat),
        reset: Math.max(nowMs, Math.ceil(nextTat - EPSILON)),
        retryAfter: 0,
      },
    };
  }
  const passAt = firstPassing(nowMs, nextTat - tolerance, conforms, { tat: state?.tat, at, cost, interval, tolerance });
  return {
    state,
    decision: {
      success: false,
      limit: cfg.burst,
      remaining: remainingAt(at, tat),
      reset: Math.max(nowMs, Math.ceil(tat - EPSILON)),
      retryAfter: passAt - nowMs,
    },
  };
}
