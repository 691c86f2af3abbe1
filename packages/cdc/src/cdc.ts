/**
 * `createCdc`: change data capture over a tenant's tables. It wires the tracker (triggers,
 * schema versions, drift), the change log, consumers and offsets, the pull API, the push
 * drain with retries and the DLQ, retention, backpressure and metrics.
 * @module
 */
import type { BlobStore, Clock, Sql, TransactionSync, Wake } from "@durable/core";
import type { TableSubscriber, Tables } from "@durable/tables";
import { ChangeLog } from "./change-log.ts";
import { type CdcConfig, type CdcConfigInput, PULL_LIMITS, parseCdcConfig } from "./config.ts";
import { type ConsumerInfo, Consumers, consumerInfo } from "./consumers.ts";
import { type DeliveryDeps, drainConsumer, pullEvents, readFor } from "./delivery.ts";
import { createDlq, type DlqApi } from "./dlq.ts";
import { cdcError } from "./errors.ts";
import { cdcMetrics } from "./metrics.ts";
import type { ConsumerDef, Sink } from "./schemas.ts";
import { doSink } from "./sinks/do-sink.ts";
import { parquetSink } from "./sinks/parquet-sink.ts";
import { queueSink } from "./sinks/queue-sink.ts";
import type { PushSink } from "./sinks/sink.ts";
import { Tracker, type TrackOptions } from "./tracker.ts";
import { FULL_SQL, TxWrapper } from "./tx-wrapper.ts";
import type {
  CdcMetrics,
  CdcReceiver,
  CdcSchema,
  DrainReport,
  PullResult,
  QueueLike,
  ReadResult,
  TrackedTable,
  TrackResult,
} from "./types.ts";

/** The ports of {@link createCdc}. */
export interface CdcPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  /** Wake-ups bound to the capability (`drain`, `heartbeat`, `flush:<c>`, `retry:<c>`). */
  wake: Wake;
  tenant: () => string | null;
  tables: Tables;
  /** R2 `BLOBS`: the Parquet sink and oversized Queue events. */
  blobs?: BlobStore;
  /** Queue bindings by name. */
  queues?: Record<string, QueueLike>;
  /** DO bindings by name: the `cdc` receiver of the DO called `name`. */
  doTargets?: Record<string, (name: string) => CdcReceiver>;
  /** Jitter source (tests). */
  random?: () => number;
}

/** Change data capture of one tenant's DO. */
export interface Cdc {
  readonly config: CdcConfig;
  /** Wraps a `TransactionSync`: numbers transactions, types trigger errors, asks for a drain. */
  wrap(inner: TransactionSync): TransactionSync;
  /** The DO's transactionSync, wrapped. */
  readonly transactionSync: TransactionSync;
  /** The table-events subscriber (drop veto, schema changes, drops). */
  readonly subscriber: TableSubscriber;
  start(): void;
  track(table: string, options?: TrackOptions): TrackResult & { created: boolean };
  untrack(table: string): void;
  tracked(): TrackedTable[];
  schema(table: string, version: number): CdcSchema;
  createConsumer(def: ConsumerDef | unknown): ConsumerInfo;
  listConsumers(): ConsumerInfo[];
  getConsumer(name: string): ConsumerInfo;
  deleteConsumer(name: string): void;
  pull(name: string, options?: { limit?: number }): PullResult;
  commit(name: string, lsn: number): void;
  seek(name: string, lsn: number): void;
  read(options?: { since?: number; limit?: number; tables?: string[] }): ReadResult;
  drain(): Promise<DrainReport>;
  heartbeat(): Promise<DrainReport>;
  readonly dlq: DlqApi;
  metrics(): CdcMetrics;
  /** Repairs drift of every tracked table. @returns how many drifted */
  repairDrift(): number;
}

function checkLimit(limit: number | undefined): number {
  const n = limit ?? PULL_LIMITS.defaultLimit;
  if (!Number.isInteger(n) || n < 1 || n > PULL_LIMITS.maxLimit)
    throw cdcError("INVALID_INPUT", "limit must be an integer in 1–1000");
  return n;
}

/**
 * Creates CDC over the DO's ports and its tables.
 * @param ports see {@link CdcPorts}
 * @param input the configuration (defaults in `CdcConfigSchema`)
 * @throws {CONFIG_INVALID}
 */
export function createCdc(ports: CdcPorts, input: CdcConfigInput = {}): Cdc {
  const config = parseCdcConfig(input);
  const { sql, clock, wake, tables } = ports;
  const tracker = new Tracker(sql, clock, tables);
  const log = new ChangeLog(sql, tracker);
  const consumers = new Consumers(sql, clock, tables);
  let trackedCount = 0;
  let forced = 0;
  let drainRate = 10_000;
  let parquetBytes = 0;
  const tenant = (): string => {
    const t = ports.tenant();
    if (t) return t;
    return sql.exec<{ t: string | null }>("SELECT tenant AS t FROM cdc_state WHERE id = 1").one().t ?? "unknown";
  };
  const newest = () => log.newestLsn();
  const backlog = (): number => {
    const min = consumers.minOffset();
    return min === null ? 0 : Math.max(0, newest() - min);
  };
  const wrapper = new TxWrapper(sql, {
    active: () => trackedCount > 0 || forced > 0,
    captured: () => wake.set("drain", clock.now() + config.batchDelayMs),
    retryAfterSeconds: () => Math.max(1, Math.ceil(backlog() / Math.max(1, drainRate))),
  });
  const tx = wrapper.wrap(ports.transactionSync);
  const refreshLimit = () => {
    const min = consumers.minOffset();
    sql.exec("UPDATE cdc_state SET lsn_limit = ? WHERE id = 1", min === null ? null : min + config.maxBacklogEvents);
    sql.exec(`UPDATE cdc_state SET full = ${FULL_SQL} WHERE id = 1`);
  };
  const recount = () => {
    trackedCount = tracker.trackedNames().length;
  };
  const sinkOf = (name: string): PushSink | null => {
    const sink = consumers.get(name).sink;
    return sinkFor(sink);
  };
  const sinkFor = (sink: Sink): PushSink | null => {
    switch (sink.type) {
      case "pull":
        return null;
      case "queue": {
        const q = ports.queues?.[sink.binding];
        if (!q) throw cdcError("UNKNOWN_BINDING", `no queue binding ${sink.binding}`);
        return queueSink(q, sink.maxEventsPerMessage ?? 1, ports.blobs);
      }
      case "r2":
        if (!ports.blobs) throw cdcError("UNKNOWN_BINDING", "no BlobStore");
        return parquetSink(
          ports.blobs,
          tenant(),
          (t, v) => tracker.schema(t, v),
          (b) => {
            parquetBytes += b;
          },
        );
      case "do": {
        const target = ports.doTargets?.[sink.binding];
        if (!target) throw cdcError("UNKNOWN_BINDING", `no DO binding ${sink.binding}`);
        return doSink(target(`${tenant()}:${sink.suffix}`), tenant());
      }
    }
  };
  const bindingExists = (sink: Sink): boolean => {
    if (sink.type === "pull") return true;
    if (sink.type === "queue") return ports.queues?.[sink.binding] !== undefined;
    if (sink.type === "r2") return sink.binding === "BLOBS" && ports.blobs !== undefined;
    return ports.doTargets?.[sink.binding] !== undefined;
  };
  const oldestCheck = (lsn: number) => {
    const oldest = log.oldestRetainedLsn();
    if (lsn < oldest && log.newestLsn() >= oldest - 1 && oldest > 1) {
      throw cdcError("LSN_PURGED", `LSN ${lsn} was purged; the oldest retained LSN is ${oldest}`, 409);
    }
  };
  const deps: DeliveryDeps = {
    sql,
    transactionSync: ports.transactionSync,
    clock,
    wake,
    log,
    consumers,
    config,
    tenant,
    ...(ports.random ? { random: ports.random } : {}),
  };

  const purge = (): number => {
    const min = consumers.minOffset();
    if (min !== null) return log.purgeThrough(min);
    let n = 0;
    const cutoff = clock.now() - config.retentionMs;
    const firstFresh = sql
      .exec<{ lsn: number }>("SELECT lsn FROM cdc_changes WHERE ts_ms >= ? ORDER BY lsn LIMIT 1", cutoff)
      .toArray()[0]?.lsn;
    n += log.purgeThrough(firstFresh === undefined ? newest() : firstFresh - 1);
    n += log.purgeThrough(newest() - config.maxBacklogEvents);
    return n;
  };

  const repairDrift = (): number => {
    let drifted = 0;
    ports.transactionSync(() => {
      for (const t of tracker.trackedNames()) if (tracker.refresh(t, false)) drifted++;
      if (drifted > 0)
        sql.exec("UPDATE cdc_state SET schema_drift_total = schema_drift_total + ? WHERE id = 1", drifted);
    });
    return drifted;
  };

  const drain = async (): Promise<DrainReport> => {
    const started = clock.now();
    const report: DrainReport = { delivered: 0, deadLettered: 0, retried: 0, purged: 0, more: false };
    repairDrift();
    for (const c of consumers.list()) {
      if (c.sink.type === "pull") continue;
      const sink = sinkFor(c.sink);
      if (!sink) continue;
      let through: number | undefined;
      if (c.sink.type === "r2") {
        through = c.sentThrough > c.offset ? c.sentThrough : planFlush(c.name, c.offset);
        if (through === undefined) continue;
      }
      const r = await drainConsumer(deps, c.name, sink, through);
      report.delivered += r.delivered;
      report.deadLettered += r.deadLettered;
      report.retried += r.retried;
      report.more ||= r.more;
    }
    const elapsed = clock.now() - started;
    if (report.delivered > 0 && elapsed > 0) drainRate = Math.max(100, (report.delivered * 1000) / elapsed);
    report.purged = ports.transactionSync(() => {
      const n = purge();
      refreshLimit();
      return n;
    });
    if (report.more) wake.set("drain", clock.now());
    return report;
  };

  /** Decides whether a Parquet consumer flushes now; records the planned range. */
  const planFlush = (name: string, offset: number): number | undefined => {
    const stats = sql
      .exec<{ n: number; bytes: number | null; last: number | null; first_ts: number | null }>(
        `SELECT count(*) AS n, sum(coalesce(length(before), 0) + coalesce(length(after), 0)) AS bytes, max(lsn) AS last, min(ts_ms) AS first_ts
         FROM (SELECT * FROM cdc_changes WHERE lsn > ? ORDER BY lsn LIMIT ?)`,
        offset,
        config.parquetMaxRows,
      )
      .one();
    if (stats.n === 0 || stats.last === null) return undefined;
    const age = clock.now() - (stats.first_ts ?? clock.now());
    if (
      stats.n < config.parquetMaxRows &&
      (stats.bytes ?? 0) < config.parquetMaxBytes &&
      age < config.parquetMaxAgeMs
    ) {
      wake.set(`flush:${name}`, clock.now() + (config.parquetMaxAgeMs - Math.max(0, age)));
      return undefined;
    }
    consumers.setOffset(name, offset, stats.last);
    return stats.last;
  };

  /** Heartbeats only while CDC is in use: an idle tenant DO must not wake every minute. */
  const armHeartbeat = () => {
    if (trackedCount > 0 || consumers.minOffset() !== null) wake.set("heartbeat", clock.now() + config.heartbeatMs);
  };

  const heartbeat = async (): Promise<DrainReport> => {
    // A pull consumer whose pending events are all filtered out is advanced, so it pins nothing.
    for (const c of consumers.list()) {
      if (c.sink.type !== "pull") continue;
      const batch = readFor(deps, c, c.offset, config.drainMaxEvents);
      if (batch.rows === 0) continue;
      const firstMatch = batch.events[0]?.source.lsn;
      const through = firstMatch === undefined ? batch.lastLsn : firstMatch - 1;
      if (through > c.offset) consumers.setOffset(c.name, through);
    }
    const report = await drain();
    armHeartbeat();
    return report;
  };

  const subscriber: TableSubscriber = {
    name: "cdc",
    usesOf: (table) => [...(tracker.isTracking(table) ? ["tracking"] : []), ...consumers.usesOf(table)],
    onSchemaChanged: (def) => {
      tracker.refresh(def.name, true);
    },
    onTableDropped: (table) => {
      tracker.dropped(table);
      return recount;
    },
  };

  const dlq = createDlq(sql, clock, sinkOf, (name) => void consumers.get(name));

  return {
    config,
    wrap: (inner) => wrapper.wrap(inner),
    transactionSync: tx,
    subscriber,
    repairDrift,
    start() {
      const t = ports.tenant();
      if (t) sql.exec("UPDATE cdc_state SET tenant = ? WHERE id = 1 AND tenant IS NULL", t);
      recount();
      repairDrift();
      refreshLimit();
      armHeartbeat();
    },
    track(table, options = {}) {
      forced++;
      try {
        const { result, created } = tx(() => tracker.track(table, options, config.maxSnapshotRows, newest));
        recount();
        armHeartbeat();
        return { ...result, created };
      } finally {
        forced--;
      }
    },
    untrack(table) {
      ports.transactionSync(() => tracker.untrack(table));
      recount();
    },
    tracked: () => tracker.list(),
    schema: (table, version) => tracker.schema(table, version),
    createConsumer(def) {
      const created = ports.transactionSync(() => {
        const c = consumers.create(def, bindingExists, (startAt) => {
          if (startAt === "latest") return newest();
          if (startAt === "earliest" || startAt === undefined) return log.oldestRetainedLsn() - 1;
          if (startAt > newest() + 1)
            throw cdcError("INVALID_OFFSET", `startAt ${startAt} is past the newest LSN ${newest()}`);
          oldestCheck(startAt);
          return startAt - 1;
        });
        refreshLimit();
        return c;
      });
      if (created.sink.type !== "pull") wake.set("drain", clock.now());
      armHeartbeat();
      return consumerInfo(created);
    },
    listConsumers: () => consumers.list().map(consumerInfo),
    getConsumer: (name) => consumerInfo(consumers.get(name)),
    deleteConsumer(name) {
      ports.transactionSync(() => {
        consumers.delete(name);
        refreshLimit();
      });
    },
    pull(name, options = {}) {
      const limit = checkLimit(options.limit);
      const c = consumers.get(name);
      if (c.sink.type !== "pull")
        throw cdcError("NOT_A_PULL_CONSUMER", `consumer ${name} has a ${c.sink.type} sink`, 409);
      const { events, next } = pullEvents(deps, c, limit);
      return { events, nextLsn: next, hasMore: log.hasAfter(next) };
    },
    commit(name, lsn) {
      const c = consumers.get(name);
      if (!Number.isInteger(lsn) || lsn < 0) throw cdcError("INVALID_OFFSET", "lsn must be a non-negative integer");
      if (lsn > newest()) throw cdcError("INVALID_OFFSET", `LSN ${lsn} is past the newest LSN ${newest()}`);
      if (lsn < c.offset)
        throw cdcError("OFFSET_REGRESSION", `LSN ${lsn} is below the committed offset ${c.offset}; use seek`, 409);
      ports.transactionSync(() => {
        consumers.setOffset(name, lsn);
        refreshLimit();
      });
    },
    seek(name, lsn) {
      consumers.get(name);
      if (!Number.isInteger(lsn) || lsn < 1) throw cdcError("INVALID_OFFSET", "lsn must be a positive integer");
      if (lsn > newest() + 1) throw cdcError("INVALID_OFFSET", `LSN ${lsn} is past the newest LSN ${newest()}`);
      oldestCheck(lsn);
      ports.transactionSync(() => {
        consumers.setOffset(name, lsn - 1, lsn - 1);
        refreshLimit();
      });
    },
    read(options = {}) {
      const limit = checkLimit(options.limit);
      const since = options.since ?? log.oldestRetainedLsn();
      if (!Number.isInteger(since) || since < 0)
        throw cdcError("INVALID_INPUT", "since must be a non-negative integer");
      oldestCheck(Math.max(since, 1));
      const rows = log.rowsAfter(since - 1, limit, options.tables);
      const now = clock.now();
      const events = rows.map((r) => log.decode(r, tenant(), now).event);
      const last = rows[rows.length - 1]?.lsn;
      return { events, next: last !== undefined && rows.length === limit ? last + 1 : null };
    },
    drain,
    heartbeat,
    dlq,
    metrics: () =>
      cdcMetrics({ sql, clock, log, consumers, dlq, backlog: backlog(), parquetBytesWritten: parquetBytes }),
  };
}
