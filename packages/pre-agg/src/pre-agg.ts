/**
 * `PreAgg`: rollups over a tenant's catalog tables (skeleton; filled in below).
 * @module
 */
import type { BlobStore, Clock, RowChange, Sql, TransactionSync, Wake, WakeEvent } from "@durable/core";
import type { CostConstants } from "@durable/cost-estimator";
import type { Tables } from "@durable/tables";
import type { AnalyticsQuery, QueryOptions } from "./query-schema.ts";
import type { Explanation, QueryResult, RollupInfo } from "./types.ts";

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
  /** Cost constants (the estimator); documented defaults without one. */
  costs?: { constants(): CostConstants };
  /** Where warm partitions go; without one, partitions stay hot. */
  blobStore?: BlobStore;
  /** How long after its end a partition stays hot (default 48 h). */
  hotForMs?: number;
}

const notYet = () => new Error("pre-agg: not yet built");

/** Rollups of one tenant DO. */
export class PreAgg {
  constructor(readonly options: PreAggOptions) {}

  createRollup(_def: unknown): { rollup: RollupInfo; created: boolean } {
    throw notYet();
  }
  dropRollup(_name: string): void {
    throw notYet();
  }
  rollups(): RollupInfo[] {
    throw notYet();
  }
  onRowsWritten(_table: string, _change: RowChange): undefined | (() => void) {
    throw notYet();
  }
  async query(_q: AnalyticsQuery, _o?: QueryOptions): Promise<QueryResult> {
    throw notYet();
  }
  explain(_q: AnalyticsQuery): Explanation {
    throw notYet();
  }
  requestRefresh(_name: string): void {
    throw notYet();
  }
  markDirty(_name: string, _partitionKey: string): void {
    throw notYet();
  }
  refresh(_name: string, _o?: { full?: boolean }): void {
    throw notYet();
  }
  async onWake(_event: WakeEvent): Promise<void> {
    throw notYet();
  }
}
