/**
 * Token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`, starting full.
 * State is two numbers (tokens, time of the last refill); the refill is computed lazily.
 * Bound: in any interval of length Δ it admits at most `capacity + refillPerSecond × Δ` units.
 * @module
 */
import { type Decision, EPSILON, firstPassing, neverAdmits, type Step } from "./types.ts";

/**
 * Module-local copy of {@link EPSILON}. This module runs on every decision, and where modules are
 * compiled to CommonJS (tsx in Node) each read of an imported binding is a getter call.
 */
const EPS = EPSILON;

/** Parameters of a token bucket. */
export interface TokenBucketConfig {
  capacity: number;
  refillPerSecond: number;
}

/** Tokens left at `at` (epoch ms, the last time the bucket was written). */
export interface TokenBucketState {
  tokens: number;
  at: number;
}

function tokensAt(state: TokenBucketState | undefined, t: number, cfg: TokenBucketConfig): number {
  if (state === undefined) return cfg.capacity;
  // A clock that went backwards counts as zero elapsed time.
  const elapsed = Math.max(0, t - state.at);
  return Math.min(cfg.capacity, state.tokens + (elapsed * cfg.refillPerSecond) / 1000);
}

function fullAt(tokens: number, t: number, cfg: TokenBucketConfig): number {
  const missing = cfg.capacity - tokens;
  return missing <= EPS ? t : t + Math.ceil((missing * 1000) / cfg.refillPerSecond - EPS);
}

/** Whether the bucket holds `need` tokens at `t` (the predicate of firstPassing). */
function hasTokens(
  t: number,
  c: { state: TokenBucketState | undefined; at: number; cfg: TokenBucketConfig; need: number },
): boolean {
  return tokensAt(c.state, Math.max(t, c.at), c.cfg) >= c.need;
}

/**
 * Decides one request of `cost` units at `nowMs`.
 * @param state the bucket, or undefined for a key never seen (a full bucket)
 * @param nowMs the current time, epoch ms
 * @param cost units asked for (0 evaluates without consuming)
 * @param cfg capacity and refill rate
 * @returns the next state (the same object on rejection) and the decision
 */
export function tokenBucket(
  state: TokenBucketState | undefined,
  nowMs: number,
  cost: number,
  cfg: TokenBucketConfig,
): Step<TokenBucketState> {
  if (cfg.capacity === 0) return { state, decision: neverAdmits(nowMs) };
  const at = state === undefined ? nowMs : Math.max(state.at, nowMs);
  const tokens = tokensAt(state, at, cfg);
  if (tokens >= cost - EPS) {
    const left = Math.max(0, tokens - cost);
    const next = cost === 0 ? state : { tokens: left, at };
    const decision: Decision = {
      success: true,
      limit: cfg.capacity,
      remaining: Math.floor(left + EPS),
      reset: fullAt(left, at, cfg),
      retryAfter: 0,
    };
    return { state: next, decision };
  }
  const estimate = at + ((cost - tokens) * 1000) / cfg.refillPerSecond;
  const passAt = firstPassing(nowMs, estimate, hasTokens, { state, at, cfg, need: cost - EPS });
  return {
    state,
    decision: {
      success: false,
      limit: cfg.capacity,
      remaining: Math.floor(tokens + EPS),
      reset: fullAt(tokens, at, cfg),
      retryAfter: passAt - nowMs,
    },
  };
}
