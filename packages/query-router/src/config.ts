/**
 * The router's configuration (zod): cache sizes, SWR limits, fan-out and breaker defaults and
 * the join thresholds. Every default is the issue's; a deployment may lower or raise them within
 * the bounds below.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import { z } from "zod";

const MB = 1024 * 1024;

/** zod schema of the router's configuration. */
export const QueryRouterConfigSchema = z.strictObject({
  /** In-memory LRU: most entries and bytes (whichever first). */
  memoryEntries: z.number().int().min(1).max(100_000).default(1_000),
  memoryBytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * MB)
    .default(16 * MB),
  /** `qr_results`: most bytes; least recently used rows are evicted in the same write. */
  sqliteBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * MB)
    .default(64 * MB),
  /** Results larger than this (serialized) are served but not cached. */
  maxCachedResultBytes: z
    .number()
    .int()
    .min(1)
    .max(2 * MB)
    .default(MB),
  /** Rows of `qr_results` older than this are purged by the hourly wake-up. */
  purgeAfterMs: z
    .number()
    .int()
    .min(60_000)
    .default(7 * 86_400_000),
  purgeEveryMs: z.number().int().min(1_000).default(3_600_000),
  /** Background refreshes running at once; extra ones are skipped and counted. */
  maxConcurrentRefreshes: z.number().int().min(1).max(100).default(5),
  /** After a failed refresh, no new refresh of that fingerprint for this long. */
  refreshErrorBackoffMs: z.number().int().min(0).default(5_000),
  /** Fan-out defaults. */
  fanOutConcurrency: z.number().int().min(1).max(50).default(10),
  fanOutTimeoutMs: z.number().int().min(100).max(30_000).default(5_000),
  fanOutDeadlineMs: z.number().int().min(100).max(30_000).default(10_000),
  /** Circuit breaker: consecutive failures that open it, and how long it stays open. */
  breakerFailures: z.number().int().min(1).max(1_000).default(5),
  breakerOpenMs: z.number().int().min(1).default(30_000),
  /** Most groups an answer may have. */
  maxGroups: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Latency samples kept per source for percentiles. */
  latencySamples: z.number().int().min(10).max(100_000).default(1_000),
});

/** The configuration, defaults filled in. */
export type QueryRouterConfig = z.output<typeof QueryRouterConfigSchema>;
/** What a caller gives. */
export type QueryRouterConfigInput = z.input<typeof QueryRouterConfigSchema>;

/**
 * Validates a configuration.
 * @throws {CONFIG_INVALID} 400 with the path
 */
export function parseConfig(input: unknown): QueryRouterConfig {
  return parseOrThrow(QueryRouterConfigSchema, input ?? {}, "CONFIG_INVALID");
}
