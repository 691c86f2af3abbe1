/**
 * The cdc configuration: every default and limit of the capability in one zod schema, parsed
 * once at composition.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import { z } from "zod";

/** The configuration accepted by {@link createCdc} (every field has a default). */
export const CdcConfigSchema = z
  .object({
    /** Delay between a captured write and its drain wake-up. */
    batchDelayMs: z.number().int().min(0).max(60_000).default(100),
    /** Backlog (newest LSN − minimum committed offset) at which writes are refused. */
    maxBacklogEvents: z.number().int().min(1).default(1_000_000),
    /** How long events stay without any consumer. */
    retentionMs: z
      .number()
      .int()
      .min(1000)
      .default(24 * 3600 * 1000),
    /** Interval of heartbeats (advancing consumers that only have filtered-out events). */
    heartbeatMs: z.number().int().min(100).default(60_000),
    /** Delivery attempts before a batch goes to the DLQ. */
    maxAttempts: z.number().int().min(1).max(100).default(8),
    /** Largest table an initial snapshot copies. */
    maxSnapshotRows: z.number().int().min(0).default(2_000_000),
    /** Most events per consumer per wake-up. */
    drainMaxEvents: z.number().int().min(1).default(10_000),
    /** Most time per consumer per wake-up. */
    drainMaxMs: z.number().int().min(1).default(5_000),
    /** Parquet sink: flush at this many rows … */
    parquetMaxRows: z.number().int().min(1).default(50_000),
    /** … or this many bytes of events … */
    parquetMaxBytes: z
      .number()
      .int()
      .min(1)
      .default(32 * 1024 * 1024),
    /** … or this long after the first pending event. */
    parquetMaxAgeMs: z.number().int().min(1).default(60_000),
    /** A push that takes longer fails (then retries). */
    sinkTimeoutMs: z.number().int().min(1).default(30_000),
  })
  .strict();

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
