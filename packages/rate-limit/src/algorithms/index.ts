/**
 * The five algorithms behind one dispatcher, and the codec between their named states and the
 * two numbers (`a`, `b`) plus time that a row of `rl_state` stores.
 * @module
 */
import type { LimitSpec } from "../schemas.ts";
import { fixedWindow } from "./fixed-window.ts";
import { gcra } from "./gcra.ts";
import { type LogEntry, slidingLog } from "./sliding-log.ts";
import { slidingWindow } from "./sliding-window.ts";
import { tokenBucket } from "./token-bucket.ts";
import type { Decision } from "./types.ts";

export { type FixedWindowState, fixedWindow, type WindowConfig } from "./fixed-window.ts";
export { type GcraConfig, type GcraState, gcra } from "./gcra.ts";
export { type LogEntry, type SlidingLogState, slidingLog } from "./sliding-log.ts";
export { type SlidingWindowState, slidingWindow } from "./sliding-window.ts";
export { type TokenBucketConfig, type TokenBucketState, tokenBucket } from "./token-bucket.ts";
export * from "./types.ts";

/** The algorithm names, as stored in `rl_state.algo`. */
export type Algorithm = LimitSpec["algorithm"];

/**
 * One limit's state as a row holds it: token bucket (a = tokens), GCRA (a = TAT), fixed window
 * (a = count), sliding counter (a = current, b = previous count), sliding log (a = entries,
 * with the entries themselves in `log`). `at` is `updated_at`: the last write, which also names
 * the window of the window algorithms.
 */
export interface StoredState {
  algo: Algorithm;
  a: number;
  b: number;
  at: number;
  log?: LogEntry[];
}

/** A decided step of one limit: the state to write when admitted, and the decision. */
export interface LimitStep {
  next: StoredState | undefined;
  decision: Decision;
  /** For a sliding log: entries that left the window and may be deleted (ts ≤ this). */
  logExpiredBefore?: number;
}

/** The capacity a single request is compared against (cost above it could never pass). */
export function capacityOf(spec: LimitSpec): number {
  switch (spec.algorithm) {
    case "tokenBucket":
      return spec.capacity;
    case "gcra":
      return spec.burst;
    default:
      return spec.limit;
  }
}

/**
 * Runs `spec`'s algorithm over a stored state. A state written by another algorithm (the plan
 * changed) counts as absent: the limit starts full.
 * @param spec the limit
 * @param stored its row, if any
 * @param nowMs current time
 * @param cost units (0 evaluates without consuming)
 * @returns `next` is undefined when nothing is to be written (a rejection, or cost 0)
 */
export function decide(spec: LimitSpec, stored: StoredState | undefined, nowMs: number, cost: number): LimitStep {
  const s = stored !== undefined && stored.algo === spec.algorithm ? stored : undefined;
  const algo = spec.algorithm;
  switch (spec.algorithm) {
    case "tokenBucket": {
      const input = s && { tokens: s.a, at: s.at };
      const { state: n, decision } = tokenBucket(input, nowMs, cost, spec);
      return { next: n === input || !n ? undefined : { algo, a: n.tokens, b: 0, at: n.at }, decision };
    }
    case "gcra": {
      const input = s && { tat: s.a, at: s.at };
      const { state: n, decision } = gcra(input, nowMs, cost, spec);
      return { next: n === input || !n ? undefined : { algo, a: n.tat, b: 0, at: n.at }, decision };
    }
    case "fixedWindow": {
      const input = s && { count: s.a, at: s.at };
      const { state: n, decision } = fixedWindow(input, nowMs, cost, spec);
      return { next: n === input || !n ? undefined : { algo, a: n.count, b: 0, at: n.at }, decision };
    }
    case "slidingWindow": {
      const input = s && { curr: s.a, prev: s.b, at: s.at };
      const { state: n, decision } = slidingWindow(input, nowMs, cost, spec);
      return { next: n === input || !n ? undefined : { algo, a: n.curr, b: n.prev, at: n.at }, decision };
    }
    case "slidingLog": {
      const input = s && { entries: s.log ?? [], at: s.at };
      const { state: n, decision } = slidingLog(input, nowMs, cost, spec);
      if (n === input || !n) return { next: undefined, decision };
      const log = n.entries as LogEntry[];
      return {
        next: { algo, a: log.length, b: 0, at: n.at, log },
        decision,
        logExpiredBefore: n.at - spec.windowMs,
      };
    }
  }
}
