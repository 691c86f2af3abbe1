/**
 * @durable/rate-limit: exact per-key rate limits for any Worker.
 *
 * Five algorithms as pure functions; state in DO SQLite behind an LRU cache; multi-limit plans
 * checked all-or-nothing; plans and per-key overrides that change at runtime; `rateLimit()`
 * middleware that shards keys over limiter DOs and fails closed; a `DOBase` capability.
 * @module
 */
export {
  type Algorithm,
  type Decision,
  type FixedWindowState,
  fixedWindow,
  type GcraConfig,
  type GcraState,
  gcra,
  type LogEntry,
  type SlidingLogState,
  type SlidingWindowState,
  type Step,
  slidingLog,
  slidingWindow,
  type TokenBucketConfig,
  type TokenBucketState,
  tokenBucket,
  type WindowConfig,
} from "./algorithms/index.ts";
export {
  type BatchCheck,
  type CheckOptions,
  INLINE_PLAN_NAME,
  MAX_BATCH,
  type OverrideOptions,
  RATE_LIMIT_OWNER,
  type RateLimiter,
  type RateLimiterPorts,
  type RateLimiterStats,
  SWEEP_INTERVAL_MS,
  SWEEP_WAKE_KEY,
  type SweepReport,
} from "./api.ts";
export { LruCache } from "./cache.ts";
export { type RateLimitCapability, rateLimitCapability } from "./capability.ts";
export { type RateLimitCode, rlError } from "./errors.ts";
export { policyOf, rateLimitedBody, rateLimitedResponse, rateLimitHeaders, retryAfterSeconds } from "./headers.ts";
export { assertKey, checkCost, hashKey, MAX_KEY_BYTES } from "./input.ts";
export { createRateLimiter } from "./limiter.ts";
export {
  type LimiterReply,
  MAX_SHARDS,
  type Middleware,
  type RateLimitCheck,
  type RateLimiterNamespace,
  type RateLimiterRpc,
  type RateLimitOptions,
  type RateLimitStats,
  rateLimit,
  replyOf,
  shardName,
  unavailable,
} from "./middleware.ts";
export { RATE_LIMIT_MIGRATIONS } from "./migrations.ts";
export type { PlanInfo } from "./plans.ts";
export type { PolicyResult, RateLimitResult } from "./result.ts";
export {
  type LimitSpec,
  LimitSpecSchema,
  type Override,
  OverrideSchema,
  type Plan,
  PlanSchema,
  PlansSchema,
  type RateLimitConfig,
  type RateLimitConfigInput,
  RateLimitConfigSchema,
} from "./schemas.ts";
