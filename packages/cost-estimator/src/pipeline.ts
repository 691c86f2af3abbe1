/**
 * The estimate pipeline (item 14 of issue 9): each table's filter, then the joins left-deep,
 * then GROUP BY, then the cost, each step with its stage and its low/high. The caller (the
 * estimator) applies feedback on top. The heuristic baseline runs the same code with no
 * statistics at all.
 * @module
 */
import type { Predicate, SqlRow } from "@durable/core";
import type { ColumnView } from "./column-view.ts";
import { type CostConstants, type CostInputs, priceOf } from "./cost-model.ts";
import { HEURISTICS } from "./heuristics.ts";
import {
  distributionOf,
  eqjoinsel,
  expectedDistinct,
  expectedPairs,
  ndvAfter,
  sampleCombinations,
} from "./join-group.ts";
import { eqFreq, STAGE_RANK, type Stage } from "./leaf-selectivity.ts";
import { type ColumnarSample, compileMatcher } from "./matcher.ts";
import type { PartitionStats } from "./partition-stats.ts";
import type { BoundRequest, ColumnRef } from "./request.ts";
import { duj1 } from "./sample-analysis.ts";
import { columnsOf, type ExplainStep, MIN_SAMPLE_MATCHES, selectivity } from "./selectivity.ts";

/** A table as the pipeline reads it. */
export interface PipelineTable {
  name: string;
  rows: number;
  view(col: string): ColumnView | null;
  sample: ColumnarSample;
  partition: PartitionStats | undefined;
  /** Columns that lead an index (or the primary key). */
  indexed: ReadonlySet<string>;
  /** Changes whenever the statistics change (keys the cache of sample combinations). */
  version: number;
}

/** Sample combinations by table, version, columns and filter: GROUP BY estimates stay in microseconds. */
const combos = new Map<string, { groups: number; rule: string }>();

/** One step of a join or the GROUP BY in `explain`. */
export interface ExplainJoin {
  kind: string;
  rule: string;
  stage: Stage;
  rows: number;
}

/** What the pipeline found, before feedback. */
export interface PipelineResult {
  rows: number;
  low: number;
  high: number;
  cost: number;
  stage: Stage;
  tables: { table: string; rows: number; selectivity: number; stage: Stage }[];
  predicates: ExplainStep[];
  joins: ExplainJoin[];
  groupBy?: ExplainJoin;
}

interface Filtered {
  rows: number;
  low: number;
  high: number;
  s: number;
  stage: Stage;
  /** The reservoir rows that match the table's filter (computed only for GROUP BY). */
  sample: () => readonly SqlRow[];
}

function worst(a: Stage, b: Stage): Stage {
  return STAGE_RANK[a] >= STAGE_RANK[b] ? a : b;
}

function leadingColumns(p: Predicate | undefined, out: string[] = []): string[] {
  if (!p) return out;
  if ("and" in p) for (const c of p.and) leadingColumns(c, out);
  else if ("op" in p && p.op !== "isNotNull" && p.op !== "!=" && p.op !== "like") out.push(p.col);
  else if ("op" in p && p.op === "like") out.push(p.col);
  return out;
}

/** Runs the pipeline over a bound request. */
export function runPipeline(
  b: BoundRequest,
  tables: readonly PipelineTable[],
  constants: CostConstants,
  explain: boolean,
): PipelineResult {
  const predicates: ExplainStep[] = [];
  const work: CostInputs = { scannedRows: 0, indexProbes: 0 };
  const filtered: Filtered[] = tables.map((t, i) => {
    const where = b.wheres[i];
    if (!where) return { rows: t.rows, low: t.rows, high: t.rows, s: 1, stage: "sketch", sample: () => t.sample.rows };
    const r = selectivity(where, { ...t, explain: explain ? predicates : null });
    const sample = () => {
      const m = compileMatcher(where);
      return t.sample.rows.filter((row) => m(row) === true);
    };
    return { rows: t.rows * r.s, low: t.rows * r.low, high: t.rows * r.high, s: r.s, stage: r.stage, sample };
  });
  tables.forEach((t, i) => {
    const f = filtered[i] as Filtered;
    const indexed = leadingColumns(b.wheres[i]).some((c) => t.indexed.has(c));
    if (i === 0 || b.joins[i - 1]?.kind === "cross") {
      if (indexed) work.indexProbes = (work.indexProbes ?? 0) + f.rows;
      else work.scannedRows = (work.scannedRows ?? 0) + t.rows;
    }
  });
  const base = filtered[0] as Filtered;
  let rows = base.rows;
  let low = base.low;
  let high = base.high;
  let stage: Stage = base.stage;
  const joins: ExplainJoin[] = [];
  b.joins.forEach((j, i) => {
    const right = filtered[i + 1] as Filtered;
    const rt = tables[i + 1] as PipelineTable;
    stage = worst(stage, right.stage);
    if (j.kind !== "cross") {
      if (rt.indexed.has(j.on[1].column)) work.indexProbes = (work.indexProbes ?? 0) + rows;
      else work.scannedRows = (work.scannedRows ?? 0) + rt.rows;
    }
    if (j.kind === "cross" || rows === 0 || right.rows === 0) {
      const out = j.kind === "left" ? rows : rows * right.rows;
      const outLow = j.kind === "left" ? low : low * right.low;
      const outHigh = j.kind === "left" ? high : high * right.high;
      joins.push({ kind: j.kind, rule: j.kind === "cross" ? "|L|·|R|" : "empty input", stage: right.stage, rows: out });
      rows = out;
      low = outLow;
      high = outHigh;
      return;
    }
    const lref = j.on[0];
    const lt = tables[lref.table] as PipelineTable;
    const lf = filtered[lref.table] as Filtered;
    const lv = lt.view(lref.column);
    const rv = rt.view(j.on[1].column);
    const ndvL = lv?.ndv ?? null;
    const ndvR = rv?.ndv ?? null;
    const dl =
      ndvL === null
        ? HEURISTICS.joinNdv
        : Math.max(1, ndvAfter(ndvL, lref.column, b.wheres[lref.table], lf.s, lt.rows));
    const dr =
      ndvR === null
        ? HEURISTICS.joinNdv
        : Math.max(1, ndvAfter(ndvR, j.on[1].column, b.wheres[i + 1], right.s, rt.rows));
    const jstage: Stage = ndvL === null || ndvR === null ? "heuristic" : "sketch";
    let sel: number;
    let rule: string;
    const rightWhere = b.wheres[i + 1];
    const leftWhere = b.wheres[lref.table];
    const rightOnKey = rightWhere !== undefined && columnsOf(rightWhere).has(j.on[1].column);
    const leftOnKey = leftWhere !== undefined && columnsOf(leftWhere).has(lref.column);
    const leftSample = lf.s < 1 && rv && ndvR !== null && !rightOnKey ? lf.sample() : [];
    if (leftSample.length >= MIN_SAMPLE_MATCHES) {
      // The filtered left side's keys come from the reservoir (its filter may be correlated with
      // the key); each meets the right side's frequency of that key (right filter independent).
      let sum = 0;
      for (const row of leftSample) {
        const key = row[lref.column];
        if (typeof key === "number" || typeof key === "string") sum += eqFreq(rv as ColumnView, key);
      }
      sel = sum / leftSample.length;
      rule = "reservoir keys × right frequencies";
    } else if (
      lv &&
      rv &&
      ndvL !== null &&
      ndvR !== null &&
      lv.mcvs.length > 0 &&
      rv.mcvs.length > 0 &&
      !rightOnKey &&
      !leftOnKey
    ) {
      // Filters on other columns are taken as independent of the key.
      sel = eqjoinsel(lv, rv, ndvL, ndvR);
      rule = "eqjoinsel (MCVs)";
    } else {
      sel = ((1 - (lv?.nullFrac ?? 0)) * (1 - (rv?.nullFrac ?? 0))) / Math.max(dl, dr);
      rule = "|L|·|R|/max(ndvL, ndvR)";
    }
    const spread = jstage === "heuristic" ? 10 : 1 + 2 * Math.max(lv?.ndvError ?? 0, rv?.ndvError ?? 0) + 0.1;
    let out = rows * right.rows * sel;
    let outLow = (low * right.low * sel) / spread;
    let outHigh = high * right.high * sel * spread;
    if (j.kind === "semi") {
      const frac = Math.min(1, dr / dl) * (1 - (lv?.nullFrac ?? 0));
      out = rows * frac;
      outLow = (low * frac) / spread;
      outHigh = Math.min(high, high * frac * spread);
    } else if (j.kind === "left") {
      out = Math.max(out, rows);
      outLow = Math.max(outLow, low);
      outHigh = Math.max(outHigh, high);
    }
    joins.push({ kind: j.kind, rule, stage: jstage, rows: out });
    stage = worst(stage, jstage);
    rows = out;
    low = Math.min(outLow, out);
    high = Math.max(outHigh, out);
  });
  let groupBy: ExplainJoin | undefined;
  if (b.groupBy.length > 0) {
    const g = groupRows(b.groupBy, tables, filtered, rows, b.wheres);
    groupBy = { kind: "groupBy", rule: g.rule, stage: g.stage, rows: g.rows };
    stage = worst(stage, g.stage);
    const spread = g.stage === "heuristic" ? 10 : 2;
    low = Math.min(g.rows, g.rows / spread, low);
    high = Math.min(Math.max(g.rows * spread, g.rows), Math.max(high, g.rows));
    rows = g.rows;
  }
  const cost = priceOf(work, constants);
  return {
    rows,
    low: Math.min(low, rows),
    high: Math.max(high, rows),
    cost,
    stage,
    tables: tables.map((t, i) => ({
      table: t.name,
      rows: (filtered[i] as Filtered).rows,
      selectivity: (filtered[i] as Filtered).s,
      stage: (filtered[i] as Filtered).stage,
    })),
    predicates,
    joins,
    ...(groupBy ? { groupBy } : {}),
  };
}

function groupRows(
  refs: readonly ColumnRef[],
  tables: readonly PipelineTable[],
  filtered: readonly Filtered[],
  rows: number,
  wheres: readonly (Predicate | undefined)[],
): { rows: number; rule: string; stage: Stage } {
  if (rows <= 0) return { rows: 0, rule: "empty input", stage: "sketch" };
  let product = 1;
  let stage: Stage = "sketch";
  for (const ref of refs) {
    const t = tables[ref.table] as PipelineTable;
    const f = filtered[ref.table] as Filtered;
    const v = t.view(ref.column);
    if (v?.ndv == null) {
      product *= HEURISTICS.groupNdv;
      stage = "heuristic";
      continue;
    }
    const d = v.ndv + (v.nullFrac > 0 ? 1 : 0);
    product *= Math.max(1, ndvAfter(d, ref.column, wheres[ref.table], f.s, t.rows));
  }
  let groups = Math.min(product, rows);
  let rule = "min(Π ndv, rows)";
  const sameTable = refs.every((r) => r.table === 0);
  const filteredOne = refs.length === 1 && sameTable && wheres[0] !== undefined && stage !== "heuristic";
  if ((refs.length >= 2 || filteredOne) && sameTable && stage !== "heuristic") {
    const t = tables[0] as PipelineTable;
    const cols = refs.map((r) => r.column);
    const key = `${t.name}|${t.version}|${cols.join(",")}|${JSON.stringify(wheres[0] ?? null)}`;
    let c = combos.get(key);
    if (!c) {
      c = sampleGroups(t, cols, (filtered[0] as Filtered).sample(), rows);
      if (combos.size >= 1000) combos.clear();
      combos.set(key, c);
    }
    if (c.groups > 0) {
      groups = Math.min(groups, c.groups);
      rule = c.rule;
      stage = "sample";
    }
  }
  return { rows: Math.max(1, groups), rule, stage };
}

/**
 * Groups of 2+ columns from the reservoir rows that pass the filter: for two columns, the
 * expected distinct pairs under independence (from the columns' MCVs and ndv) scaled by how far
 * the sample's distinct pairs fall below the sample's own expectation (correlation); otherwise
 * the sample's distinct combinations scaled up with Duj1. 0 when the sample is too small.
 */
function sampleGroups(
  t: PipelineTable,
  cols: string[],
  sample: readonly SqlRow[],
  rows: number,
): { groups: number; rule: string } {
  const n = sample.length;
  if (n < 10) return { groups: 0, rule: "" };
  const { d, f1 } = sampleCombinations(sample, cols);
  if (cols.length === 1) {
    // One column under a filter: the values N rows would show given the column's skew, scaled by
    // how far the filtered sample's distinct values fall below what that skew predicts.
    const v = t.view(cols[0] as string);
    if (v?.ndv == null) return { groups: 0, rule: "" };
    const dist = distributionOf(v);
    const inSample = expectedDistinct(dist, n);
    const ratio = inSample > 0 ? Math.min(1, d / inSample) : 1;
    return { groups: Math.max(d, expectedDistinct(dist, rows) * ratio), rule: "expected values × sample correlation" };
  }
  const va = cols.length === 2 ? t.view(cols[0] as string) : null;
  const vb = cols.length === 2 ? t.view(cols[1] as string) : null;
  if (va?.ndv != null && vb?.ndv != null) {
    const a = distributionOf(va);
    const b = distributionOf(vb);
    const inSample = expectedPairs(a, b, n);
    const ratio = inSample > 0 ? Math.min(1, d / inSample) : 1;
    return { groups: Math.max(d, expectedPairs(a, b, rows) * ratio), rule: "expected pairs × sample correlation" };
  }
  return { groups: duj1(n, d, f1, rows), rule: "reservoir combinations, Duj1" };
}
