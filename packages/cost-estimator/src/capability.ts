/**
 * The estimator as a capability of a tenant DO (thin on purpose: the logic is `CostEstimator`).
 * It requires the tables capability, subscribes to its table events (row changes with the
 * after-commit step, schema changes, drops, replacements; statistics never veto a drop), owns
 * the `est_` migrations, the `flush` and `analyze:<table>` wake-ups, the `/estimator` routes and
 * its RPC target.
 * @module
 */
import type { Capability, CapabilityDefinition, CapabilityPorts, MigrationSet, Route, WakeEvent } from "@durable/core";
import type { Tables, TablesCapability } from "@durable/tables";
import type { EstimatorConfigInput } from "./config.ts";
import type { CostConstants } from "./cost-model.ts";
import type { Estimate } from "./estimate.ts";
import { CostEstimator } from "./estimator.ts";
import { ESTIMATOR_MIGRATIONS } from "./migrations.ts";
import type { PartitionStatsProvider } from "./partition-stats.ts";
import type { EstimateRequest } from "./request.ts";
import { estimatorRoutes } from "./routes.ts";
import type { TableStatsSummary } from "./summary.ts";

/** The capability's name: wake owner, migrations owner, RPC target. */
export const ESTIMATOR = "estimator";

/** What another Worker calls on a tenant DO's `estimator` RPC target. */
export interface EstimatorApi {
  estimate(request: EstimateRequest): Estimate;
  heuristicEstimate(request: EstimateRequest): Estimate;
  recordActual(fingerprint: string, estimatedRows: number, actualRows: number): void;
  analyze(table: string, full?: boolean): { jobId: string; status: string };
  stats(table: string): TableStatsSummary;
  constants(): CostConstants;
}

/** The composed estimator. */
export interface EstimatorCapability extends Capability {
  readonly name: typeof ESTIMATOR;
  readonly estimator: CostEstimator;
  readonly migrations: MigrationSet;
  readonly routes: readonly Route[];
  readonly api: EstimatorApi;
}

/** Options of {@link createEstimatorCapability}. */
export interface EstimatorCapabilityOptions {
  ports: CapabilityPorts;
  tables: Tables;
  partitions?: PartitionStatsProvider;
  config?: EstimatorConfigInput;
}

/**
 * Builds the estimator capability over its ports and subscribes it to `tables`.
 * @throws {INVALID_SKETCH_PARAMS} · {CONFIG_INVALID} for a bad config
 */
export function createEstimatorCapability(o: EstimatorCapabilityOptions): EstimatorCapability {
  const estimator = new CostEstimator({
    sql: o.ports.sql,
    transactionSync: o.ports.transactionSync,
    clock: o.ports.clock,
    wake: o.ports.wake,
    tables: o.tables,
    ...(o.partitions ? { partitions: o.partitions } : {}),
    ...(o.config ? { config: o.config } : {}),
  });
  o.tables.subscribe({
    name: ESTIMATOR,
    usesOf: () => [],
    onRowsChanged: (table, change) => estimator.onRowsWritten(table, change),
    onSchemaChanged: (def) => estimator.onSchemaChanged(def.name),
    onTableDropped: (table) => estimator.onTableDropped(table),
    onTableReplaced: (table) => estimator.onTableReplaced(table),
  });
  return {
    name: ESTIMATOR,
    estimator,
    migrations: ESTIMATOR_MIGRATIONS,
    routes: estimatorRoutes(estimator),
    onStart: () => estimator.start(),
    onWake: (event: WakeEvent) => estimator.onWake(event),
    api: {
      estimate: (request) => estimator.estimate(request),
      heuristicEstimate: (request) => estimator.heuristicEstimate(request),
      recordActual: (fp, est, actual) => estimator.recordActual(fp, est, actual),
      analyze: (table, full) => {
        const job = estimator.analyze(table, { full: full === true });
        return { jobId: job.jobId, status: job.status };
      },
      stats: (table) => estimator.stats(table),
      constants: () => estimator.constants(),
    },
  };
}

/**
 * The estimator's definition for `DOBase.use()`: composed after the tables capability.
 * @example
 * this.use(tablesCapability());
 * this.use(estimatorCapability({ partitions: new ParquetStatsProvider(blobs) }));
 */
export function estimatorCapability(
  options: { partitions?: PartitionStatsProvider; config?: EstimatorConfigInput } = {},
): CapabilityDefinition<EstimatorCapability> {
  return {
    name: ESTIMATOR,
    requires: ["tables"],
    create: (ports, required) =>
      createEstimatorCapability({ ports, tables: required.get<TablesCapability>("tables").tables, ...options }),
  };
}
