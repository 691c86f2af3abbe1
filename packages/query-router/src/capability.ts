/**
 * The router as the `query` capability of a tenant DO (thin on purpose: the logic is
 * `QueryRouter`). It requires tables, the estimator and pre-agg; subscribes to the table events
 * (version bumps in the write's transaction, never a veto of a drop; a forced drop, schema
 * change or replacement deletes the table's cached answers); owns the `qr_` migrations, the
 * hourly `purge` wake-up, the `/query` routes and its RPC target.
 * @module
 */
import {
  type Capability,
  type CapabilityDefinition,
  type CapabilityPorts,
  isPlatformError,
  type MigrationSet,
  type Route,
  type WakeEvent,
} from "@durable/core";
import type { CostEstimator } from "@durable/cost-estimator";
import type { Tables } from "@durable/tables";
import type { Routed } from "./answer.ts";
import type { QueryRouterConfigInput } from "./config.ts";
import { ConsentRegistry } from "./consent-registry.ts";
import { qrError } from "./errors.ts";
import type { JoinPartialRequest, SideRow } from "./join-exec.ts";
import type { JoinSpec } from "./join-plan.ts";
import type { RouterMetrics } from "./metrics.ts";
import { QUERY_ROUTER_MIGRATIONS } from "./migrations.ts";
import type { PartialAnswer } from "./partial-states.ts";
import type { Plan } from "./plan.ts";
import { QueryRouter, type QueryRouter as Router } from "./router.ts";
import type { RollupPort } from "./router-support.ts";
import { queryRoutes } from "./routes.ts";
import type { RouterSettings } from "./settings.ts";
import type { ShardTransport, TargetEstimate } from "./shards.ts";
import type { TableVersions } from "./table-versions.ts";

/** The capability's name: wake owner, migrations owner, RPC target, route prefix. */
export const QUERY = "query";

/** A request body of `POST /query` and `query()` over RPC. */
export interface QueryBody {
  query: unknown;
  routing?: unknown;
  join?: JoinSpec;
}

/** What another Worker calls on a tenant DO's `query` RPC target. */
export interface QueryRouterApi {
  query(body: unknown): Promise<Routed>;
  explainQuery(body: unknown): Promise<{ plan: Plan }>;
  /** A shard's partial states (fan-out); stops past `deadlineAt`. */
  qrShardQuery(query: unknown, deadlineAt: number): PartialAnswer | TargetError;
  /** Joins: a side's rows (a key set or a hash partition of them). */
  qrShardRows(request: unknown, deadlineAt: number): SideRow[];
  /** Joins: broadcast rows joined with this DO's side, as states. */
  qrShardJoin(request: JoinPartialRequest, deadlineAt: number): PartialAnswer;
  /** A shard's estimate of a query's rows and cost. */
  qrEstimate(query: unknown): TargetEstimate;
  /** A consenting tenant's partial states for a platform query (re-checks consent). */
  qrPlatformPartial(query: unknown, deadlineAt: number): PartialAnswer | TargetError;
  metrics(): RouterMetrics;
  clearCache(): void;
  setShards(table: string, count: number): void;
  settings(): RouterSettings;
  updateSettings(body: unknown): Promise<RouterSettings>;
  /** Registry DO only: records a tenant's consent flag. */
  registerConsent(tenant: string, consented: boolean): void;
  /** Registry DO only: the consenting tenants. */
  consentingTenants(): string[];
}

/** The composed router. */
export interface QueryRouterCapability extends Capability {
  readonly name: typeof QUERY;
  readonly router: Router;
  readonly migrations: MigrationSet;
  readonly routes: readonly Route[];
  readonly api: QueryRouterApi;
}

/** Where a tenant's consent flag is reported (the `_platform` registry DO, over RPC). */
export interface ConsentReporter {
  report(tenant: string, consented: boolean): Promise<void>;
}

/** Options of {@link createQueryRouterCapability}. */
export interface QueryRouterCapabilityOptions {
  ports: CapabilityPorts;
  tables: Tables;
  rollups: RollupPort;
  estimator: Pick<CostEstimator, "estimate">;
  fanOut?: ShardTransport;
  versions?: TableVersions;
  consent?: ConsentReporter;
  config?: QueryRouterConfigInput;
}

/**
 * A fan-out target's refusal as a returned value, not a thrown error: an expected per-target
 * failure (no such table, no consent, the deadline) is reported to the coordinator without
 * being logged as an exception in the target. Anything but a PlatformError still throws.
 */
export interface TargetError {
  error: { code: string; message: string; status: number };
}

function asTargetResult<T>(fn: () => T): T | TargetError {
  try {
    return fn();
  } catch (err) {
    if (!isPlatformError(err)) throw err;
    return { error: { code: err.code, message: err.detail, status: err.status } };
  }
}

function splitBody(body: unknown): { query: unknown; routing: unknown; join: unknown } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw qrError("INVALID_QUERY", "body: an object {query, routing?, join?}");
  }
  const { query, routing, join, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw qrError("INVALID_QUERY", `body.${extra}: unknown field`);
  if (query === undefined) throw qrError("INVALID_QUERY", "body.query: required");
  return { query, routing, join };
}

/**
 * Builds the `query` capability over its ports and subscribes it to `tables`.
 * @throws {CONFIG_INVALID} 400 for a bad config
 */
export function createQueryRouterCapability(o: QueryRouterCapabilityOptions): QueryRouterCapability {
  const router = new QueryRouter(
    {
      sql: o.ports.sql,
      transactionSync: o.ports.transactionSync,
      clock: o.ports.clock,
      wake: o.ports.wake,
      background: o.ports.background,
      tenant: o.ports.tenant,
      tables: o.tables,
      rollups: o.rollups,
      estimator: o.estimator,
      ...(o.fanOut ? { fanOut: o.fanOut } : {}),
      ...(o.versions ? { versions: o.versions } : {}),
    },
    o.config,
  );
  const registry = new ConsentRegistry(o.ports.sql, o.ports.clock);
  o.tables.subscribe({
    name: QUERY,
    // A cache never vetoes a drop: the drop deletes its entries instead.
    usesOf: () => [],
    onRowsChanged: (table, change) => router.onRowsWritten(table, change),
    onSchemaChanged: (def) => router.onTableChanged(def.name),
    onTableDropped: (table) => router.onTableChanged(table),
    onTableReplaced: (table) => router.onTableChanged(table),
  });
  const api: QueryRouterApi = {
    query: async (body) => {
      const b = splitBody(body);
      return router.query(b.query, b.join === undefined ? b.routing : { ...(b.routing as object), join: b.join });
    },
    explainQuery: async (body) => {
      const b = splitBody(body);
      return {
        plan: await router.explain(
          b.query,
          b.join === undefined ? b.routing : { ...(b.routing as object), join: b.join },
        ),
      };
    },
    qrShardQuery: (query, deadlineAt) => asTargetResult(() => router.target.partial(query, deadlineAt)),
    qrShardRows: (request, deadlineAt) => router.target.rows(request, deadlineAt),
    qrShardJoin: (request) => router.target.join(request),
    qrEstimate: (query) => router.target.estimate(query),
    qrPlatformPartial: (query, deadlineAt) => asTargetResult(() => router.target.platformPartial(query, deadlineAt)),
    metrics: () => router.metrics(),
    clearCache: () => router.clearCache(),
    setShards: (table, count) => router.setShards(table, count),
    settings: () => router.settings(),
    updateSettings: async (body) => {
      const before = router.settings().platformAggregation;
      const next = router.updateSettings(body);
      const tenant = o.ports.tenant();
      if (o.consent && tenant && next.platformAggregation !== before)
        await o.consent.report(tenant, next.platformAggregation);
      return next;
    },
    registerConsent: (tenant, consented) => registry.report(tenant, consented),
    consentingTenants: () => registry.consenting(),
  };
  return {
    name: QUERY,
    router,
    migrations: QUERY_ROUTER_MIGRATIONS,
    routes: queryRoutes(api, o.tables),
    onStart: () => router.start(),
    onWake: (event: WakeEvent) => router.onWake(event),
    api,
  };
}

/** What the platform adds to the definition: other DOs and the consent registry. */
export type QueryRouterDefinitionOptions = Omit<
  QueryRouterCapabilityOptions,
  "ports" | "tables" | "rollups" | "estimator"
>;

/**
 * The router's definition for `DOBase.use()`: composed after tables, the estimator and pre-agg.
 * @example
 * this.use(queryRouterCapability({ fanOut: shardTransport(env), consent: registryReporter(env) }));
 */
export function queryRouterCapability(
  options: QueryRouterDefinitionOptions = {},
): CapabilityDefinition<QueryRouterCapability> {
  return {
    name: QUERY,
    requires: ["tables", "estimator", "pre-agg"],
    create: (ports, required) =>
      createQueryRouterCapability({
        ports,
        tables: required.get<Capability & { tables: Tables }>("tables").tables,
        rollups: required.get<Capability & { preAgg: RollupPort }>("pre-agg").preAgg,
        estimator: required.get<Capability & { estimator: Pick<CostEstimator, "estimate"> }>("estimator").estimator,
        ...options,
      }),
  };
}
