/**
 * The matcher (item 6): which rollups can answer a query, and the cheapest of them. No I/O
 * beyond the partition counts it is handed: the router calls it for every query.
 * @module
 */
import { type CostConstants, DEFAULT_COST_CONSTANTS } from "@durable/cost-estimator";
import { isWholeMultiple } from "./grains.ts";
import { statesForQuery } from "./layout.ts";
import type { Rollup } from "./registry.ts";
import type { ResolvedQuery } from "./resolve.ts";
import type { PartitionRow } from "./rollup-rows.ts";
import { isBucketBoundary } from "./time-buckets.ts";
import type { MatchReason, RollupCandidate, Tier } from "./types.ts";

/** The partitions of a rollup that overlap the query's range. */
export function overlapping(parts: readonly PartitionRow[], rq: ResolvedQuery): PartitionRow[] {
  const from = rq.time?.from;
  const to = rq.time?.to;
  if (from === undefined || to === undefined) return [...parts];
  return parts.filter((p) => p.start < to && p.end > from);
}

/** Why `r` cannot answer `rq` (empty when it can). */
export function reasonsFor(r: Rollup, rq: ResolvedQuery): MatchReason[] {
  const reasons: MatchReason[] = [];
  if (r.def.source !== rq.table) return ["WRONG_SOURCE"];
  const rt = r.def.timeDimension;
  if (rq.time && rq.time.column !== rt.column) reasons.push("WRONG_SOURCE");
  for (const m of rq.measures) {
    if (!statesForQuery(r.layout, m, m.column ? rq.columns.get(m.column) : undefined)) {
      reasons.push("MISSING_MEASURE");
      break;
    }
  }
  if (rq.dimensions.some((d) => !r.def.dimensions.includes(d))) reasons.push("MISSING_DIMENSION");
  if (rq.whereColumns.some((c) => !r.def.dimensions.includes(c))) reasons.push("MISSING_FILTER_DIMENSION");
  const t = rq.time;
  if (t) {
    if (t.grain && !isWholeMultiple(rt.grain, t.grain)) reasons.push("GRAIN_NOT_MULTIPLE");
    if ((t.grain || t.from !== undefined) && t.zone !== rt.timeZone) reasons.push("TIMEZONE_MISMATCH");
    else if (
      t.from !== undefined &&
      (!isBucketBoundary(t.from, rt.grain, rt.timeZone) || !isBucketBoundary(t.to as number, rt.grain, rt.timeZone))
    ) {
      reasons.push("TIME_RANGE_NOT_ALIGNED");
    }
  }
  if (r.status === "disabled" || r.status === "error") reasons.push("DISABLED");
  else if (r.status !== "built") reasons.push("NOT_BUILT");
  return reasons;
}

/** Rows, price and tiers of reading `parts` of a rollup. */
export function costOf(
  parts: readonly PartitionRow[],
  c: CostConstants,
): { rows: number; costUs: number; tiers: Tier[] } {
  let hot = 0;
  let warm = 0;
  let files = 0;
  let bytes = 0;
  for (const p of parts) {
    hot += p.hotRows;
    warm += p.warmRows;
    if (p.fileKey) {
      files++;
      bytes += p.bytes;
    }
  }
  const tiers: Tier[] = [];
  if (hot > 0 || files === 0) tiers.push("hot");
  if (files > 0) tiers.push("warm");
  return {
    rows: hot + warm,
    costUs: hot * c.sqliteScanRowUs + warm * c.parquetRowUs + files * c.r2RequestUs + bytes * c.r2ByteUs,
    tiers,
  };
}

/**
 * Every rollup as a candidate for `rq`, the cheapest match chosen (ties: fewer dimensions,
 * then name).
 * @param partitionsOf the cached partition rows of a rollup
 * @param asOfOf a rollup's freshness
 */
export function matchRollups(
  rq: ResolvedQuery,
  rollups: readonly Rollup[],
  partitionsOf: (r: Rollup) => readonly PartitionRow[],
  asOfOf: (r: Rollup) => number,
  constants: CostConstants = DEFAULT_COST_CONSTANTS,
): { candidates: RollupCandidate[]; chosen?: string } {
  const candidates = rollups.map((r) => {
    const reasons = reasonsFor(r, rq);
    const { rows, costUs, tiers } = costOf(overlapping(partitionsOf(r), rq), constants);
    return {
      candidate: {
        rollup: r.name,
        matched: reasons.length === 0,
        reasons,
        estimatedRows: rows,
        costUs,
        tiers,
        asOf: asOfOf(r),
      },
      dims: r.def.dimensions.length,
    };
  });
  const matched = candidates
    .filter((c) => c.candidate.matched)
    .sort(
      (a, b) =>
        a.candidate.costUs - b.candidate.costUs ||
        a.dims - b.dims ||
        (a.candidate.rollup < b.candidate.rollup ? -1 : 1),
    );
  const best = matched[0];
  // A match that lost stays matched: it could answer, at a higher price.
  for (const c of matched.slice(1)) c.candidate.reasons = ["HIGHER_COST"];
  return { candidates: candidates.map((c) => c.candidate), ...(best ? { chosen: best.candidate.rollup } : {}) };
}
