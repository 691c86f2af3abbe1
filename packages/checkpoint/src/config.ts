/**
 * The checkpoint configuration: limits and defaults of the issue, validated once with zod at
 * composition (a bad value is 400 CONFIG_INVALID naming its path).
 * @module
 */
import { parseOrThrow } from "@durable/core";
import * as z from "zod/mini";

const MIB = 1024 * 1024;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** An integer of at least `min` (and at most `max`), `fallback` when absent. */
function int(fallback: number, min: number, max?: number) {
  return z._default(z.int().check(z.gte(min), ...(max === undefined ? [] : [z.lte(max)])), fallback);
}

/** The numeric and naming part of the configuration (functions are passed beside it). */
export const CheckpointConfigSchema = z.strictObject({
  /** Compressed bytes per chunk (1 MiB; at most 1.5 MiB, under DO SQLite's 2 MB value cap). */
  chunkBytes: int(MIB, 1024, 1.5 * MIB),
  /** Compressed size up to which a checkpoint stays inline in SQLite (1 MiB, max 32 MiB). */
  inlineThresholdBytes: int(MIB, 0, 32 * MIB),
  /** Chunks per BlobStore object (each object holds ≤ 64 chunks; memory holds one object). */
  chunksPerObject: int(4, 1, 64),
  /** Raw size above which a checkpoint logs CHECKPOINT_LARGE (50 MB). */
  warnRawBytes: int(50_000_000, 1),
  /** Raw size above which a checkpoint is refused with 413 CHECKPOINT_TOO_LARGE (2 GB). */
  maxRawBytes: int(2_000_000_000, 1),
  /** Completed local checkpoints kept (3, 1–100); the latest is never pruned. */
  keepLast: int(3, 1, 100),
  /** Where BlobStore objects go: `<blobPrefix>/<epoch>/<snapshotId>/part-<n>`. */
  blobPrefix: z._default(z.string().check(z.regex(/^[A-Za-z0-9._:/-]{1,200}$/)), "ckpt"),
  /** How long a dedup key is remembered (24 h, 1 min–30 days). */
  dedupTtlMs: int(DAY, MINUTE, 30 * DAY),
  /** Delivered outbox rows are pruned after this (24 h). */
  outboxRetentionMs: int(DAY, 0),
  /** Largest channel message or outbox payload, serialized (1 MiB). */
  maxMessageBytes: int(MIB, 1, MIB),
  /** Out-of-order messages a receiver buffers per channel (1,000). */
  maxBufferedPerChannel: int(1000, 1, 10_000),
  /** Barriers are re-sent to un-acked participants this often (5 s). */
  resendMs: int(5000, 10, MINUTE),
});

/** The configuration as given (every field optional). */
export type CheckpointConfigInput = z.input<typeof CheckpointConfigSchema>;
/** The configuration with defaults filled in. */
export type CheckpointConfig = z.output<typeof CheckpointConfigSchema>;

/**
 * Validates a configuration.
 * @throws {CONFIG_INVALID} 400 naming the failing path
 */
export function resolveConfig(input: CheckpointConfigInput = {}): CheckpointConfig {
  return parseOrThrow(CheckpointConfigSchema, input, "CONFIG_INVALID");
}

/** Limits the API checks besides the configuration. */
export const CHECKPOINT_LIMITS = {
  maxOperators: 64,
  operatorId: /^[a-z0-9_.-]{1,64}$/,
  minTimeoutMs: 1000,
  maxTimeoutMs: 10 * MINUTE,
  defaultTimeoutMs: MINUTE,
  maxChunks: 1_000_000,
  retryMinMs: 1000,
  retryMaxMs: 30_000,
  hourMs: 3_600_000,
  dayMs: DAY,
} as const;
