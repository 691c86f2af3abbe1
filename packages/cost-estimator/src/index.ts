/**
 * @durable/cost-estimator: how many rows a filter, GROUP BY or join over a tenant's tables
 * gives and what it costs, from sketches the tables write path keeps (HLL, KLL, SpaceSaving,
 * a reservoir), PostgreSQL-style ANALYZE, partition statistics and feedback. Exports the
 * factory, the capability, schemas, error codes, the sketch classes, `hash64` and types.
 * @module
 */
export type { AnalyzeJob } from "./analyze.ts";
export {
  createEstimatorCapability,
  ESTIMATOR,
  type EstimatorApi,
  type EstimatorCapability,
  type EstimatorCapabilityOptions,
  estimatorCapability,
} from "./capability.ts";
export { type EstimatorConfig, type EstimatorConfigInput, EstimatorConfigSchema } from "./config.ts";
export { type CostConstants, CostConstantsSchema, DEFAULT_COST_CONSTANTS } from "./cost-model.ts";
export { ESTIMATOR_ERROR_CODES, type EstimatorErrorCode } from "./errors.ts";
export type { Estimate, EstimateExplain, EstimateMethod } from "./estimate.ts";
export { CostEstimator, type CostEstimatorOptions } from "./estimator.ts";
export { type HashableValue, hash64 } from "./hash.ts";
export { HEURISTICS } from "./heuristics.ts";
export { type Bucket, EquiDepthHistogram } from "./histogram.ts";
export { HyperLogLog } from "./hll.ts";
export { type Feedback, FeedbackSchema } from "./inputs.ts";
export { KllSketch } from "./kll.ts";
export { ESTIMATOR_MIGRATIONS } from "./migrations.ts";
export {
  ParquetStatsProvider,
  type PartitionColumnStats,
  type PartitionStats,
  type PartitionStatsProvider,
} from "./partition-stats.ts";
export { type EstimateRequest, EstimateRequestSchema } from "./request.ts";
export { Reservoir } from "./reservoir.ts";
export { type HeavyHitter, SpaceSaving } from "./space-saving.ts";
export type { ColumnStatsSummary, TableStatsSummary } from "./summary.ts";
