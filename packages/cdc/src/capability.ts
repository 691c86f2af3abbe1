/**
 * The cdc capability's definition: it requires `tables`, subscribes once to the table events,
 * wraps every write and DDL transaction of the tables, runs the drain on its wake-ups and
 * serves the `/cdc` routes and the `cdc` RPC target (with `receive`, the DO-to-DO sink's
 * receiving end, which mirrors events into this DO's tables through a `CdcInbox`).
 * @module
 */
import type { Capability, CapabilityDefinition, CapabilityPorts, MigrationSet, Route, WakeEvent } from "@durable/core";
import { TABLES, type Tables, type TablesCapability } from "@durable/tables";
import { type Cdc, type CdcPorts, createCdc } from "./cdc.ts";
import type { CdcConfigInput } from "./config.ts";
import type { ConsumerInfo } from "./consumers.ts";
import type { DlqEntry } from "./dlq.ts";
import { cdcError } from "./errors.ts";
import { CdcInbox } from "./inbox.ts";
import { CDC_MIGRATIONS } from "./migrations.ts";
import { cdcRoutes } from "./routes.ts";
import type {
  CdcBatch,
  CdcMetrics,
  CdcReceiver,
  ChangeEvent,
  PullResult,
  QueueLike,
  ReadResult,
  TrackResult,
} from "./types.ts";

/** The name of the capability, of its wake-ups owner and RPC target. */
export const CDC = "cdc";

/** The `cdc` RPC target. */
export interface CdcApi {
  track(table: string, options?: { excludeColumns?: string[]; snapshot?: boolean }): TrackResult;
  untrack(table: string): void;
  createConsumer(def: unknown): ConsumerInfo;
  deleteConsumer(name: string): void;
  pull(name: string, options?: { limit?: number }): PullResult;
  commit(name: string, lsn: number): void;
  seek(name: string, lsn: number): void;
  read(options?: { since?: number; limit?: number; tables?: string[] }): ReadResult;
  dlq(consumer: string, limit?: number): DlqEntry[];
  metrics(): CdcMetrics;
  /** The DO-to-DO sink's target: applies a batch once to this DO's same-named tables. */
  receive(batch: CdcBatch): { appliedLsn: number; applied: number; duplicates: number };
}

/** The composed capability. */
export interface CdcCapability extends Capability {
  readonly name: typeof CDC;
  readonly migrations: MigrationSet;
  readonly cdc: Cdc;
  readonly routes: readonly Route[];
  readonly api: CdcApi;
  onStart(): void;
  onWake(event: WakeEvent): Promise<void>;
}

/** Options of {@link cdcCapability}: the config plus the env bindings sinks may name. */
export interface CdcCapabilityOptions {
  config?: CdcConfigInput;
  queues?: Record<string, QueueLike>;
  doTargets?: Record<string, (name: string) => CdcReceiver>;
  random?: () => number;
}

/** Applies a received event to this DO's table of the same name (upsert the after, delete the key). */
function mirror(tables: Tables, e: ChangeEvent): void {
  if (e.op === "d") tables.delete(e.source.table, [e.key]);
  else tables.upsert(e.source.table, [e.after]);
}

/**
 * Builds the capability over ports (also for Node tests without a DO).
 * @param ports the scoped ports and the required tables
 */
export function buildCdcCapability(
  ports: CapabilityPorts,
  tables: Tables,
  options: CdcCapabilityOptions = {},
): CdcCapability {
  const cdcPorts: CdcPorts = {
    sql: ports.sql,
    transactionSync: ports.transactionSync,
    clock: ports.clock,
    wake: ports.wake,
    tenant: ports.tenant,
    tables,
    blobs: ports.blobs,
    ...(options.queues ? { queues: options.queues } : {}),
    ...(options.doTargets ? { doTargets: options.doTargets } : {}),
    ...(options.random ? { random: options.random } : {}),
  };
  const cdc = createCdc(cdcPorts, options.config);
  tables.subscribe(cdc.subscriber);
  tables.events.wrapTransactions((inner) => cdc.wrap(inner));
  let inbox: CdcInbox | undefined;
  const api: CdcApi = {
    track: (table, o) => {
      const { created: _created, ...result } = cdc.track(table, o);
      return result;
    },
    untrack: (table) => cdc.untrack(table),
    createConsumer: (def) => cdc.createConsumer(def),
    deleteConsumer: (name) => cdc.deleteConsumer(name),
    pull: (name, o) => cdc.pull(name, o),
    commit: (name, lsn) => cdc.commit(name, lsn),
    seek: (name, lsn) => cdc.seek(name, lsn),
    read: (o) => cdc.read(o),
    dlq: (consumer, limit) => cdc.dlq.list(consumer, limit),
    metrics: () => cdc.metrics(),
    receive(batch) {
      const own = ports.tenant();
      if (!batch || !Array.isArray(batch.events))
        throw cdcError("INVALID_INPUT", "a batch is {tenant, fromLsn, toLsn, events}");
      if (own !== null && batch.tenant !== own)
        throw cdcError("INVALID_INPUT", `a batch of tenant ${batch.tenant} cannot reach ${own}`, 403);
      inbox ??= new CdcInbox({ sql: ports.sql, transactionSync: cdc.transactionSync }, "receive");
      const r = inbox.apply(batch.events, (e) => mirror(tables, e), {
        tenant: batch.tenant,
        fromLsn: batch.fromLsn,
        toLsn: batch.toLsn,
      });
      return { appliedLsn: r.appliedLsn, applied: r.applied, duplicates: r.duplicates };
    },
  };
  return {
    name: CDC,
    migrations: CDC_MIGRATIONS,
    cdc,
    routes: cdcRoutes(cdc),
    api,
    onStart: () => cdc.start(),
    async onWake(event) {
      if (event.key === "heartbeat") await cdc.heartbeat();
      else await cdc.drain();
    },
  };
}

/**
 * The cdc capability's definition; compose it after `tables`.
 * @param options config, queue bindings and DO targets (TenantDO passes them from `env`)
 * @example
 * this.use(tablesCapability());
 * this.use(cdcCapability({ queues: { CDC_EVENTS: env.CDC_EVENTS }, doTargets: { TENANT: (name) => … } }));
 */
export function cdcCapability(options: CdcCapabilityOptions = {}): CapabilityDefinition<CdcCapability> {
  return {
    name: CDC,
    requires: [TABLES],
    create: (ports, required) => buildCdcCapability(ports, required.get<TablesCapability>(TABLES).tables, options),
  };
}
