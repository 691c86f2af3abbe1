/**
 * @durable/rate-limit: exact per-key rate limits for any Worker.
 *
 * Five algorithms as pure functions; state in DO SQLite behind an LRU cache; multi-limit plans
 * checked all-or-nothing; plans and per-key overrides that change at runtime. Two factories:
 * `createRateLimiter(ports, config)` (the logic) and `rateLimitCapability(config)` (for
 * `DOBase`: tables for its prefix, routes, an optional request gate and its RPC `api`). And the
 * `rateLimit()` middleware for other Workers, which shards keys over limiter DOs and fails closed.
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
  type RateLimitCapability,
  type RateLimitCapabilityOptions,
  rateLimitCapability,
} from "./capability.ts";
export {
  createDurableLimiter,
  type DurableLimiter,
  type DurableLimiterOptions,
  type LimiterStorage,
} from "./durable-limiter.ts";
export { isRateLimitCode, RATE_LIMIT_STATUS, type RateLimitCode } from "./errors.ts";
export { type RateLimitGateOptions, rateLimitGate } from "./gate.ts";
export { rateLimitedBody, rateLimitedResponse, rateLimitHeaders, retryAfterSeconds } from "./headers.ts";
export { hashKey, MAX_KEY_BYTES } from "./input.ts";
export { createRateLimiter } from "./limiter.ts";
export {
  MAX_SHARDS,
  type Middleware,
  type RateLimitCheck,
  type RateLimiterNamespace,
  type RateLimiterRpc,
  type RateLimitOptions,
  type RateLimitStats,
  rateLimit,
  shardName,
  unavailable,
} from "./middleware.ts";
export {
  DEFAULT_TABLE_PREFIX,
  RATE_LIMIT_MIGRATIONS,
  rateLimitMigrations,
  TABLE_PREFIX_PATTERN,
} from "./migrations.ts";
export type { OverrideView } from "./overrides.ts";
export type { PlanInfo } from "./plans.ts";
export type { PolicyResult, RateLimitResult } from "./result.ts";
export type { CheckReply, OverrideReply, RateLimitApi, RateLimitRpc } from "./rpc.ts";
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
  TablePrefixSchema,
} from "./schemas.ts";
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
} from "./types.ts";
