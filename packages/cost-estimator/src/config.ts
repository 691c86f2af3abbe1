/**
 * The estimator's configuration, validated once at composition (zod at the boundary).
 * @module
 */
import { PlatformError, safeParse } from "@durable/core";
import * as z from "zod/mini";
import { CostConstantsSchema } from "./cost-model.ts";
import { estimatorError } from "./errors.ts";

/** zod schema of the estimator's configuration. */
export const EstimatorConfigSchema = z.strictObject({
  /** HLL precision p (10–16). */
  hllPrecision: z._default(z.number(), 14),
  /** KLL k (≥ 8). */
  kllK: z._default(z.number(), 200),
  /** Histogram buckets and MCVs (10–1,000); ANALYZE samples 300 × this. */
  statisticsTarget: z._default(z.number(), 100),
  /** SpaceSaving counters per column. */
  mcvCounters: z._default(z.int().check(z.gte(16), z.lte(1024)), 128),
  /** Rows of the reservoir per table. */
  sampleRows: z._default(z.int().check(z.gte(10), z.lte(10_000)), 1000),
  /** Sketches are written behind at most this long after a change. */
  flushIntervalMs: z._default(z.int().check(z.gte(100), z.lte(600_000)), 10_000),
  /** Fingerprints of feedback kept in memory. */
  feedbackCapacity: z._default(z.int().check(z.gte(1), z.lte(1_000_000)), 10_000),
  /** Cost constants from config (the SQLite ones are replaced by `calibrate()`). */
  constants: z._default(CostConstantsSchema, {}),
});

/** The configuration as given. */
export type EstimatorConfigInput = z.input<typeof EstimatorConfigSchema>;
/** The configuration with defaults. */
export type EstimatorConfig = z.output<typeof EstimatorConfigSchema>;

/**
 * Validates a configuration.
 * @throws {INVALID_SKETCH_PARAMS} HLL precision outside 10–16, KLL k < 8, target outside 10–1,000
 * @throws {CONFIG_INVALID} anything else, naming the path
 */
export function resolveConfig(input: EstimatorConfigInput = {}): EstimatorConfig {
  const r = safeParse(EstimatorConfigSchema, input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new PlatformError("CONFIG_INVALID", `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`, {
      status: 400,
    });
  }
  const c = r.data;
  if (!Number.isInteger(c.hllPrecision) || c.hllPrecision < 10 || c.hllPrecision > 16) {
    throw estimatorError("INVALID_SKETCH_PARAMS", `hllPrecision ${c.hllPrecision} is outside 10–16`);
  }
  if (!Number.isInteger(c.kllK) || c.kllK < 8)
    throw estimatorError("INVALID_SKETCH_PARAMS", `kllK ${c.kllK} must be ≥ 8`);
  if (!Number.isInteger(c.statisticsTarget) || c.statisticsTarget < 10 || c.statisticsTarget > 1000) {
    throw estimatorError("INVALID_SKETCH_PARAMS", `statisticsTarget ${c.statisticsTarget} is outside 10–1,000`);
  }
  return c;
}
