/**
 * What every algorithm returns, and the small numeric rules they share.
 * @module
 */

/** The decision of one limit for one request. Times are epoch milliseconds. */
export interface Decision {
  /** True when the request is admitted (and, for a real check, consumed). */
  success: boolean;
  /** The limit's capacity in units (bucket capacity, window limit, GCRA burst). */
  limit: number;
  /** Whole units left after this decision. */
  remaining: number;
  /** Epoch ms at which the limit is full again if no request arrives. */
  reset: number;
  /** 0 on success; otherwise the exact ms after which the same request would pass. */
  retryAfter: number;
}

/**
 * The result of a pure algorithm step. On a rejection `state` is the very object that was
 * passed in (or `undefined`), so a rejected request changes nothing, byte for byte.
 */
export interface Step<S> {
  state: S | undefined;
  decision: Decision;
}

/**
 * Slack for floating-point refill arithmetic (tokens or ms). Admission compares with it so
 * that 0.9999999999 tokens, mathematically 1, still admit; it never admits a whole extra unit.
 */
export const EPSILON = 1e-9;

/** Longest window or period (30 days); also the `retryAfter` of a limit of 0, which never admits. */
export const MAX_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** Shortest window or period (1 s). */
export const MIN_WINDOW_MS = 1000;

/** Largest limit or capacity. */
export const MAX_LIMIT = 1_000_000_000;

/** Largest limit of a sliding log (one row per admitted request). */
export const MAX_LOG_LIMIT = 10_000;

/**
 * Smallest `t ≥ from` (whole ms) at which `passes(t, ctx)` holds, starting from an estimate.
 * The estimate comes from closed-form arithmetic; this walks over the last rounding error so
 * that `retryAfter` is exact: the request fails at `t - 1` and passes at `t`. The predicate
 * takes its inputs as `ctx` so callers pass a module-level function: a rejection is the common
 * case under load, and a closure allocated per rejection cost about 15% of a decision.
 */
export function firstPassing<C>(
  from: number,
  estimate: number,
  passes: (t: number, ctx: C) => boolean,
  ctx: C,
): number {
  let t = Math.max(from, Math.ceil(estimate));
  while (t > from && passes(t - 1, ctx)) t--;
  let guard = 0;
  while (!passes(t, ctx) && guard++ < 1_000) t++;
  return t;
}

/** A denial for a limit of 0: it never admits. */
export function neverAdmits(nowMs: number): Decision {
  return { success: false, limit: 0, remaining: 0, reset: nowMs, retryAfter: MAX_WINDOW_MS };
}
