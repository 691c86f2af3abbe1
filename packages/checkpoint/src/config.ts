/**
 * The checkpoint configuration: limits and defaults of the issue, validated once with zod at
 * composition (a bad value is 400 CONFIG_INVALID naming its path).
 * @module
 */
import { parseOrThrow } from "@durable/core";
import { z } from "zod";

const MIB = 1024 * 1024;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The numeric and naming part of the configuration (functions are passed beside it). */
export const CheckpointConfigSchema = z
  .object({
    /** Compressed bytes per chunk (1 MiB; at most 1.5 MiB, under DO SQLite's 2 MB value cap). */
    chunkBytes: z
      .number()
      .int()
      .min(1024)
      .max(1.5 * MIB)
      .default(MIB),
    /** Compressed size up to which a checkpoint stays inline in SQLite (1 MiB, max 32 MiB). */
    inlineThresholdBytes: z
      .number()
      .int()
      .min(0)
      .max(32 * MIB)
      .default(MIB),
    /** Chunks per BlobStore object (each object holds ≤ 64 chunks; memory holds one object). */
    chunksPerObject: z.number().int().min(1).max(64).default(4),
    /** Raw size above which a checkpoint logs CHECKPOINT_LARGE (50 MB). */
    warnRawBytes: z.number().int().min(1).default(50_000_000),
    /** Raw size above which a checkpoint is refused with 413 CHECKPOINT_TOO_LARGE (2 GB). */
    maxRawBytes: z.number().int().min(1).default(2_000_000_000),
    /** Completed local checkpoints kept (3, 1–100); the latest is never pruned. */
    keepLast: z.number().int().min(1).max(100).default(3),
    /** Where BlobStore objects go: `<blobPrefix>/<epoch>/<snapshotId>/part-<n>`. */
    blobPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._:/-]{1,200}$/)
      .default("ckpt"),
    /** How long a dedup key is remembered (24 h, 1 min–30 days). */
    dedupTtlMs: z
      .number()
      .int()
      .min(MINUTE)
      .max(30 * DAY)
      .default(DAY),
    /** Delivered outbox rows are pruned after this (24 h). */
    outboxRetentionMs: z.number().int().min(0).default(DAY),
    /** Largest channel message or outbox payload, serialized (1 MiB). */
    maxMessageBytes: z.number().int().min(1).max(MIB).default(MIB),
    /** Out-of-order messages a receiver buffers per channel (1,000). */
    maxBufferedPerChannel: z.number().int().min(1).max(10_000).default(1000),
    /** Barriers are re-sent to un-acked participants this often (5 s). */
    resendMs: z.number().int().min(10).max(MINUTE).default(5000),
  })
  .strict();

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
