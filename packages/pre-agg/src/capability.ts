/**
 * Pre-agg as a capability of a tenant DO (thin: the logic is `PreAgg`). It requires the tables
 * capability and subscribes to its table events (row changes with the after-commit step; drops
 * vetoed while a rollup uses the table; wholesale replacements rebuild), owns the `preagg_`
 * migrations, the `fold:`/`rebuild:`/`backfill:`/`compact` wake-ups, the `/pre-agg` routes and
 * its RPC target.
 * @module
 */
import type {
  BlobStore,
  Capability,
  CapabilityDefinition,
  CapabilityPorts,
  MigrationSet,
  Route,
  WakeEvent,
} from "@durable/core";
import type { CostConstants } from "@durable/cost-estimator";
import type { Tables, TablesCapability } from "@durable/tables";
import * as z from "zod/mini";
import { PREAGG_MIGRATIONS } from "./migrations.ts";
import { PreAgg } from "./pre-agg.ts";
import type { AnalyticsQuery, QueryOptions } from "./query-schema.ts";
import { preAggRoutes } from "./routes.ts";
import type { Explanation, QueryResult, RollupInfo } from "./types.ts";

/** The capability's name: wake owner, migrations owner, RPC target. */
export const PRE_AGG = "pre-agg";

/** The payload of the scheduler handler `preagg.refresh`: fold now, or rebuild (`full`). */
export const PreAggRefreshPayloadSchema = z.strictObject({
  rollup: z.string().check(z.minLength(1), z.maxLength(64)),
  full: z.optional(z.boolean()),
});

/** What another Worker calls on a tenant DO's `pre-agg` RPC target. */
export interface PreAggApi {
  createRollup(definition: unknown): { rollup: RollupInfo; created: boolean };
  dropRollup(name: string): void;
  rollups(): RollupInfo[];
  rollup(name: string): RollupInfo;
  rollupQuery(query: AnalyticsQuery, options?: QueryOptions): Promise<QueryResult>;
  explain(query: AnalyticsQuery): Explanation;
  refresh(name: string, full?: boolean): void;
}

/** The composed capability. */
export interface PreAggCapability extends Capability {
  readonly name: typeof PRE_AGG;
  readonly preAgg: PreAgg;
  readonly migrations: MigrationSet;
  readonly routes: readonly Route[];
  readonly api: PreAggApi;
}

/** Options of {@link createPreAggCapability}. */
export interface PreAggCapabilityOptions {
  ports: CapabilityPorts;
  tables: Tables;
  costs?: { constants(): CostConstants };
  /** Defaults to the ports' `blobs`. */
  blobStore?: BlobStore;
  hotForMs?: number;
  /** Limits below the defaults (tests). */
  limits?: { maxHotPartitionRows?: number; maxRawScanRows?: number };
}

/** Builds pre-agg over its ports and subscribes it to `tables`. */
export function createPreAggCapability(o: PreAggCapabilityOptions): PreAggCapability {
  const preAgg = new PreAgg({
    sql: o.ports.sql,
    transactionSync: o.ports.transactionSync,
    clock: o.ports.clock,
    wake: o.ports.wake,
    tables: o.tables,
    tenant: () => o.ports.tenant(),
    blobStore: o.blobStore ?? o.ports.blobs,
    ...(o.costs ? { costs: o.costs } : {}),
    ...(o.hotForMs !== undefined ? { hotForMs: o.hotForMs } : {}),
    ...o.limits,
  });
  o.tables.subscribe({
    name: PRE_AGG,
    usesOf: (table) => preAgg.usesOf(table),
    onRowsChanged: (table, change) => preAgg.onRowsWritten(table, change),
    onTableDropped: (table) => preAgg.onTableDropped(table),
    onTableReplaced: (table) => preAgg.onTableReplaced(table),
  });
  return {
    name: PRE_AGG,
    preAgg,
    migrations: PREAGG_MIGRATIONS,
    routes: preAggRoutes(preAgg, o.tables),
    onStart: () => preAgg.start(),
    onWake: (event: WakeEvent) => preAgg.onWake(event),
    api: {
      createRollup: (definition) => preAgg.createRollup(definition),
      dropRollup: (name) => preAgg.dropRollup(name),
      rollups: () => preAgg.rollups(),
      rollup: (name) => preAgg.rollup(name),
      rollupQuery: (query, options) => preAgg.query(query, options),
      explain: (query) => preAgg.explain(query),
      refresh: (name, full) => preAgg.refresh(name, { full: full === true }),
    },
  };
}

/**
 * Pre-agg's definition for `DOBase.use()`: composed after tables (and the estimator, whose cost
 * constants it prices rollups with when given).
 */
export function preAggCapability(
  options: { costs?: () => { constants(): CostConstants } | undefined; blobStore?: BlobStore; hotForMs?: number } = {},
): CapabilityDefinition<PreAggCapability> {
  return {
    name: PRE_AGG,
    requires: ["tables"],
    create: (ports, required) => {
      const costs = options.costs;
      return createPreAggCapability({
        ports,
        tables: required.get<TablesCapability>("tables").tables,
        ...(costs ? { costs: { constants: () => costs()?.constants() as CostConstants } } : {}),
        ...(options.blobStore ? { blobStore: options.blobStore } : {}),
        ...(options.hotForMs !== undefined ? { hotForMs: options.hotForMs } : {}),
      });
    },
  };
}
