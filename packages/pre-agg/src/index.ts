/**
 * @durable/pre-agg: rollups that answer "measures by dimensions over time" over a tenant's
 * catalog tables from stored, mergeable aggregate states (ClickHouse -State/-Merge, Cube
 * pre-aggregations with matching, partitions and lambda, Druid ingest-time rollup).
 *
 * For @durable/query-router: `AnalyticsQuerySchema`/`parseAnalyticsQuery` and the
 * `AnalyticsQuery` type; `PreAgg.explain` (no I/O beyond cached partition counts) and
 * `PreAgg.query`; `rawQuery`, the live local SQL path: the same query as a GROUP BY over the
 * source table's rows (exact COUNT(DISTINCT), exact nearest-rank quantiles), the very code a
 * rollup miss falls back to, so both answer with the same semantics.
 * @module
 */

export {
  createPreAggCapability,
  PRE_AGG,
  type PreAggApi,
  type PreAggCapability,
  type PreAggCapabilityOptions,
  PreAggRefreshPayloadSchema,
  preAggCapability,
} from "./capability.ts";
export {
  type Measure,
  MeasureSchema,
  ROLLUP_LIMITS,
  type RollupDefinition,
  type RollupDefinitionInput,
  RollupDefinitionSchema,
} from "./definition.ts";
export { PREAGG, type PreAggErrorCode } from "./errors.ts";
export { GRAINS, type Grain, isWholeMultiple } from "./grains.ts";
export { MEASURE_TYPES } from "./measure-types.ts";
export { PREAGG_MIGRATIONS } from "./migrations.ts";
export { DEFAULT_HOT_FOR_MS, PreAgg, type PreAggOptions } from "./pre-agg.ts";
export {
  type AnalyticsQuery,
  AnalyticsQuerySchema,
  measureName,
  parseAnalyticsQuery,
  parseQueryOptions,
  QUERY_AGGS,
  QUERY_LIMITS,
  type QueryAgg,
  type QueryMeasure,
  type QueryOptions,
  QueryOptionsSchema,
} from "./query-schema.ts";
export { type RawQueryOptions, rawQuery } from "./raw-query.ts";
export {
  AGGS,
  type Agg,
  STATE_FORMAT_VERSION,
  type StateInput,
  type StateOps,
  type StateParams,
  type StateValue,
  stateOps,
  states,
} from "./states/index.ts";
export { bucketStart, nextBucket } from "./time-buckets.ts";
export type {
  Explanation,
  MatchReason,
  QueryMeta,
  QueryResult,
  RollupCandidate,
  RollupInfo,
  RollupStatus,
  Tier,
} from "./types.ts";
