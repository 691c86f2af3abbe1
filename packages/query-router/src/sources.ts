/**
 * Computes an answer once the decision is made: a fan-out for a sharded table; else the
 * cheapest built rollup within budget (an unreadable one is skipped, reported with
 * `markDirty`, and the next source answers); else live local SQL (`liveQuery`).
 * @module
 */
import { type Clock, errorCodeOf, isPlatformError, type Sql } from "@durable/core";
import type { CostEstimator } from "@durable/cost-estimator";
import type { AnalyticsQuery } from "@durable/pre-agg";
import type { Tables } from "@durable/tables";
import type { Computed } from "./answer.ts";
import type { Decision } from "./decide.ts";
import { qrError } from "./errors.ts";
import type { FanOut } from "./fan-out.ts";
import { liveQuery } from "./live-sql.ts";
import { columnsOf, orderAndLimit } from "./partial-states.ts";
import type { Plan } from "./plan.ts";
import type { Prepared, RollupPort } from "./router-support.ts";
import { fanOutQuery, type ShardTransport, shardTargets } from "./shards.ts";

/** Codes of a rollup whose stored states cannot be read right now. */
const UNREADABLE = new Set(["STATE_CORRUPT", "PARTITION_UNAVAILABLE", "ROLLUP_UNREADABLE"]);

/** What a computation reads from. */
export interface SourceContext {
  tables: Tables;
  sql: Sql;
  clock: Clock;
  rollups: RollupPort;
  fanOut: FanOut;
  transport: ShardTransport | undefined;
  version(table: string): number;
  maxGroups: number;
  deadlineMs: number;
}

/** 413 GROUP_LIMIT_EXCEEDED. */
export function groupLimit(max: number) {
  return qrError("GROUP_LIMIT_EXCEEDED", `more than ${max} groups; narrow the query or add a filter`);
}

/** The partition a pre-agg error names (`extra.partition`, or `partition=<key>` in its message). */
export function partitionOf(err: unknown): string | undefined {
  const extra = (err as { extra?: { partition?: unknown } }).extra?.partition;
  if (typeof extra === "string") return extra;
  const m = err instanceof Error ? /partition[= ]([^\s,;]+)/.exec(err.message) : null;
  return m?.[1];
}

/** Computes the answer of `p` from the decision's sources. */
export async function computeAnswer(
  c: SourceContext,
  p: Prepared,
  allowPartial: boolean,
  decision: Decision,
  plan: Plan | undefined,
): Promise<Computed> {
  const q = p.q;
  const columns = columnsOf(q);
  if (p.shards !== undefined) {
    if (!c.transport)
      throw qrError("SOURCE_UNAVAILABLE", `${q.table} is sharded but this router has no fan-out transport`);
    const asOf = c.clock.now();
    const out = await fanOutQuery(c.fanOut, c.transport, shardTargets(p.tenant, p.shards), q, {
      allowPartial,
      maxGroups: c.maxGroups,
      deadlineMs: c.deadlineMs,
    });
    return {
      rows: out.rows,
      columns,
      source: "fanout",
      asOf,
      versions: {},
      ...(out.partial ? { partial: out.partial } : {}),
    };
  }
  const versions = { [q.table]: c.version(q.table) };
  for (const cand of decision.usableRollups) {
    try {
      const result = await c.rollups.query({ ...q, limit: c.maxGroups }, { rollup: cand.rollup });
      const rows = orderAndLimit(result.rows, q, true);
      return { rows, columns, source: "rollup", rollup: cand.rollup, asOf: result.meta.asOf, versions };
    } catch (err) {
      const code = errorCodeOf(err);
      if (code === "RESULT_TOO_LARGE") throw groupLimit(c.maxGroups);
      if (isPlatformError(err) && err.status < 500 && !UNREADABLE.has(code ?? "")) throw err;
      // An unreadable state: skipped (ROLLUP_UNREADABLE), reported to pre-agg, the next source answers.
      const partition = partitionOf(err);
      if (partition !== undefined) c.rollups.markDirty(cand.rollup, partition);
      const shown = plan?.candidates.find((x) => x.source === "rollup" && x.name === cand.rollup);
      if (shown) {
        shown.verdict = "rejected";
        shown.reasons = ["ROLLUP_UNREADABLE"];
      }
    }
  }
  const asOf = c.clock.now();
  const rows = liveQuery(c.tables, c.sql, q, c.maxGroups);
  return { rows: orderAndLimit(rows, q, true), columns, source: "local", asOf, versions };
}

/** What live would cost, from the estimator (in the same µs as pre-agg's costs). */
export interface LiveEstimate {
  estimatedRows?: number;
  costUs?: number;
  method?: string;
}

/** The estimator's rows and cost of `q`'s filter and grouping; `unavailable` when it cannot say. */
export function estimateLive(estimator: Pick<CostEstimator, "estimate">, q: AnalyticsQuery): LiveEstimate {
  try {
    const groupBy = (q.dimensions ?? []).slice(0, 8);
    const e = estimator.estimate({
      table: q.table,
      ...(q.where ? { where: q.where } : {}),
      ...(groupBy.length ? { groupBy } : {}),
    });
    return { estimatedRows: e.rows, costUs: e.cost, method: e.method };
  } catch {
    return { method: "unavailable" };
  }
}

/** Resolves on a later macrotask (after the current request's answer is on its way). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
