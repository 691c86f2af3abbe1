/**
 * @durable/query-router: answers analytics queries (@durable/pre-agg's `AnalyticsQuery`) within
 * a staleness budget from the cheapest source (cache → a rollup within budget → live local SQL
 * or a fan-out over shard DOs) and says why: RFC 5861 stale-while-revalidate and stale-if-error,
 * single-flight, versions that follow the tables write path, fan-out with deadlines and circuit
 * breakers, mergeable partial aggregates, join strategies across DOs, and metrics.
 * @module
 */
export type { Column, PartialInfo, Routed, RoutedMeta, Row, Source } from "./answer.ts";
export {
  type ConsentReporter,
  createQueryRouterCapability,
  QUERY,
  type QueryBody,
  type QueryRouterApi,
  type QueryRouterCapability,
  type QueryRouterCapabilityOptions,
  queryRouterCapability,
  type TargetError,
} from "./capability.ts";
export { type BreakerOptions, BreakerRegistry, type BreakerState, CircuitBreaker } from "./circuit-breaker.ts";
export { type QueryRouterConfig, type QueryRouterConfigInput, QueryRouterConfigSchema } from "./config.ts";
export { isQueryRouterErrorCode, QR_ERRORS, QUERY_ROUTER_ERROR_CODES, type QueryRouterErrorCode } from "./errors.ts";
export {
  FanOut,
  type FanOutOptions,
  type FanOutResult,
  MAX_TARGETS,
  type Target,
  type TargetOutcome,
} from "./fan-out.ts";
export { fingerprint } from "./fingerprint.ts";
export {
  FRESHNESS_BUDGET_MS,
  type Freshness,
  type RoutingOptions,
  RoutingOptionsSchema,
} from "./freshness.ts";
export type { JoinPartialRequest, SideRequest, SideRow } from "./join-exec.ts";
export { JOIN_LIMITS, type JoinPlan, type JoinSpec, planJoin, type SideEstimate } from "./join-plan.ts";
export type { Latency, RouterMetrics } from "./metrics.ts";
export { QUERY_ROUTER_MIGRATIONS } from "./migrations.ts";
export { columnsOf, mergePartials, orderAndLimit, type PartialAnswer, type PartialGroup } from "./partial-states.ts";
export type { Plan, PlanCandidate, ReasonCode } from "./plan.ts";
export { parseQuery, QUERY_LIMITS } from "./query-input.ts";
export { QueryRouter } from "./router.ts";
export type { QueryRouterDeps, RollupPort } from "./router-support.ts";
export type { RouterSettings } from "./settings.ts";
export { type ShardTransport, shardName, type TargetEstimate } from "./shards.ts";
export type { TableVersions } from "./table-versions.ts";
