/**
 * @durable/cdc: change data capture from a tenant's tables, Debezium style. Triggers write
 * every insert, update and delete of a tracked table into `cdc_changes` in the write's own
 * transaction; consumers read it with durable offsets through the pull API or push sinks
 * (Queue, Parquet on R2, another DO), with retries, a DLQ, retention, backpressure and
 * metrics. `CdcInbox` makes the effects on the receiving side exactly-once.
 * @module
 */

export {
  CDC,
  type CdcApi,
  type CdcCapability,
  type CdcCapabilityOptions,
  cdcCapability,
} from "./capability.ts";
export { type Cdc, type CdcPorts, createCdc } from "./cdc.ts";
export { type CdcConfig, type CdcConfigInput, CdcConfigSchema } from "./config.ts";
export type { ConsumerInfo } from "./consumers.ts";
export type { DlqApi, DlqEntry } from "./dlq.ts";
export { type CdcCode, cdcError } from "./errors.ts";
export { type ApplyResult, CdcInbox } from "./inbox.ts";
export {
  type ConsumerDef,
  ConsumerDefSchema,
  FilterSchema,
  type Sink,
  SinkSchema,
  TrackOptionsSchema,
} from "./schemas.ts";
export type { Manifest, ManifestFile } from "./sinks/parquet-sink.ts";
export type { OversizedPointer } from "./sinks/queue-sink.ts";
export type { TrackOptions } from "./tracker.ts";
export type {
  CdcBatch,
  CdcMetrics,
  CdcReceiver,
  CdcSchema,
  ChangeEvent,
  ChangeOp,
  ChangeSource,
  ConsumerMetrics,
  DrainReport,
  PullResult,
  QueueLike,
  ReadResult,
  RowImage,
  TrackedTable,
  TrackResult,
} from "./types.ts";
