/**
 * The limiter's public types and constants: its ports, options, reports and the `RateLimiter`
 * interface that `createRateLimiter` implements.
 * @module
 */
import type { Clock, Sql, TransactionSync, Wake } from "@durable/core";
import type { PlanInfo } from "./plans.ts";
import type { RateLimitResult } from "./result.ts";
import type { Override, Plan } from "./schemas.ts";

/** The default name of the capability (the owner of its wake-ups, migrations and RPC target). */
export const RATE_LIMIT_OWNER = "rate-limit";
/** Key of the sweep wake-up. */
export const SWEEP_WAKE_KEY = "sweep";
/** How often idle keys are swept. */
export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
/** State rows one sweep pass reads (in key order); a full page asks to run again soon. */
export const SWEEP_PAGE = 5_000;
/** Delay before the next pass when the table has more pages. */
export const SWEEP_CONTINUE_MS = 10_000;
/** Most checks in one `limitBatch`. */
export const MAX_BATCH = 100;

/**
 * The ports a limiter takes: a subset of `CapabilityPorts`, so a capability passes its own.
 * The limiter never runs migrations: the host (DOBase, `TestHost`) runs the capability's.
 */
export interface RateLimiterPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  /**
   * This limiter's own wake-ups (scoped to its capability), for the hourly sweep. Without it,
   * admitted checks sweep inline at most hourly.
   */
  wake?: Wake;
}

/** Options of one check. */
export interface CheckOptions {
  /** Units to spend (a positive safe integer, default 1). */
  cost?: number;
  /** Check only these limits of the key's plan (by name). */
  limits?: string[];
}

/** One check of a batch. */
export interface BatchCheck extends CheckOptions {
  key: string;
}

/** When an override stops applying. */
export interface OverrideOptions {
  /** Epoch ms; after it the key falls back to the default plan. */
  expiresAt?: number;
}

/** What one sweep pass did. */
export interface SweepReport {
  /** State rows deleted (their log entries with them). */
  deleted: number;
  /** Expired overrides deleted. */
  overrides: number;
  /** True when the pass hit its bound and more idle rows may remain. */
  more: boolean;
}

/** Counters for observability. */
export interface RateLimiterStats {
  cached: number;
  evictions: number;
  loads: number;
}

/** The limiter's API; see {@link createRateLimiter}. */
export interface RateLimiter {
  /**
   * Refreshes config plans and asks for the sweep (idempotent; every other method calls it).
   * The tables must exist: the host ran `rateLimitMigrations` for this prefix first.
   */
  start(): void;
  /**
   * Decides one request: admitted only if every checked limit admits, and then all are
   * consumed together. A rejection consumes nothing and writes nothing.
   * @throws {INVALID_KEY} {INVALID_COST} {UNKNOWN_LIMIT}
   */
  limit(key: string, options?: CheckOptions): RateLimitResult;
  /**
   * Decides up to 100 checks in order, writing each changed key once in one transaction.
   * Input is validated first: one bad check rejects the batch and nothing is decided.
   * @throws {BATCH_TOO_LARGE} {INVALID_KEY} {INVALID_COST} {UNKNOWN_LIMIT}
   */
  limitBatch(checks: readonly BatchCheck[]): RateLimitResult[];
  /** The result a cost-1 check would get, without consuming or writing anything. */
  peek(key: string, options?: Pick<CheckOptions, "limits">): RateLimitResult;
  /** Deletes the key's state (one limit, or all): the next check sees a full quota. @throws {INVALID_KEY} */
  reset(key: string, limit?: string): void;
  /**
   * Gives a key another plan or inline limits, from its next check on.
   * @throws {CONFIG_INVALID} {UNKNOWN_PLAN} {INVALID_KEY}
   */
  setOverride(key: string, override: Override, options?: OverrideOptions): void;
  /** Removes a key's override (back to the default plan). */
  clearOverride(key: string): void;
  /** A key's override, if one applies now. */
  getOverride(key: string): (Override & { expiresAt: number | null }) | null;
  /** The plan that applies to a key now (an inline override is named `override`). @throws {INVALID_KEY} */
  planFor(key: string): Plan;
  /** @throws {CONFIG_INVALID} {PLAN_READ_ONLY} {TOO_MANY_PLANS} */
  upsertPlan(plan: Plan): void;
  /** @throws {PLAN_NOT_FOUND} {PLAN_READ_ONLY} {PLAN_IN_USE} */
  deletePlan(name: string): void;
  listPlans(): PlanInfo[];
  /**
   * One pass of the idle-key sweep: reads the next page of `<prefix>state` (key order), deletes the
   * rows equal to "full" and expired overrides; no decision changes.
   */
  sweep(): SweepReport;
  /** Called by the capability when the sweep wake-up is due: sweeps and re-arms. */
  onSweepWake(): SweepReport;
  stats(): RateLimiterStats;
  /** The prefix of this limiter's tables (`rl_` unless configured). */
  readonly tablePrefix: string;
}

/** The name of the plan an inline override makes. */
export const INLINE_PLAN_NAME = "override";
