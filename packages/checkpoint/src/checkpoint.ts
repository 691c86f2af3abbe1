/**
 * `createCheckpoint`: the logic of the checkpoint capability over a DO's ports: operators, local
 * checkpoints and restores, the exactly-once primitives, and their wake-ups.
 * @module
 */
import type { Background, BlobStore, Clock, Sql, TransactionSync, Wake, WakeEvent } from "@durable/core";
import type { CheckpointMetrics } from "./capture.ts";
import { CHAN_WAKE, type ChannelApi, Channels } from "./channels.ts";
import { CHECKPOINT_LIMITS, type CheckpointConfig, type CheckpointConfigInput, resolveConfig } from "./config.ts";
import { Coordinator, type CoordinatorApi } from "./coordinator.ts";
import {
  createDedup,
  createFence,
  createOutbox,
  DEDUP_WAKE,
  type DedupApi,
  type FenceApi,
  OUTBOX_WAKE,
  type OutboxApi,
  type OutboxSink,
} from "./exactly-once.ts";
import { LocalCheckpoints, type ManifestPage } from "./local.ts";
import type { Manifest } from "./manifest.ts";
import { type ParticipantMessage, type ParticipantReply, parseMessage, type Transport } from "./messages.ts";
import { type Operator, OperatorRegistry } from "./operators.ts";
import { Participant } from "./participant.ts";

/** The ports a checkpoint needs (a capability's ports fit; `blobs` is optional). */
export interface CheckpointPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  wake: Wake;
  blobs?: BlobStore;
  /** Work after the response (`waitUntil`); default: promises run unawaited. */
  background?: Background;
}

/** What is passed beside the validated configuration: functions and wiring. */
export interface CheckpointOptions extends CheckpointConfigInput {
  /** `ctx.storage.getCurrentBookmark()`, stored in each manifest as a marker. */
  bookmark?: () => Promise<string>;
  /** The swap transaction (the platform passes the tables' event transaction). */
  swapTransaction?: TransactionSync;
  /** This DO's name: the source of outbox idempotency keys. */
  self?: () => string;
  /** Delivers outbox rows. */
  outboxSink?: OutboxSink;
  /** Carries channel and global-checkpoint messages to other DOs (by name). */
  transport?: Transport;
  /** The BlobStore prefix, read when a checkpoint is written (`ckpt/<tenant>/<DO name>`); overrides `blobPrefix`. */
  blobPrefixOf?: () => string;
  /** Hears CHECKPOINT_LARGE (default: one JSON warning line). */
  onWarning?: (code: "CHECKPOINT_LARGE", detail: { snapshotId: string; rawBytes: number }) => void;
}

/** Wake-up key of the daily garbage collection. */
export const GC_WAKE = "gc";

/** The checkpoint logic of one DO. */
export interface Checkpoint {
  readonly config: CheckpointConfig;
  /** Registers an operator (ids `[a-z0-9_.-]{1,64}`, at most 64). @throws {INVALID_INPUT} */
  registerOperator(id: string, op: Operator): void;
  /** Takes a local checkpoint. @throws {CHECKPOINT_BUSY} @throws {CHECKPOINT_TOO_LARGE} */
  local(): Promise<Manifest>;
  /**
   * Restores checkpoint `id` (or `latest`).
   * @throws {NOT_FOUND} @throws {CHECKPOINT_CORRUPT} @throws {CHECKPOINT_SCHEMA_MISMATCH} @throws {CHECKPOINT_BUSY}
   */
  restore(id: string): Promise<Manifest>;
  /** A manifest. @throws {NOT_FOUND} */
  get(id: string): Manifest;
  /** Completed local checkpoints, newest first. */
  list(limit?: number, cursor?: string): ManifestPage;
  /** Retention and garbage collection now (`listOlderThan`: also list the BlobStore). */
  gc(listOlderThan?: number): Promise<{ pruned: number; chunks: number; objects: number }>;
  readonly outbox: OutboxApi;
  readonly dedup: DedupApi;
  readonly fence: FenceApi;
  /** FIFO channels to other DOs (item 6). */
  readonly channels: ChannelApi;
  /** Global checkpoints this DO coordinates (item 7) and their recovery (item 9). */
  readonly coordinator: CoordinatorApi;
  /**
   * Handles a message from another DO: channel data, barrier, ack, complete, abort, pause,
   * restoreEpoch, resume.
   * @throws {INVALID_INPUT} 400 for a malformed message · {RECOVERING} 503 for data or a barrier while recovering
   */
  receive(message: ParticipantMessage): Promise<ParticipantReply>;
  /** True while a recovery paused this DO (requests get 503 RECOVERING). */
  recovering(): boolean;
  /** Counters: checkpoints, restores, large warnings, last sizes. */
  readonly metrics: CheckpointMetrics;
  /** Arms the standing wake-ups (daily gc, hourly dedup sweep, pending outbox). */
  start(): void;
  /** Handles one of its wake-ups. */
  onWake(event: WakeEvent): Promise<void>;
}

/**
 * Creates the checkpoint logic over a DO's ports.
 * @param ports sql, transactionSync, clock, wake and (optional) blobs
 * @param options the configuration (validated) and wiring
 * @throws {CONFIG_INVALID} 400 naming the failing path
 * @example
 * const cp = createCheckpoint(ports, { keepLast: 5 });
 * cp.registerOperator("counter", jsonOperator(() => count, (v) => { count = v as number; }));
 * const m = await cp.local();
 * await cp.restore(m.snapshotId);
 */
export function createCheckpoint(ports: CheckpointPorts, options: CheckpointOptions = {}): Checkpoint {
  const { bookmark, swapTransaction, self, outboxSink, onWarning, blobPrefixOf, transport, ...input } = options;
  const config = resolveConfig(input);
  const registry = new OperatorRegistry();
  const selfName = self ?? (() => "self");
  // Set below: the participant answers busy while it holds a pending epoch's capture.
  let participant: Participant | undefined;
  const local = new LocalCheckpoints(
    {
      sql: ports.sql,
      transactionSync: ports.transactionSync,
      clock: ports.clock,
      ...(ports.blobs ? { blobs: ports.blobs } : {}),
    },
    config,
    registry,
    {
      ...(bookmark ? { bookmark } : {}),
      ...(swapTransaction ? { swapTransaction } : {}),
      ...(blobPrefixOf ? { blobPrefixOf } : {}),
      holdsPendingCapture: () => participant?.holdsPendingCapture() ?? false,
      onWarning: onWarning ?? ((code, detail) => console.warn(JSON.stringify({ level: "warn", code, ...detail }))),
    },
  );
  const exactly = { sql: ports.sql, transactionSync: ports.transactionSync, clock: ports.clock, wake: ports.wake };
  const outbox = createOutbox(exactly, config, selfName, outboxSink);
  const dedup = createDedup(exactly, config);
  const fence = createFence(exactly);
  const { clock, wake } = ports;
  const later = (work: Promise<unknown>) => {
    const quiet = work.catch(() => {});
    ports.background?.waitUntil(quiet);
  };
  const channels = new Channels(
    { ...exactly, ...(ports.background ? { background: ports.background } : {}) },
    config,
    selfName,
    () => transport,
  );
  let receive: (message: ParticipantMessage) => Promise<ParticipantReply> = async () => ({ ok: true });
  const deliver = (to: string, message: ParticipantMessage): Promise<ParticipantReply> => {
    if (to === selfName()) return receive(message);
    if (!transport) return Promise.reject(new Error("global checkpoints need a transport"));
    return transport.send(to, message);
  };
  const part = new Participant({
    ...exactly,
    config,
    registry,
    local,
    channels,
    self: selfName,
    deliver,
    later,
  });
  participant = part;
  channels.hook({
    onBarrier: (from, env) => part.barrier(env.e, env.c, env.ps, env.d, from),
    onApplied: (from, seq, body) => part.recordIfPending(from, seq, body),
    incarnation: () => part.incarnation(),
    assertRunning: () => part.assertRunning(),
  });
  const coordinator = new Coordinator({
    ...exactly,
    config,
    self: selfName,
    deliver,
    later,
    assertRunning: () => part.assertRunning(),
  });
  receive = async (raw) => {
    const m = parseMessage(raw);
    switch (m.type) {
      case "data":
        return channels.receive(m.from, m.inc, m.messages);
      case "barrier": {
        part.assertRunning();
        const after = ports.transactionSync(() => part.barrier(m.epoch, m.from, m.participants, m.deadlineAt));
        after?.();
        return { ok: true };
      }
      case "ack":
        coordinator.onAck(m);
        return { ok: true };
      case "complete":
        await part.complete(m.epoch);
        return { ok: true };
      case "abort":
        await part.abort(m.epoch);
        return { ok: true };
      case "pause":
        part.pause();
        return { ok: true };
      case "restoreEpoch":
        return { ok: true, snapshotId: await part.restoreEpoch(m.epoch, m.snapshotId, m.inc) };
      case "resume":
        part.resume();
        return { ok: true };
    }
  };
  return {
    config,
    registerOperator: (id, op) => registry.register(id, op),
    local: () => local.local(),
    restore: (id) => local.restore(id),
    get: (id) => local.get(id),
    list: (limit, cursor) => local.list(limit, cursor),
    gc: (listOlderThan) => local.gc(listOlderThan),
    outbox,
    dedup,
    fence,
    channels,
    coordinator,
    receive: (message) => receive(message),
    recovering: () => part.paused(),
    metrics: local.metrics,
    start() {
      wake.set(GC_WAKE, clock.now() + CHECKPOINT_LIMITS.dayMs);
      wake.set(DEDUP_WAKE, clock.now() + CHECKPOINT_LIMITS.hourMs);
      if (outbox.pending() > 0) wake.set(OUTBOX_WAKE, clock.now());
      for (const channel of Object.keys(channels.pending())) wake.set(`${CHAN_WAKE}${channel}`, clock.now());
      part.start();
      coordinator.start();
    },
    async onWake(event) {
      if (event.key === GC_WAKE) {
        wake.set(GC_WAKE, clock.now() + CHECKPOINT_LIMITS.dayMs);
        if (!local.busy) await local.gc(clock.now() - CHECKPOINT_LIMITS.hourMs);
      } else if (event.key === DEDUP_WAKE) {
        wake.set(DEDUP_WAKE, clock.now() + CHECKPOINT_LIMITS.hourMs);
        dedup.sweep();
      } else if (event.key === OUTBOX_WAKE) {
        await outbox.flush();
      } else if (event.key.startsWith(CHAN_WAKE)) {
        if (!part.paused()) await channels.flush(event.key.slice(CHAN_WAKE.length));
      } else if (event.key.startsWith("deadline:")) {
        const epoch = Number(event.key.slice("deadline:".length));
        coordinator.onDeadline(epoch);
        part.onDeadline(epoch);
      } else if (event.key.startsWith("resend:")) {
        await coordinator.onResend(Number(event.key.slice("resend:".length)));
      }
    },
  };
}
