/**
 * `pre-agg` in a tenant DO: rollups over the tenant's tables, priced with the estimator's cost
 * constants, warm partitions on the `BLOBS` bucket, and the scheduler handler `preagg.refresh`
 * (`{rollup, full?}`: fold and rebuild now, or start over) that tenants put on a cron with
 * `POST /scheduler/schedules` (Cube's `refreshKey.every`).
 * @module
 */
import { type CapabilityDefinition, r2BlobStore } from "@durable/core";
import type { EstimatorCapability } from "@durable/cost-estimator";
import { createPreAggCapability, PRE_AGG, type PreAggCapability, PreAggRefreshPayloadSchema } from "@durable/pre-agg";
import { NonRetryableError, type SchedulerCapability } from "@durable/scheduler";
import type { TablesCapability } from "@durable/tables";

/**
 * Pre-agg composed after the tables and the estimator; registers `preagg.refresh` on the
 * scheduler it requires. A refresh of a rollup dropped since is a `NonRetryableError` (a
 * `NON_RETRYABLE` dead letter): retrying cannot help.
 * @param blobs the bucket of warm partitions
 */
export function platformPreAgg(blobs: R2Bucket): CapabilityDefinition<PreAggCapability> {
  return {
    name: PRE_AGG,
    requires: ["scheduler", "tables", "estimator"],
    create: (ports, required) => {
      const cap = createPreAggCapability({
        ports,
        tables: required.get<TablesCapability>("tables").tables,
        costs: required.get<EstimatorCapability>("estimator").estimator,
        blobStore: r2BlobStore(blobs),
      });
      const { scheduler } = required.get<SchedulerCapability>("scheduler");
      scheduler.handler("preagg.refresh", PreAggRefreshPayloadSchema, (p) => {
        if (!cap.preAgg.rollups().some((r) => r.name === p.rollup)) {
          throw new NonRetryableError(`[ROLLUP_NOT_FOUND] no rollup named ${p.rollup}`);
        }
        cap.preAgg.refresh(p.rollup, { full: p.full === true });
      });
      return cap;
    },
  };
}
