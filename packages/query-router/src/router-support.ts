/**
 * The router's dependency types and the small rules around a request: how routing options
 * carry a join, and how a source failure reaches the caller.
 * @module
 */
import {
  type Background,
  type Clock,
  errorCodeOf,
  isPlatformError,
  type Sql,
  type TransactionSync,
  type Wake,
} from "@durable/core";
import type { CostEstimator } from "@durable/cost-estimator";
import type { AnalyticsQuery, PreAgg } from "@durable/pre-agg";
import type { Tables } from "@durable/tables";
import { qrError } from "./errors.ts";
import type { ShardTransport } from "./shards.ts";
import type { TableVersions } from "./table-versions.ts";

/** The rollup side of the router: @durable/pre-agg's matcher and query, in-process. */
export type RollupPort = Pick<PreAgg, "explain" | "query" | "requestRefresh" | "markDirty">;

/** Ports and collaborators of {@link QueryRouter}. */
export interface QueryRouterDeps {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  wake: Wake;
  background: Background;
  tenant: () => string | null;
  tables: Tables;
  rollups: RollupPort;
  estimator: Pick<CostEstimator, "estimate">;
  /** Other DOs (shards, tenants); without it a sharded table answers 503 SOURCE_UNAVAILABLE. */
  fanOut?: ShardTransport;
  /** The cdc package's per-table versions when present; else the router's write-path observer. */
  versions?: TableVersions;
}

/** Codes that reach the caller as they are (the request's own fault, or the fan-out's verdict). */
export const PASS_THROUGH = new Set([
  "FANOUT_FAILED",
  "DEADLINE_EXCEEDED",
  "GROUP_LIMIT_EXCEEDED",
  "TOO_MANY_TARGETS",
  "CONSENT_REQUIRED",
]);

/** Everything known about one query before a source is asked. */
export interface Prepared {
  q: AnalyticsQuery;
  key: string;
  canonical: string;
  shards: number | undefined;
  tenant: string;
}

/** Routing options without the join, and the join. */
export function splitJoin(routing: unknown): { join: unknown; rest: unknown } {
  if (routing === null || typeof routing !== "object" || Array.isArray(routing) || !("join" in routing)) {
    return { join: undefined, rest: routing };
  }
  const { join, ...rest } = routing as Record<string, unknown>;
  return { join, rest };
}

/** A source failure as the caller sees it: 4xx and the fan-out's verdicts as they are, else 503. */
export function sourceError(err: unknown): unknown {
  const code = errorCodeOf(err);
  if (isPlatformError(err) && (err.status < 500 || PASS_THROUGH.has(err.code))) return err;
  if (code && PASS_THROUGH.has(code)) return err;
  return qrError(
    "SOURCE_UNAVAILABLE",
    `the source failed${code ? ` [${code}]` : ""}: ${err instanceof Error ? err.message : String(err)}`,
  );
}
