/**
 * The scheduler's configuration: the defaults and limits of the issue, validated once with zod.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import { z } from "zod";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Time constants shared by the schemas. */
export const MS = { SECOND, MINUTE, HOUR, DAY } as const;

/** A retry policy: wait n = min(maxDelayMs, initialDelayMs × multiplier^(n−2)) × random[0.5, 1]. */
export const RetryPolicySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(20).default(3),
  initialDelayMs: z.number().int().min(100).max(DAY).default(SECOND),
  maxDelayMs: z
    .number()
    .int()
    .min(100)
    .max(DAY)
    .default(30 * SECOND),
  multiplier: z.number().min(1).max(10).default(2),
});

/** Per-handler or per-task retry overrides (each field optional, same limits). */
export const RetryOverrideSchema = RetryPolicySchema.partial();

/** Per-task chunk budget overrides, with the limits of the configuration. */
export const TaskBudgetSchema = z.strictObject({
  cpuBudgetMs: z.number().int().min(10).max(290_000).optional(),
  maxStepsPerChunk: z.number().int().min(1).max(10_000).optional(),
  retry: RetryOverrideSchema.optional(),
});

/** A resolved retry policy. */
export type RetryPolicy = z.output<typeof RetryPolicySchema>;
/** A retry policy as callers write it (every field optional). */
export type RetryPolicyInput = z.input<typeof RetryPolicySchema>;

/** Configuration of one scheduler (one DO). Every field has the default. */
export const SchedulerConfigSchema = z.strictObject({
  /** Live (active or paused) schedules per DO. */
  maxSchedules: z.number().int().min(1).max(100_000).default(10_000),
  /** Due rows (handler runs, wake-ups, deliveries) per alarm pass. */
  maxPerPass: z.number().int().min(1).max(1_000).default(100),
  /** How long a done marker suppresses a repeated run of its idempotency key. */
  dedupTtlMs: z
    .number()
    .int()
    .min(MINUTE)
    .max(7 * DAY)
    .default(DAY),
  /** History kept per DO. */
  historyRetentionMs: z
    .number()
    .int()
    .min(DAY)
    .max(90 * DAY)
    .default(7 * DAY),
  /** History rows kept per schedule. */
  historyPerSchedule: z.number().int().min(100).max(1_000).default(1_000),
  /** Default lateness that still counts as on time. */
  graceMs: z.number().int().min(0).max(HOUR).default(MINUTE),
  /** A leased row (a run in progress) becomes due again after this long if its instance died. */
  leaseMs: z
    .number()
    .int()
    .min(SECOND)
    .max(15 * MINUTE)
    .default(5 * MINUTE),
  /** Default retry policy of handlers that name none. */
  retry: RetryPolicySchema.default(RetryPolicySchema.parse({})),
  /** CPU budget of one chunk of a long-running task. */
  taskCpuBudgetMs: z.number().int().min(10).max(290_000).default(20_000),
  /** Steps per chunk (production clocks stand still during CPU work, so this cap always holds). */
  maxStepsPerChunk: z.number().int().min(1).max(10_000).default(100),
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
