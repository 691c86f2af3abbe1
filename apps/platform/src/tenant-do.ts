/**
 * `TenantDO`: one SQLite-backed Durable Object per tenant, named by the tenant id.
 * Each capability is one `use()` line; the order is the order their hooks run in. It holds no
 * hand-written RPC methods: another Worker reaches a capability's API through DOBase's one
 * accessor, `stub.capability(name, tenant)`, typed by {@link TenantApis} ({@link tenantApi}).
 * @module
 */

import { type CdcApi, type CdcReceiver, cdcCapability } from "@durable/cdc";
import type { CheckpointApi } from "@durable/checkpoint";
import { parseOrThrow, type Remote, r2BlobStore } from "@durable/core";
import { type EstimatorApi, estimatorCapability, ParquetStatsProvider } from "@durable/cost-estimator";
import type { PreAggApi } from "@durable/pre-agg";
import type { QueryRouterApi } from "@durable/query-router";
import { type Plan, PlansSchema, type RateLimitApi, rateLimitCapability } from "@durable/rate-limit";
import type { SchedulerApi } from "@durable/scheduler";
import { type TablesApi, tablesCapability } from "@durable/tables";
import type { VectorApi } from "@durable/vector";
import { platformCheckpoint } from "./capabilities/checkpoint.ts";
import { type MetaApi, metaCapability } from "./capabilities/meta.ts";
import { platformPreAgg } from "./capabilities/pre-agg.ts";
import { platformQuery } from "./capabilities/query.ts";
import { quotaCapability } from "./capabilities/quota.ts";
import { platformScheduler } from "./capabilities/scheduler.ts";
import { platformVector } from "./capabilities/vector.ts";
import { DOBase } from "./do-base.ts";

/** The plan every tenant DO's own limiter starts with: a token bucket of 60 refilling 1/s. */
export const TENANT_DEFAULT_PLAN: Plan = parseOrThrow(PlansSchema, [
  { name: "default", limits: [{ name: "default", algorithm: "tokenBucket", capacity: 60, refillPerSecond: 1 }] },
])[0] as Plan;

/** The RPC targets of a tenant's DO, by capability name. */
export interface TenantApis {
  tables: TablesApi;
  cdc: CdcApi;
  estimator: EstimatorApi;
  "pre-agg": PreAggApi;
  query: QueryRouterApi;
  meta: MetaApi;
  scheduler: SchedulerApi;
  "rate-limit": RateLimitApi;
  checkpoint: CheckpointApi;
  vector: VectorApi;
}

/** The tenant's DO: every capability of the platform, composed. */
export class TenantDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The scheduler first: it owns the alarm and delivers every other capability's wake-ups.
    this.use(platformScheduler());
    // The platform's quota of this tenant: decided here, before any route reads a body.
    this.use(quotaCapability(env.PLANS));
    this.use(tablesCapability());
    // Change data capture of the tenant's tables: sinks name these env bindings (the DO target is `<tenant>:<suffix>`).
    this.use(
      cdcCapability({
        queues: { CDC_EVENTS: env.CDC_EVENTS },
        doTargets: { TENANT: (name) => cdcReceiver(env, name) },
      }),
    );
    // Row-count and cost estimates: statistics kept by the tables' write path (after-commit sketches).
    this.use(estimatorCapability({ partitions: new ParquetStatsProvider(r2BlobStore(env.BLOBS)) }));
    // Vector search (Vectorize-compatible): exact, then IVF in this DO, or Vectorize per `VECTOR_BACKEND`.
    this.use(platformVector(env));
    // Rollups over the tenant's tables, maintained on the write path, priced by the estimator.
    this.use(platformPreAgg(env.BLOBS));
    // Analytics queries within a staleness budget: cache, a rollup or live (shards through env.TENANT).
    this.use(platformQuery(env));
    this.use(metaCapability());
    // The tenant's own limiter (for its users' keys); its hourly sweep is a scheduler wake-up.
    this.use(rateLimitCapability({ plans: [TENANT_DEFAULT_PLAN], defaultPlan: "default" }));
    // Last: its operators capture what the capabilities above own (tables, schedules, meta).
    this.use(
      platformCheckpoint({
        bookmark: () => ctx.storage.getCurrentBookmark(),
        name: () => ctx.id.name,
        tenants: env.TENANT as unknown as DurableObjectNamespace,
      }),
    );
  }
}

/** The `cdc` RPC target of the tenant DO called `name` (`<tenant>:<suffix>`), for the DO-to-DO sink. */
function cdcReceiver(env: Env, name: string): CdcReceiver {
  const tenant = name.split(":")[0] ?? name;
  const stub = env.TENANT.getByName(name) as unknown as TenantStub;
  return { receive: (batch) => stub.capability("cdc", tenant).receive(batch) };
}

/** A TenantDO stub as a caller types it: the accessor with each capability's API. */
export interface TenantStub {
  capability<K extends keyof TenantApis>(name: K, tenant: string): Remote<TenantApis[K]>;
}

/**
 * The RPC target of capability `name` in `tenant`'s DO, typed (pipelined: no await needed before
 * calling a method).
 * @example
 * await tenantApi(env.TENANT, "acme", "tables").writeRows("orders", rows);
 */
export function tenantApi<K extends keyof TenantApis>(
  namespace: DurableObjectNamespace<TenantDO>,
  tenant: string,
  name: K,
): Remote<TenantApis[K]> {
  return (namespace.getByName(tenant) as unknown as TenantStub).capability(name, tenant);
}
