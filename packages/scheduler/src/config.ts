/**
 * The scheduler's configuration: the defaults and limits of the issue, validated once with zod.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import * as z from "zod/mini";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Time constants shared by the schemas. */
export const MS = { SECOND, MINUTE, HOUR, DAY } as const;

/** An integer in [min, max]: full zod's `z.number().int().min(min).max(max)`. */
export function intBetween(min: number, max: number) {
  return z.number().check(z.int(), z.gte(min), z.lte(max));
}

/** A retry policy: wait n = min(maxDelayMs, initialDelayMs × multiplier^(n−2)) × random[0.5, 1]. */
export const RetryPolicySchema = z.strictObject({
  maxAttempts: z._default(intBetween(1, 20), 3),
  initialDelayMs: z._default(intBetween(100, DAY), SECOND),
  maxDelayMs: z._default(intBetween(100, DAY), 30 * SECOND),
  multiplier: z._default(z.number().check(z.gte(1), z.lte(10)), 2),
});

/** Per-handler or per-task retry overrides (each field optional, same limits). */
export const RetryOverrideSchema = z.partial(RetryPolicySchema);

/** Per-task chunk budget overrides, with the limits of the configuration. */
export const TaskBudgetSchema = z.strictObject({
  cpuBudgetMs: z.optional(intBetween(10, 290_000)),
  maxStepsPerChunk: z.optional(intBetween(1, 10_000)),
  retry: z.optional(RetryOverrideSchema),
});

/** A resolved retry policy. */
export type RetryPolicy = z.output<typeof RetryPolicySchema>;
/** A retry policy as callers write it (every field optional). */
export type RetryPolicyInput = z.input<typeof RetryPolicySchema>;

/** Configuration of one scheduler (one DO). Every field has the default. */
export const SchedulerConfigSchema = z.strictObject({
  /** Live (active or paused) schedules per DO. */
  maxSchedules: z._default(intBetween(1, 100_000), 10_000),
  /** Due rows (handler runs, wake-ups, deliveries) per alarm pass. */
  maxPerPass: z._default(intBetween(1, 1_000), 100),
  /** How long a done marker suppresses a repeated run of its idempotency key. */
  dedupTtlMs: z._default(intBetween(MINUTE, 7 * DAY), DAY),
  /** History kept per DO. */
  historyRetentionMs: z._default(intBetween(DAY, 90 * DAY), 7 * DAY),
  /** History rows kept per schedule. */
  historyPerSchedule: z._default(intBetween(100, 1_000), 1_000),
  /** Default lateness that still counts as on time. */
  graceMs: z._default(intBetween(0, HOUR), MINUTE),
  /** A leased row (a run in progress) becomes due again after this long if its instance died. */
  leaseMs: z._default(intBetween(SECOND, 15 * MINUTE), 5 * MINUTE),
  /** Default retry policy of handlers that name none. */
  retry: z._default(RetryPolicySchema, parseOrThrow(RetryPolicySchema, {}, "CONFIG_INVALID")),
  /** CPU budget of one chunk of a long-running task. */
  taskCpuBudgetMs: z._default(intBetween(10, 290_000), 20_000),
  /** Steps per chunk (production clocks stand still during CPU work, so this cap always holds). */
  maxStepsPerChunk: z._default(intBetween(1, 10_000), 100),
});

/** A resolved configuration. */
export type SchedulerConfig = z.output<typeof SchedulerConfigSchema>;
/** Configuration as callers write it. */
export type SchedulerConfigInput = z.input<typeof SchedulerConfigSchema>;

/**
 * Parses a configuration, filling the defaults.
 * @throws {CONFIG_INVALID} naming the failing path
 */
export function resolveConfig(input: SchedulerConfigInput = {}): SchedulerConfig {
  return parseOrThrow(SchedulerConfigSchema, input, "CONFIG_INVALID");
}

/**
 * The wait before attempt `n` (n ≥ 2).
 * @param policy the retry policy
 * @param n the attempt about to be made
 * @param random a number in [0, 1)
 */
export function retryDelay(policy: RetryPolicy, n: number, random: number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, n - 2));
  return Math.round(base * (0.5 + 0.5 * random));
}
