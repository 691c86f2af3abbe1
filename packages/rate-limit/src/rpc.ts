/**
 * The capability's RPC API: what DOBase serves as the capability's own Workers RPC target, so
 * another Worker calls `stub.capability("rate-limit", name).check(key)`. Plain data in and out;
 * bad input throws a `PlatformError` whose `[CODE]` survives RPC (`errorCodeOf` reads it on the
 * caller's side, {@link RATE_LIMIT_STATUS} gives its HTTP status).
 * @module
 */
import { rlError } from "./errors.ts";
import type { OverrideView } from "./overrides.ts";
import type { PlanInfo } from "./plans.ts";
import type { RateLimitResult } from "./result.ts";
import type { Override, Plan } from "./schemas.ts";
import type { BatchCheck, CheckOptions, RateLimiter } from "./types.ts";

/** A result and the plan it was checked against (what `RateLimit-Policy` reports). */
export interface CheckReply {
  result: RateLimitResult;
  plan: Plan;
}

/** A key's override after a change, and the plan that applies to it now. */
export interface OverrideReply {
  override: OverrideView | null;
  plan: Plan;
}

/**
 * The RPC surface of a rate-limit capability. Every method throws a `PlatformError` with a
 * rate-limit code on bad input (never an error value), and nothing else on purpose.
 */
export interface RateLimitApi {
  /**
   * Decides one request for `key` (all-or-nothing over the plan's limits).
   * @throws {INVALID_KEY} {INVALID_COST} {UNKNOWN_LIMIT}
   */
  check(key: string, options?: CheckOptions): CheckReply;
  /**
   * Decides up to 100 checks in order, in one transaction; one bad check rejects them all.
   * @throws {BATCH_TOO_LARGE} {CONFIG_INVALID} {INVALID_KEY} {INVALID_COST} {UNKNOWN_LIMIT}
   */
  checkBatch(checks: BatchCheck[]): RateLimitResult[];
  /** What a cost-1 check would get, spending nothing. @throws {INVALID_KEY} {UNKNOWN_LIMIT} */
  peek(key: string, options?: Pick<CheckOptions, "limits">): CheckReply;
  /** Forgets a key's state (one limit, or all). @throws {INVALID_KEY} {UNKNOWN_LIMIT} */
  reset(key: string, limit?: string): void;
  /**
   * Puts a key on another plan or inline limits from its next check, until `expiresAt`.
   * @throws {INVALID_KEY} {CONFIG_INVALID} {UNKNOWN_PLAN}
   */
  setOverride(key: string, override: Override & { expiresAt?: number }): OverrideReply;
  /** Puts a key back on the default plan. @throws {INVALID_KEY} */
  clearOverride(key: string): void;
  /** A key's override, if one applies now. @throws {INVALID_KEY} */
  getOverride(key: string): OverrideView | null;
  /** The plan that applies to a key now. @throws {INVALID_KEY} */
  planFor(key: string): Plan;
  /** Every plan (config plans are `readOnly`). */
  listPlans(): PlanInfo[];
  /** Creates or replaces a runtime plan. @throws {CONFIG_INVALID} {PLAN_READ_ONLY} {TOO_MANY_PLANS} */
  upsertPlan(plan: Plan): PlanInfo;
  /** Deletes a runtime plan. @throws {PLAN_NOT_FOUND} {PLAN_READ_ONLY} {PLAN_IN_USE} */
  deletePlan(name: string): void;
}

/** {@link RateLimitApi} as a caller in another Worker sees it: every method returns a promise. */
export type RateLimitRpc = {
  [K in keyof RateLimitApi]: (...args: Parameters<RateLimitApi[K]>) => Promise<ReturnType<RateLimitApi[K]>>;
};

function objectOrEmpty<T extends object>(value: unknown, path: string): T {
  if (value === undefined || value === null) return {} as T;
  if (typeof value !== "object" || Array.isArray(value)) throw rlError("CONFIG_INVALID", `${path}: must be an object`);
  return value as T;
}

/**
 * The RPC API of a limiter, as a plain object of own methods (DOBase wraps each one).
 * @param limiter the capability's limiter
 */
export function rateLimitApi(limiter: RateLimiter): RateLimitApi {
  return {
    check(key, options) {
      const result = limiter.limit(key, objectOrEmpty<CheckOptions>(options, "options"));
      return { result, plan: limiter.planFor(key) };
    },
    checkBatch: (checks) => limiter.limitBatch(checks),
    peek(key, options) {
      const result = limiter.peek(key, objectOrEmpty<CheckOptions>(options, "options"));
      return { result, plan: limiter.planFor(key) };
    },
    reset(key, limit) {
      if (limit !== undefined && typeof limit !== "string") {
        throw rlError("UNKNOWN_LIMIT", "limit: must be a limit name");
      }
      limiter.reset(key, limit);
    },
    setOverride(key, override) {
      const { expiresAt, ...rest } = objectOrEmpty<Override & { expiresAt?: number }>(override, "override");
      limiter.setOverride(key, rest as Override, expiresAt === undefined ? {} : { expiresAt });
      return { override: limiter.getOverride(key), plan: limiter.planFor(key) };
    },
    clearOverride: (key) => limiter.clearOverride(key),
    getOverride: (key) => limiter.getOverride(key),
    planFor: (key) => limiter.planFor(key),
    listPlans: () => limiter.listPlans(),
    upsertPlan(plan) {
      limiter.upsertPlan(plan);
      const name = (plan as { name?: unknown }).name;
      return limiter.listPlans().find((p) => p.name === name) as PlanInfo;
    },
    deletePlan: (name) => limiter.deletePlan(name),
  };
}
