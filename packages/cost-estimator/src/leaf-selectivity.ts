/**
 * Selectivity of one predicate leaf (item 10 of issue 9), stage by stage: the first of
 * sketches (MCVs, ndv, histogram), partition statistics, the reservoir and the heuristics that
 * has what the leaf needs answers. Literals are already stored values. NULL never matches a
 * comparison.
 * @module
 */
import { likePrefix, likeToRegExp, type Predicate } from "@durable/core";
import type { ColumnView } from "./column-view.ts";
import { hash64 } from "./hash.ts";
import { HEURISTICS, wilson } from "./heuristics.ts";
import { type ColumnarSample, countSample } from "./matcher.ts";
import type { PartitionStats } from "./partition-stats.ts";
import { MCV_MAX_VALUE_BYTES } from "./space-saving.ts";
import { compareValues, type OrderedValue, truncateUtf8 } from "./value-order.ts";

/** Where a number came from, best first. */
export type Stage = "sketch" | "partition" | "sample" | "heuristic";

/** Stages in order of preference (and of reliability). */
export const STAGE_RANK: Record<Stage, number> = { sketch: 0, partition: 1, sample: 2, heuristic: 3 };

/** A selectivity with its ±2σ (or Wilson, or ×/÷10) bounds and the stage that gave it. */
export interface Sel {
  s: number;
  low: number;
  high: number;
  stage: Stage;
}

/** What the leaf formulas read. */
export interface LeafContext {
  rows: number;
  view(col: string): ColumnView | null;
  sample: ColumnarSample;
  partition: PartitionStats | undefined;
}

type Leaf = Exclude<Predicate, { and: Predicate[] } | { or: Predicate[] } | { not: Predicate }>;

const clamp = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0);

function sel(s: number, stage: Stage, low: number, high: number): Sel {
  const v = clamp(s);
  return { s: v, stage, low: Math.min(v, clamp(low)), high: Math.max(v, clamp(high)) };
}

/** ±2σ of a selectivity that rests on `n` rows, widened by a relative error. */
function sketchSel(s: number, view: ColumnView, relError = 0): Sel {
  const sigma = Math.sqrt((s * (1 - s)) / view.basis) + s * relError;
  return sel(s, "sketch", s - 2 * sigma, s + 2 * sigma);
}

/** Equality frequency of `v` among all rows. */
export function eqFreq(view: ColumnView, v: OrderedValue): number {
  const mcv = view.mcvFreq.get(v);
  if (mcv !== undefined) return mcv;
  if (view.min !== null && view.max !== null && (compareValues(v, view.min) < 0 || compareValues(v, view.max) > 0)) {
    return 0;
  }
  const rest = Math.max(0, 1 - view.nullFrac - view.mcvTotal);
  const d = Math.max(1, (view.ndv ?? HEURISTICS.groupNdv) - view.mcvs.length);
  const avg = rest / d;
  const seen = view.seen;
  if (!seen || view.basis <= 0) return avg;
  const h = hash64(typeof v === "string" ? truncateUtf8(v, MCV_MAX_VALUE_BYTES) : v)[0];
  let lo = 0;
  let hi = seen.hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((seen.hashes[mid] as number) < h) lo = mid + 1;
    else hi = mid;
  }
  if (seen.hashes[lo] === h) return (seen.counts[lo] as number) / view.basis;
  // Never sampled: Good–Turing puts the unseen values' mass at (seen once)/n, shared by the
  // values the sample missed; and an unseen value is below 1/n of the rows.
  const missed = Math.max(1, (view.ndv ?? seen.distinct) - seen.distinct);
  return Math.min(avg, seen.once / view.basis / missed, 0.5 / view.basis);
}

/** Fraction of all rows with value below `x` (≤ x when inclusive), MCVs counted exactly. */
function belowFreq(view: ColumnView, x: OrderedValue, inclusive: boolean): number {
  let mcv = 0;
  for (const m of view.mcvs) {
    const c = compareValues(m.value, x);
    if (c < 0 || (inclusive && c === 0)) mcv += m.freq;
  }
  const rest = Math.max(0, 1 - view.nullFrac - view.mcvTotal);
  const hist = view.histogram ? view.histogram.fractionBelow(x, inclusive) : 0;
  return clamp(mcv + rest * hist);
}

function rangeFreq(
  view: ColumnView,
  lo: OrderedValue | null,
  loIncl: boolean,
  hi: OrderedValue | null,
  hiIncl: boolean,
): number {
  const nonNull = 1 - view.nullFrac;
  const upper = hi === null ? nonNull : belowFreq(view, hi, hiIncl);
  const lower = lo === null ? 0 : belowFreq(view, lo, !loIncl);
  return clamp(upper - lower);
}

function sketchLeaf(p: Leaf, view: ColumnView): Sel | null {
  const nf = view.nullFrac;
  if (p.op === "isNull") return sketchSel(nf, view);
  if (p.op === "isNotNull") return sketchSel(1 - nf, view);
  if (!view.hasValues) return null;
  const ranged = view.histogram !== null || view.mcvs.length > 0;
  switch (p.op) {
    case "=":
      return sketchSel(
        eqFreq(view, p.value as OrderedValue),
        view,
        view.mcvFreq.has(p.value as OrderedValue) ? 0 : view.ndvError,
      );
    case "!=": {
      const eq = eqFreq(view, p.value as OrderedValue);
      return sketchSel(1 - eq - nf, view);
    }
    case "in": {
      const distinct = [...new Set(p.values as OrderedValue[])];
      const s = Math.min(
        1 - nf,
        distinct.reduce<number>((acc, v) => acc + eqFreq(view, v), 0),
      );
      return sketchSel(s, view, view.ndvError);
    }
    case "<":
    case "<=":
      return ranged ? sketchSel(belowFreq(view, p.value as OrderedValue, p.op === "<="), view) : null;
    case ">":
    case ">=":
      return ranged ? sketchSel(rangeFreq(view, p.value as OrderedValue, p.op === ">=", null, false), view) : null;
    case "between": {
      const lo = p.low as OrderedValue;
      const hi = p.high as OrderedValue;
      if (compareValues(lo, hi) > 0) return sel(0, "sketch", 0, 0);
      return ranged ? sketchSel(rangeFreq(view, lo, true, hi, true), view) : null;
    }
    case "like": {
      const { prefix, exactPrefix } = likePrefix(p.pattern);
      if (!exactPrefix || !ranged) return null;
      if (prefix === "") return sketchSel(1 - nf, view);
      const re = likeToRegExp(p.pattern);
      let mcv = 0;
      for (const m of view.mcvs) if (typeof m.value === "string" && re.test(m.value)) mcv += m.freq;
      const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
      const rest = Math.max(0, 1 - nf - view.mcvTotal);
      const h = view.histogram;
      const hist = h ? Math.max(0, h.fractionBelow(upper, false) - h.fractionBelow(prefix, false)) : 0;
      return sketchSel(mcv + rest * hist, view);
    }
  }
}

function partitionLeaf(p: Leaf, stats: PartitionStats): Sel | null {
  const col = stats.columns[p.col];
  if (!col || stats.rowCount <= 0) return null;
  const nf = clamp(col.nullCount / stats.rowCount);
  const wide = (s: number) => sel(s, "partition", s / 3, s * 3);
  if (p.op === "isNull") return wide(nf);
  if (p.op === "isNotNull") return wide(1 - nf);
  const { min, max } = col;
  if (typeof min !== "number" || typeof max !== "number") return null;
  const frac = (x: number) => (max > min ? clamp((x - min) / (max - min)) : x >= max ? 1 : 0);
  switch (p.op) {
    case "<":
    case "<=":
      return typeof p.value === "number" ? wide((1 - nf) * frac(p.value)) : null;
    case ">":
    case ">=":
      return typeof p.value === "number" ? wide((1 - nf) * (1 - frac(p.value))) : null;
    case "between":
      if (typeof p.low !== "number" || typeof p.high !== "number") return null;
      return wide(p.low > p.high ? 0 : (1 - nf) * Math.max(0, frac(p.high) - frac(p.low)));
    default:
      return null;
  }
}

/**
 * Selectivity of `p` on the reservoir: matches / sampled rows (0.5/n when nothing matches),
 * Wilson 95% bounds. Null when there is no sample.
 */
export function sampleSel(p: Predicate, sample: ColumnarSample): (Sel & { matches: number }) | null {
  const n = sample.n;
  if (n === 0) return null;
  const k = countSample(p, sample);
  const [low, high] = wilson(k, n);
  return { ...sel(k === 0 ? 0.5 / n : k / n, "sample", low, high), matches: k };
}

/** PostgreSQL's default for a leaf, bounds ×/÷ 10. */
export function heuristicLeaf(p: Leaf): Sel {
  let s: number;
  switch (p.op) {
    case "=":
      s = HEURISTICS.eq;
      break;
    case "!=":
      s = HEURISTICS.ne;
      break;
    case "in":
      s = Math.min(new Set(p.values).size * HEURISTICS.eq, HEURISTICS.inCap);
      break;
    case "between":
      s = compareValues(p.low as OrderedValue, p.high as OrderedValue) > 0 ? 0 : HEURISTICS.between;
      break;
    case "like":
      s = HEURISTICS.like;
      break;
    case "isNull":
      s = HEURISTICS.isNull;
      break;
    case "isNotNull":
      s = 1 - HEURISTICS.isNull;
      break;
    default:
      s = HEURISTICS.range;
  }
  return sel(s, "heuristic", s / 10, s * 10);
}

/** The selectivity of one leaf from the first stage that can answer it. */
export function leafSelectivity(p: Leaf, ctx: LeafContext): Sel {
  const view = ctx.view(p.col);
  if (view) {
    const s = sketchLeaf(p, view);
    if (s) return s;
  }
  if (ctx.partition) {
    const s = partitionLeaf(p, ctx.partition);
    if (s) return s;
  }
  const s = sampleSel(p, ctx.sample);
  if (s) return s;
  return heuristicLeaf(p);
}
