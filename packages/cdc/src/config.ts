/**
 * The cdc configuration: every default and limit of the capability in one zod schema, parsed
 * once at composition.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import * as z from "zod/mini";

/** An integer of at least `min` (and at most `max`), `fallback` when absent. */
function int(fallback: number, min: number, max?: number) {
  return z._default(z.int().check(z.gte(min), ...(max === undefined ? [] : [z.lte(max)])), fallback);
}

/** The configuration accepted by {@link createCdc} (every field has a default). */
export const CdcConfigSchema = z.strictObject({
  /** Delay between a captured write and its drain wake-up. */
  batchDelayMs: int(100, 0, 60_000),
  /** Backlog (newest LSN − minimum committed offset) at which writes are refused. */
  maxBacklogEvents: int(1_000_000, 1),
  /** How long events stay without any consumer. */
  retentionMs: int(24 * 3600 * 1000, 1000),
  /** Interval of heartbeats (advancing consumers that only have filtered-out events). */
  heartbeatMs: int(60_000, 100),
  /** Delivery attempts before a batch goes to the DLQ. */
  maxAttempts: int(8, 1, 100),
  /** Largest table an initial snapshot copies. */
  maxSnapshotRows: int(2_000_000, 0),
  /** Most events per consumer per wake-up. */
  drainMaxEvents: int(10_000, 1),
  /** Most time per consumer per wake-up. */
  drainMaxMs: int(5_000, 1),
  /** Parquet sink: flush at this many rows … */
  parquetMaxRows: int(50_000, 1),
  /** … or this many bytes of events … */
  parquetMaxBytes: int(32 * 1024 * 1024, 1),
  /** … or this long after the first pending event. */
  parquetMaxAgeMs: int(60_000, 1),
  /** A push that takes longer fails (then retries). */
  sinkTimeoutMs: int(30_000, 1),
});

/** The parsed configuration. */
export type CdcConfig = z.output<typeof CdcConfigSchema>;
/** The configuration as callers write it. */
export type CdcConfigInput = z.input<typeof CdcConfigSchema>;

/**
 * Parses a configuration.
 * @throws {CONFIG_INVALID} naming the failing path
 */
export function parseCdcConfig(input: unknown = {}): CdcConfig {
  return parseOrThrow(CdcConfigSchema, input ?? {}, "CONFIG_INVALID");
}

/** The largest change value (before or after image) DO SQLite stores. */
export const MAX_CHANGE_VALUE_BYTES = 2 * 1024 * 1024;
/** Pull: default and largest page, and the byte cap of one page. */
export const PULL_LIMITS = { defaultLimit: 100, maxLimit: 1000, maxBytes: 4 * 1024 * 1024 } as const;
