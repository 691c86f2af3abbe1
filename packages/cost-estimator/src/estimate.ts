/**
 * The `Estimate` a caller gets, assembled from the pipeline and feedback: rows (feedback
 * corrects the whole), cost, low/high, the fingerprint to report actuals against, the method
 * and an `explain` of every stage.
 * @module
 */
import type { Stage } from "./leaf-selectivity.ts";
import type { PipelineResult } from "./pipeline.ts";

/** Where an estimate came from: feedback, or the least reliable stage it used. */
export type EstimateMethod = "feedback" | Stage;

/** What `explain` shows. */
export interface EstimateExplain {
  tables: PipelineResult["tables"];
  predicates: PipelineResult["predicates"];
  joins: PipelineResult["joins"];
  groupBy?: PipelineResult["groupBy"];
  /** Rows before feedback (report actuals against this). */
  uncorrectedRows: number;
  correction: { factor: number; observations: number };
}

/** An estimate: rows, cost (µs), ±bounds, fingerprint, method and explain. */
export interface Estimate {
  rows: number;
  cost: number;
  low: number;
  high: number;
  fingerprint: string;
  method: EstimateMethod;
  /** Rows before feedback: what `recordActual` wants as its estimate. */
  uncorrectedRows: number;
  explain: EstimateExplain;
}

const finite = (x: number) => (Number.isFinite(x) && x > 0 ? x : 0);

/** Builds the estimate of a pipeline result with a feedback correction. */
export function toEstimate(
  p: PipelineResult,
  fingerprint: string,
  correction: { factor: number; n: number },
): Estimate {
  const f = correction.factor;
  const rows = finite(p.rows * f);
  const corrected = correction.n > 0 && f !== 1;
  // Feedback moves the estimate; its bounds span the corrected and the uncorrected numbers.
  const low = Math.min(rows, finite(p.low * f), corrected ? finite(p.rows) : rows);
  const high = Math.max(rows, finite(p.high * f), corrected ? finite(p.rows) : rows);
  return {
    rows,
    cost: finite(p.cost),
    low,
    high,
    fingerprint,
    method: corrected ? "feedback" : p.stage,
    uncorrectedRows: finite(p.rows),
    explain: {
      tables: p.tables,
      predicates: p.predicates,
      joins: p.joins,
      ...(p.groupBy ? { groupBy: p.groupBy } : {}),
      uncorrectedRows: finite(p.rows),
      correction: { factor: f, observations: correction.n },
    },
  };
}
