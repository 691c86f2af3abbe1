/**
 * Selectivity of a whole predicate (item 10 of issue 9): leaves from their stages, then
 * OR = s1 + s2 − s1·s2, NOT p = 1 − s(p) − nullFrac of p's column, and AND across columns from
 * the reservoir when ≥ 10 sampled rows match (real correlation), else exponential backoff
 * (most selective first: s1 · s2^½ · s3^¼ · s4^⅛). Range pairs on one column combine as
 * PostgreSQL does (s(x > a) + s(x < b) − (1 − nullFrac)).
 * @module
 */
import type { Predicate } from "@durable/core";
import { wilson } from "./heuristics.ts";
import { type LeafContext, leafSelectivity, type Sel, STAGE_RANK, type Stage } from "./leaf-selectivity.ts";
import { subsetCounts } from "./matcher.ts";

/** One line of `explain`: a predicate, the stage that answered and its numbers. */
export interface ExplainStep {
  predicate: string;
  stage: Stage;
  selectivity: number;
  low: number;
  high: number;
}

/** A {@link LeafContext} that also records `explain` steps. */
export interface SelectivityContext extends LeafContext {
  explain: ExplainStep[] | null;
}

/** Fewest sampled rows that must match before an AND trusts the reservoir. */
export const MIN_SAMPLE_MATCHES = 10;

const clamp = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0);

/** The columns a predicate reads. */
export function columnsOf(p: Predicate, out = new Set<string>()): Set<string> {
  if ("and" in p) for (const c of p.and) columnsOf(c, out);
  else if ("or" in p) for (const c of p.or) columnsOf(c, out);
  else if ("not" in p) columnsOf(p.not, out);
  else out.add(p.col);
  return out;
}

function worst(a: Stage, b: Stage): Stage {
  return STAGE_RANK[a] >= STAGE_RANK[b] ? a : b;
}

function record(ctx: SelectivityContext, p: Predicate, r: Sel): Sel {
  ctx.explain?.push({ predicate: JSON.stringify(p), stage: r.stage, selectivity: r.s, low: r.low, high: r.high });
  return r;
}

const RANGE_OPS = new Set(["<", "<=", ">", ">="]);

function isRangeLeaf(p: Predicate): p is { col: string; op: "<" | "<=" | ">" | ">="; value: string | number } {
  return "op" in p && RANGE_OPS.has(p.op);
}

/** One factor per column: a lower and an upper range bound combine, other same-column terms take the minimum. */
function columnFactor(terms: Predicate[], results: Sel[], ctx: SelectivityContext): Sel {
  if (results.length === 1) return results[0] as Sel;
  const col = (terms[0] as { col: string }).col;
  const nf = ctx.view(col)?.nullFrac ?? 0;
  const lowers = terms.map((t, i) => (isRangeLeaf(t) && t.op.startsWith(">") ? i : -1)).filter((i) => i >= 0);
  const uppers = terms.map((t, i) => (isRangeLeaf(t) && t.op.startsWith("<") ? i : -1)).filter((i) => i >= 0);
  let best = results.reduce((a, b) => (a.s <= b.s ? a : b));
  if (lowers.length > 0 && uppers.length > 0) {
    const lo = lowers.map((i) => results[i] as Sel).reduce((a, b) => (a.s <= b.s ? a : b));
    const hi = uppers.map((i) => results[i] as Sel).reduce((a, b) => (a.s <= b.s ? a : b));
    const nonNull = 1 - nf;
    const s = clamp(lo.s + hi.s - nonNull);
    const pair: Sel = {
      s,
      low: clamp(lo.low + hi.low - nonNull),
      high: Math.max(s, clamp(lo.high + hi.high - nonNull)),
      stage: worst(lo.stage, hi.stage),
    };
    pair.low = Math.min(pair.low, s);
    if (pair.s <= best.s) best = pair;
  }
  return best;
}

function andSel(p: { and: Predicate[] }, ctx: SelectivityContext): Sel {
  const columns = columnsOf(p);
  // Group the operands by the one column they read (multi-column operands stand alone).
  const groups = new Map<string, { terms: Predicate[]; results: Sel[] }>();
  p.and.forEach((term, i) => {
    const cols = columnsOf(term);
    const key = cols.size === 1 ? `c:${[...cols][0]}` : `t:${i}`;
    const g = groups.get(key) ?? { terms: [], results: [] };
    g.terms.push(term);
    g.results.push(selectivity(term, ctx));
    groups.set(key, g);
  });
  const entries = [...groups.entries()];
  let factors = entries.map(([key, g]) =>
    key.startsWith("c:") ? columnFactor(g.terms, g.results, ctx) : (g.results[0] as Sel),
  );
  let bound: Sel | null = null;
  const n = ctx.sample.n;
  if (columns.size >= 2 && n > 0 && entries.length <= 8) {
    // One pass over the reservoir counts every sub-conjunction of the column groups.
    const counts = subsetCounts(
      entries.map(([, g]) => (g.terms.length === 1 ? (g.terms[0] as Predicate) : { and: g.terms })),
      ctx.sample,
    );
    const full = (1 << entries.length) - 1;
    const sampled = (k: number): Sel => {
      const [low, high] = wilson(k, n);
      return { s: k === 0 ? 0.5 / n : k / n, low, high, stage: "sample" };
    };
    if ((counts[full] as number) >= MIN_SAMPLE_MATCHES) return record(ctx, p, sampled(counts[full] as number));
    // Too few matches to estimate the whole from, but enough rows to bound it; and the largest
    // group of columns the reservoir does resolve stands as one factor of the backoff.
    if (n >= 100) bound = sampled(counts[full] as number);
    let best = 0;
    for (let mask = 1; mask < full; mask++) {
      if ((counts[mask] as number) < MIN_SAMPLE_MATCHES || popcount(mask) < 2) continue;
      if (
        popcount(mask) > popcount(best) ||
        (popcount(mask) === popcount(best) && (counts[mask] as number) < (counts[best] as number))
      )
        best = mask;
    }
    if (best !== 0) factors = [sampled(counts[best] as number), ...factors.filter((_, i) => (best & (1 << i)) === 0)];
  }
  factors.sort((a, b) => a.s - b.s);
  let s = 1;
  let low = 1;
  let high = 1;
  let stage: Stage = "sketch";
  factors.forEach((f, i) => {
    const e = i < 4 ? 1 / 2 ** i : 0;
    s *= f.s ** e;
    low *= f.low ** e;
    high *= f.high ** e;
    stage = worst(stage, f.stage);
  });
  if (bound) {
    s = Math.min(Math.max(s, bound.low), bound.high);
    low = Math.max(Math.min(low, s), bound.low * 0.5);
    high = Math.min(Math.max(high, s), bound.high);
  }
  return { s: clamp(s), low: Math.min(clamp(low), s), high: Math.max(clamp(high), s), stage };
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}

function orSel(p: { or: Predicate[] }, ctx: SelectivityContext): Sel {
  let acc: Sel | null = null;
  for (const term of p.or) {
    const r = selectivity(term, ctx);
    if (!acc) {
      acc = { ...r };
      continue;
    }
    acc = {
      s: acc.s + r.s - acc.s * r.s,
      low: Math.max(acc.low, r.low),
      high: clamp(acc.high + r.high),
      stage: worst(acc.stage, r.stage),
    };
  }
  const out = acc as Sel;
  out.low = Math.min(out.low, out.s);
  out.high = Math.max(out.high, out.s);
  return out;
}

function notSel(p: { not: Predicate }, ctx: SelectivityContext): Sel {
  const inner = p.not;
  // Three-valued logic: NOT (x IS NULL) is x IS NOT NULL, and NOT NOT p is p.
  if ("op" in inner && (inner.op === "isNull" || inner.op === "isNotNull")) {
    return selectivity({ col: inner.col, op: inner.op === "isNull" ? "isNotNull" : "isNull" }, ctx);
  }
  if ("not" in inner) return selectivity(inner.not, ctx);
  const r = selectivity(inner, ctx);
  const cols = columnsOf(inner);
  const nf = cols.size === 1 ? (ctx.view([...cols][0] as string)?.nullFrac ?? 0) : 0;
  const s = clamp(1 - r.s - nf);
  return { s, low: Math.min(s, clamp(1 - r.high - nf)), high: Math.max(s, clamp(1 - r.low - nf)), stage: r.stage };
}

/**
 * The selectivity of a bound predicate (literals are stored values).
 * @returns s in [0, 1], its bounds and the least reliable stage it used
 */
export function selectivity(p: Predicate, ctx: SelectivityContext): Sel {
  if ("and" in p) return andSel(p, ctx);
  if ("or" in p) return orSel(p, ctx);
  if ("not" in p) return notSel(p, ctx);
  return record(ctx, p, leafSelectivity(p, ctx));
}
