/**
 * @durable/checkpoint: consistent checkpoints of a Durable Object's state. Operators capture
 * state in one transaction (the cut); the copy is gzip NDJSON in SHA-256-checked chunks, inline
 * in SQLite or in a BlobStore (R2), with the manifest written last; a restore verifies every
 * chunk before one all-or-nothing swap. Exactly-once primitives (outbox, dedup, fencing) and
 * resumable keyset syncs come with it.
 * @module
 */
export {
  CHECKPOINT,
  type CheckpointApi,
  type CheckpointCapability,
  type CheckpointCapabilityOptions,
  checkpointCapability,
  RESTORE_SCOPE,
} from "./capability.ts";
export type { CheckpointMetrics } from "./capture.ts";
export { CHAN_WAKE, type ChannelApi, type MessageHandler } from "./channels.ts";
export {
  type Checkpoint,
  type CheckpointOptions,
  type CheckpointPorts,
  createCheckpoint,
} from "./checkpoint.ts";
export {
  CHECKPOINT_LIMITS,
  type CheckpointConfig,
  type CheckpointConfigInput,
  CheckpointConfigSchema,
} from "./config.ts";
export type {
  CoordinatorApi,
  EpochInfo,
  EpochStatus,
  GlobalManifest,
} from "./coordinator.ts";
export { CHECKPOINT_STATUS, type CheckpointCode, ckptError } from "./errors.ts";
export type { DedupApi, FenceApi, OutboxApi, OutboxSink } from "./exactly-once.ts";
export type { ManifestPage } from "./local.ts";
export type { ChunkRef, Manifest, ManifestSummary, OperatorEntry } from "./manifest.ts";
export {
  type Envelope,
  type ParticipantMessage,
  ParticipantMessageSchema,
  ParticipantNameSchema,
  type ParticipantReply,
  parseMessage,
  type Transport,
} from "./messages.ts";
export { CHECKPOINT_MIGRATIONS } from "./migrations.ts";
export { jsonOperator, migrationVersion, type Operator, type TableSelection, tablesOperator } from "./operators.ts";
export {
  MAX_PAGE_SIZE,
  type Page,
  type PageSource,
  type PaginateOptions,
  paginate,
  type ResumableSyncOptions,
  resumableSync,
  type SyncPorts,
  type SyncProgress,
  type SyncSink,
  syncProgress,
} from "./paginate.ts";
export { CHANNELS_OPERATOR } from "./participant.ts";
export { deadlineKey, resendKey } from "./wake-keys.ts";
