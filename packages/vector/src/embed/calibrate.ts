/**
 * Threshold calibration: given labelled pairs (texts, embedded with an embedder, or scores),
 * sweep cosine thresholds 0.50–1.00 by 0.01 and report precision, recall and F1 at each, and
 * the best-F1 threshold (ties go to the higher threshold: fewer false positives). Thresholds
 * belong to a model: recalibrate when the model changes.
 * @module
 */
import { vectorError } from "../errors.ts";
import { VECTOR_LIMITS as L } from "../limits.ts";
import { checkText, type Embedder } from "./embedder.ts";

/** A pair of texts and whether they mean the same, or a precomputed cosine score. */
export type LabelledPair = { a: string; b: string; similar: boolean } | { score: number; similar: boolean };

/** One step of the sweep. */
export interface CalibrationStep {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/** The sweep and its best step. */
export interface Calibration {
  metric: "cosine";
  model: string | null;
  pairs: number;
  steps: CalibrationStep[];
  best: CalibrationStep;
}

/** Documented starting points for bge-base-en-v1.5 (none for the lexical embedder). */
export const THRESHOLD_DEFAULTS = {
  "@cf/baai/bge-base-en-v1.5": { general: 0.8, duplicates: 0.9, candidates: 0.7 },
} as const;

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) * (a[i] as number);
    nb += (b[i] as number) * (b[i] as number);
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Calibrates a similarity threshold.
 * @throws {INVALID_PAIRS} 400 without a similar and a dissimilar pair, or with a bad pair ·
 *   {BATCH_TOO_LARGE} 413 over 1,000 pairs
 */
export async function calibrateThreshold(pairs: LabelledPair[], o: { embedder?: Embedder } = {}): Promise<Calibration> {
  if (!Array.isArray(pairs)) throw vectorError("INVALID_PAIRS", "pairs must be an array");
  if (pairs.length > L.maxCalibrationPairs) {
    throw vectorError("BATCH_TOO_LARGE", `at most ${L.maxCalibrationPairs} pairs, got ${pairs.length}`);
  }
  const scores: number[] = [];
  const labels: boolean[] = [];
  const texts: string[] = [];
  pairs.forEach((p, i) => {
    if (p === null || typeof p !== "object" || typeof p.similar !== "boolean") {
      throw vectorError("INVALID_PAIRS", `pairs[${i}] needs similar: boolean`);
    }
    labels.push(p.similar);
    if ("score" in p) {
      if (typeof p.score !== "number" || !Number.isFinite(p.score))
        throw vectorError("INVALID_PAIRS", `pairs[${i}].score must be a number`);
      scores.push(p.score);
    } else {
      texts.push(checkText(p.a, `pairs[${i}].a`), checkText(p.b, `pairs[${i}].b`));
      scores.push(Number.NaN);
    }
  });
  if (!labels.includes(true) || !labels.includes(false)) {
    throw vectorError("INVALID_PAIRS", "calibration needs at least one similar and one dissimilar pair");
  }
  if (texts.length > 0) {
    if (!o.embedder) throw vectorError("INVALID_PAIRS", "text pairs need an embedder");
    const vectors = await o.embedder.embed(texts);
    let t = 0;
    for (let i = 0; i < scores.length; i++) {
      if (!Number.isNaN(scores[i])) continue;
      scores[i] = cosine(vectors[t] as Float32Array, vectors[t + 1] as Float32Array);
      t += 2;
    }
  }
  const steps: CalibrationStep[] = [];
  for (let s = 0; s <= 50; s++) {
    const threshold = (50 + s) / 100;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    scores.forEach((score, i) => {
      const predicted = score >= threshold;
      if (predicted && labels[i]) tp++;
      else if (predicted) fp++;
      else if (labels[i]) fn++;
    });
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    steps.push({ threshold, precision, recall, f1 });
  }
  const best = steps.reduce((b, s) => (s.f1 >= b.f1 ? s : b));
  return { metric: "cosine", model: o.embedder?.model ?? null, pairs: pairs.length, steps, best };
}
