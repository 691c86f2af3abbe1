/**
 * How the coordinator reaches other DOs: the transport (in a Worker, each target's `query` RPC
 * target through `env.TENANT`; in Node tests, in-process routers) and the fan-out of a query
 * over a sharded table, its partial answers merged.
 * @module
 */
import type { AnalyticsQuery } from "@durable/pre-agg";
import type { PartialInfo, Row } from "./answer.ts";
import type { TargetError } from "./capability.ts";
import { qrError } from "./errors.ts";
import type { FanOut, FanOutOptions, Target } from "./fan-out.ts";
import type { JoinPartialRequest, SideRequest, SideRow } from "./join-exec.ts";
import { mergePartials, orderAndLimit, type PartialAnswer } from "./partial-states.ts";

/** A row-count estimate as a target answers it. */
export interface TargetEstimate {
  rows: number;
  cost: number;
  method: string;
}

/** Calls to other DOs. `signal` aborts in-process callees; over RPC the deadline travels instead. */
export interface ShardTransport {
  /** Partial states of `q` over the target's catalog table. */
  partial(
    target: string,
    q: AnalyticsQuery,
    deadlineAt: number,
    signal: AbortSignal,
  ): Promise<PartialAnswer | TargetError>;
  /** The target's estimate of `q`'s filter and grouping. */
  estimate(target: string, q: AnalyticsQuery, signal: AbortSignal): Promise<TargetEstimate>;
  /** Joins: one side's rows (a key set or a hash partition of them). */
  rows?(target: string, r: SideRequest, deadlineAt: number, signal: AbortSignal): Promise<SideRow[]>;
  /** Joins: the target joins broadcast rows with its own side and returns states. */
  joinPartial?(target: string, r: JoinPartialRequest, deadlineAt: number, signal: AbortSignal): Promise<PartialAnswer>;
}

/** The DO name of shard `i` of `tenant`'s sharded tables. */
export function shardName(tenant: string, i: number): string {
  return `${tenant}:shard-${i}`;
}

/** The targets of a table spread over `count` shards. */
export function shardTargets(tenant: string, count: number): Target[] {
  return Array.from({ length: count }, (_, i) => ({ name: shardName(tenant, i) }));
}

/** A merged fan-out answer. */
export interface FannedOut {
  rows: Row[];
  partial?: PartialInfo;
}

/**
 * Runs `q` on every target and merges the partial states. Without `allowPartial` any failure
 * fails the query: 503 FANOUT_FAILED with every target's code (DEADLINE_EXCEEDED when the
 * deadline passed); with it, the answer carries `partial` coverage and errors.
 * @throws {FANOUT_FAILED} · {DEADLINE_EXCEEDED} 503 · {GROUP_LIMIT_EXCEEDED} 413
 */
export async function fanOutQuery(
  fanOut: FanOut,
  transport: ShardTransport,
  targets: Target[],
  q: AnalyticsQuery,
  o: FanOutOptions & { allowPartial: boolean; maxGroups: number },
): Promise<FannedOut> {
  const result = await fanOut.run(
    targets,
    (t, signal, deadlineAt) => transport.partial(t.name, q, deadlineAt, signal),
    o,
  );
  const failed = result.outcomes.filter((x) => !x.ok);
  const errors = failed.map((x) => ({ target: x.target, code: x.code, message: x.message }));
  if (errors.length > 0 && (!o.allowPartial || result.succeeded === 0)) {
    // Errors the targets agree on that are the caller's fault (a bad column) are the caller's answer.
    const codes = new Set(errors.map((e) => e.code));
    const only = errors[0];
    if (
      codes.size === 1 &&
      only &&
      ["TABLE_NOT_FOUND", "UNKNOWN_FIELD", "INVALID_PREDICATE", "INVALID_QUERY", "CONSENT_REQUIRED"].includes(
        only.code,
      ) &&
      result.succeeded === 0
    ) {
      throw qrError(only.code as "UNKNOWN_FIELD", `${only.target}: ${only.message}`);
    }
    const list = errors.map((e) => `${e.target} [${e.code}] ${e.message}`).join("; ");
    if (result.deadlineExceeded)
      throw qrError("DEADLINE_EXCEEDED", `${errors.length}/${result.attempted} targets failed: ${list}`);
    throw qrError("FANOUT_FAILED", `${errors.length}/${result.attempted} targets failed: ${list}`);
  }
  // FanOut turned returned error values into failures: what succeeded is a partial answer.
  const answers = result.outcomes.flatMap((x) => (x.ok ? [x.value as PartialAnswer] : []));
  const rows = orderAndLimit(mergePartials(q, answers, o.maxGroups), q, true);
  return errors.length > 0
    ? { rows, partial: { coverage: { succeeded: result.succeeded, attempted: result.attempted }, errors } }
    : { rows };
}

/**
 * Sums the targets' estimates within the fan-out limits; a missing answer makes it heuristic
 * (counted as the mean of the answers, or 0 when none answered).
 */
export async function fanOutEstimate(
  fanOut: FanOut,
  transport: ShardTransport,
  targets: Target[],
  q: AnalyticsQuery,
  o: FanOutOptions,
): Promise<TargetEstimate> {
  const result = await fanOut.run(targets, (t, signal) => transport.estimate(t.name, q, signal), o);
  const ok = result.outcomes.flatMap((x) => (x.ok ? [x.value] : []));
  const rows = ok.reduce((n, e) => n + e.rows, 0);
  const cost = ok.reduce((n, e) => n + e.cost, 0);
  const missing = result.attempted - ok.length;
  if (missing === 0) return { rows, cost, method: ok.every((e) => e.method !== "heuristic") ? "sum" : "heuristic" };
  const mean = ok.length === 0 ? 0 : rows / ok.length;
  const meanCost = ok.length === 0 ? 0 : cost / ok.length;
  return { rows: rows + mean * missing, cost: cost + meanCost * missing, method: "heuristic" };
}
