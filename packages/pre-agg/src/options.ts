/**
 * The ports and settings of `PreAgg`.
 * @module
 */
import type { BlobStore, Clock, Sql, TransactionSync, Wake } from "@durable/core";
import { type CostConstants, DEFAULT_COST_CONSTANTS } from "@durable/cost-estimator";
import type { Tables } from "@durable/tables";

/** Ports and settings of {@link PreAgg}. */
export interface PreAggOptions {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  /** This capability's wake-ups (`fold:<name>`, `rebuild:<name>`, `backfill:<name>`, `compact`). */
  wake: Wake;
  tables: Tables;
  /** The tenant (warm file paths). */
  tenant: () => string | null;
  /** Cost constants (the estimator); {@link DEFAULT_COST_CONSTANTS} without one. */
  costs?: { constants(): CostConstants };
  /** Where warm partitions go; without one, partitions stay hot. */
  blobStore?: BlobStore;
  /** How long after its end a partition stays hot (default 48 h). */
  hotForMs?: number;
  /** Fold interval of deferred rollups (default 60 s). */
  foldEveryMs?: number;
  /** Hot rows per partition before a rollup is disabled (default 200,000). */
  maxHotPartitionRows?: number;
  /** Source rows a raw answer may read (default 5,000,000). */
  maxRawScanRows?: number;
}

/** Default time a partition stays hot after it ended. */
export const DEFAULT_HOT_FOR_MS = 48 * 3_600_000;

/** The cost constants to price rollups with: the estimator's, or the documented defaults. */
export function costConstants(costs: PreAggOptions["costs"]): CostConstants {
  try {
    return costs?.constants() ?? DEFAULT_COST_CONSTANTS;
  } catch {
    return DEFAULT_COST_CONSTANTS;
  }
}
