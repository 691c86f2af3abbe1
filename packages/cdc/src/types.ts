/**
 * The public shapes of cdc: the Debezium-style change event, pull results, metrics, and the
 * ports of the sinks (a queue, another DO's receiver).
 * @module
 */

/** Debezium's operation codes: create, update, delete, read (snapshot). */
export type ChangeOp = "c" | "u" | "d" | "r";

/** A row image in client form (booleans, parsed json, timestamps as epoch ms, blobs as base64). */
export type RowImage = Record<string, unknown>;

/** Where an event comes from: the Debezium `source` block of one tenant's DO. */
export interface ChangeSource {
  tenant: string;
  /** The catalog name (`orders`). */
  table: string;
  /** The position in the tenant's log: strictly increasing, never reused. */
  lsn: number;
  /** The transaction: every event of one write call shares it. */
  txId: number;
  /** Commit time of the change (epoch ms, `unixepoch('subsec')`). */
  ts_ms: number;
  /** The CDC schema version of the table when the change was captured. */
  schemaVersion: number;
}

/**
 * A change event, Debezium's envelope: `before` is null for `c` and `r`, `after` for `d`;
 * `id` (`<tenant>:<lsn>`) is the idempotency key; the top-level `ts_ms` is when the event was
 * read for delivery.
 */
export interface ChangeEvent {
  id: string;
  op: ChangeOp;
  key: RowImage;
  before: RowImage | null;
  after: RowImage | null;
  source: ChangeSource;
  ts_ms: number;
}

/** What `pull` returns. */
export interface PullResult {
  events: ChangeEvent[];
  /** The LSN to `commit` once the events are processed (it covers filtered-out events too). */
  nextLsn: number;
  hasMore: boolean;
}

/** What `read` returns (no offset involved). */
export interface ReadResult {
  events: ChangeEvent[];
  /** The `since` of the next page, or null at the end of the log. */
  next: number | null;
}

/** What `track` returns. */
export interface TrackResult {
  table: string;
  schemaVersion: number;
  /** The last LSN of the snapshot (the LSN before `track` when there was none). */
  snapshotEndLsn: number;
}

/** A tracked table, as `GET /cdc/tables` lists it. */
export interface TrackedTable {
  table: string;
  tracking: boolean;
  excludeColumns: string[];
  snapshot: boolean;
  schemaVersion: number;
  snapshotEndLsn: number;
  createdAt: number;
}

/** A stored CDC schema version of a table. */
export interface CdcSchema {
  table: string;
  version: number;
  columns: { name: string; type: string }[];
  key: string[];
  createdAt: number;
}

/** Metrics of one consumer. */
export interface ConsumerMetrics {
  consumer: string;
  lagEvents: number;
  lagMs: number;
  backlogEvents: number;
  dlqSize: number;
  deliveredTotal: number;
  retriesTotal: number;
  lastDeliveredAt: number | null;
  lastError: string | null;
}

/** Metrics of the capability. */
export interface CdcMetrics {
  newestLsn: number;
  oldestRetainedLsn: number;
  backlogEvents: number;
  schemaDriftTotal: number;
  /** Bytes of Parquet written by this DO since it started. */
  parquetBytesWritten: number;
  consumers: ConsumerMetrics[];
}

/** What one drain did. */
export interface DrainReport {
  delivered: number;
  deadLettered: number;
  retried: number;
  purged: number;
  /** More events wait: another wake-up was asked for. */
  more: boolean;
}

/** The part of a Cloudflare `Queue` the Queue sink calls. */
export interface QueueLike {
  sendBatch(messages: Iterable<{ body: unknown }>): Promise<unknown>;
}

/** A batch for a DO-to-DO sink: the events and the LSN range they cover. */
export interface CdcBatch {
  tenant: string;
  /** Every event of the consumer's stream in [fromLsn, toLsn] is in `events`. */
  fromLsn: number;
  toLsn: number;
  events: ChangeEvent[];
}

/** The receiving side of a DO-to-DO sink (the `cdc` RPC target of `<tenant>:<suffix>`). */
export interface CdcReceiver {
  receive(batch: CdcBatch): Promise<{ appliedLsn: number }>;
}
