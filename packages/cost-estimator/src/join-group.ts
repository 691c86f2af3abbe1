/**
 * Join sizes and GROUP BY output (items 11–12 of issue 9). Inner equi-joins use PostgreSQL's
 * eqjoinsel when both sides have MCVs, else 1 / max(ndvL, ndvR); semi ≤ |L|, left outer ≥ |L|,
 * cross |L|·|R|, an empty input gives 0. GROUP BY is min(Π ndv, rows), each ndv cut by the
 * filter as d·(1 − (1 − s)^(N/d)); with 2+ columns the reservoir's distinct combinations
 * scaled by Duj1 when it holds them.
 * @module
 */
import type { Predicate } from "@durable/core";
import type { ColumnView } from "./column-view.ts";

/** An ndv after a filter of selectivity `s` over `n` rows: d·(1 − (1 − s)^(N/d)). */
export function reducedNdv(d: number, s: number, n: number): number {
  if (d <= 0 || n <= 0 || s <= 0) return 0;
  if (s >= 1) return d;
  return d * (1 - (1 - s) ** (n / d));
}

/**
 * PostgreSQL's eqjoinsel_inner with MCVs on both sides.
 * @returns the join selectivity over the two tables' rows
 */
export function eqjoinsel(a: ColumnView, b: ColumnView, ndvA: number, ndvB: number): number {
  const matchedB = new Set<number>();
  let matchProd = 0;
  let match1 = 0;
  let match2 = 0;
  let nMatches = 0;
  a.mcvs.forEach((m1) => {
    b.mcvs.forEach((m2, j) => {
      if (matchedB.has(j) || m1.value !== m2.value) return;
      matchedB.add(j);
      matchProd += m1.freq * m2.freq;
      match1 += m1.freq;
      match2 += m2.freq;
      nMatches++;
    });
  });
  const unmatch1 = Math.max(0, a.mcvTotal - match1);
  const unmatch2 = Math.max(0, b.mcvTotal - match2);
  const other1 = Math.max(0, 1 - a.nullFrac - a.mcvTotal);
  const other2 = Math.max(0, 1 - b.nullFrac - b.mcvTotal);
  const n1 = a.mcvs.length;
  const n2 = b.mcvs.length;
  let sel1 = matchProd;
  if (ndvB > n2) sel1 += (unmatch1 * other2) / (ndvB - n2);
  if (ndvB > nMatches) sel1 += (other1 * (other2 + unmatch2)) / (ndvB - nMatches);
  let sel2 = matchProd;
  if (ndvA > n1) sel2 += (unmatch2 * other1) / (ndvA - n1);
  if (ndvA > nMatches) sel2 += (other2 * (other1 + unmatch1)) / (ndvA - nMatches);
  return Math.max(0, Math.min(1, sel1, sel2));
}

/** Distinct combinations of `columns` among `rows` and how many occur once. */
export function sampleCombinations(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): { d: number; f1: number } {
  const counts = new Map<string, number>();
  for (const row of rows) {
    let key = "";
    for (const c of columns) {
      const v = row[c] ?? null;
      key += `${typeof v === "number" ? "n" : v === null ? "_" : "s"}${String(v)}\u0001`;
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let f1 = 0;
  for (const c of counts.values()) if (c === 1) f1++;
  return { d: counts.size, f1 };
}

/**
 * Distinct values of `col` left after `where` (selectivity `s` over `n` rows). A filter on the
 * column itself restricts its domain (`=` leaves 1 value, `in` its k values, a range about d·s);
 * a filter on other columns thins it as d·(1 − (1 − s)^(N/d)).
 */
export function ndvAfter(d: number, col: string, where: Predicate | undefined, s: number, n: number): number {
  const thinned = reducedNdv(d, s, n);
  if (!where) return thinned;
  const leaves = "and" in where ? where.and : [where];
  let domain = Number.POSITIVE_INFINITY;
  for (const p of leaves) {
    if (!("op" in p) || p.col !== col) continue;
    if (p.op === "=") domain = Math.min(domain, 1);
    else if (p.op === "in") domain = Math.min(domain, new Set(p.values).size);
    else if (p.op !== "isNotNull" && p.op !== "!=") domain = Math.min(domain, Math.max(1, d * s));
  }
  return Math.min(thinned, domain);
}

/** A column's value distribution as the group estimate needs it: single values and a uniform rest. */
export interface Distribution {
  /** Frequencies of single values (MCVs, and NULL as one group). */
  singles: number[];
  /** How many other values share `restFreq` equally. */
  restCount: number;
  restFreq: number;
}

/** The distribution of a column from its view. */
export function distributionOf(v: ColumnView): Distribution {
  const singles = v.mcvs.map((m) => m.freq);
  if (v.nullFrac > 0) singles.push(v.nullFrac);
  const restCount = Math.max(0, Math.round((v.ndv ?? 0) - v.mcvs.length));
  return { singles, restCount, restFreq: Math.max(0, 1 - v.nullFrac - v.mcvTotal) };
}

/** Expected distinct values of one column among `n` rows: Σ (1 − (1 − p)^n). */
export function expectedDistinct(a: Distribution, n: number): number {
  let total = 0;
  for (const p of a.singles) if (p > 0) total += 1 - Math.exp(n * Math.log1p(-Math.min(p, 1 - 1e-15)));
  if (a.restCount > 0 && a.restFreq > 0) {
    const p = a.restFreq / a.restCount;
    total += a.restCount * (1 - Math.exp(n * Math.log1p(-Math.min(p, 1 - 1e-15))));
  }
  return total;
}

/**
 * Expected distinct pairs among `n` rows if the two columns were independent:
 * Σ (1 − (1 − p·q)^n) over every pair of values (the rest counted class by class).
 */
export function expectedPairs(a: Distribution, b: Distribution, n: number): number {
  const classes = (d: Distribution): [number, number][] => [
    ...d.singles.map((f): [number, number] => [f, 1]),
    ...(d.restCount > 0 ? [[d.restFreq / d.restCount, d.restCount] as [number, number]] : []),
  ];
  const ca = classes(a);
  const cb = classes(b);
  let total = 0;
  for (const [p, m] of ca) {
    for (const [q, k] of cb) {
      const pq = p * q;
      if (pq <= 0) continue;
      total += m * k * (1 - Math.exp(n * Math.log1p(-Math.min(pq, 1 - 1e-15))));
    }
  }
  return total;
}
