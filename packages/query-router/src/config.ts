/**
 * The router's configuration (zod): cache sizes, SWR limits, fan-out and breaker defaults and
 * the join thresholds. Every default is the issue's; a deployment may lower or raise them within
 * the bounds below.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import * as z from "zod/mini";

const MB = 1024 * 1024;

/** An integer of at least `min` (and at most `max`, when given), `fallback` when absent. */
function intIn(min: number, max: number | undefined, fallback: number) {
  const bounded = max === undefined ? z.int().check(z.gte(min)) : z.int().check(z.gte(min), z.lte(max));
  return z._default(bounded, fallback);
}

/** zod schema of the router's configuration. */
export const QueryRouterConfigSchema = z.strictObject({
  /** In-memory LRU: most entries and bytes (whichever first). */
  memoryEntries: intIn(1, 100_000, 1_000),
  memoryBytes: intIn(1024, 256 * MB, 16 * MB),
  /** `qr_results`: most bytes; least recently used rows are evicted in the same write. */
  sqliteBytes: intIn(1024, 1024 * MB, 64 * MB),
  /** Results larger than this (serialized) are served but not cached. */
  maxCachedResultBytes: intIn(1, 2 * MB, MB),
  /** Rows of `qr_results` older than this are purged by the hourly wake-up. */
  purgeAfterMs: intIn(60_000, undefined, 7 * 86_400_000),
  purgeEveryMs: intIn(1_000, undefined, 3_600_000),
  /** Background refreshes running at once; extra ones are skipped and counted. */
  maxConcurrentRefreshes: intIn(1, 100, 5),
  /** After a failed refresh, no new refresh of that fingerprint for this long. */
  refreshErrorBackoffMs: intIn(0, undefined, 5_000),
  /** Fan-out defaults. */
  fanOutConcurrency: intIn(1, 50, 10),
  fanOutTimeoutMs: intIn(100, 30_000, 5_000),
  fanOutDeadlineMs: intIn(100, 30_000, 10_000),
  /** Circuit breaker: consecutive failures that open it, and how long it stays open. */
  breakerFailures: intIn(1, 1_000, 5),
  breakerOpenMs: intIn(1, undefined, 30_000),
  /** Most groups an answer may have. */
  maxGroups: intIn(1, 1_000_000, 10_000),
  /** Latency samples kept per source for percentiles. */
  latencySamples: intIn(10, 100_000, 1_000),
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
