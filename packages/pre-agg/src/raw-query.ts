/**
 * The raw path (placeholder until filled in this session).
 * @module
 */
import type { Sql } from "@durable/core";
import type { Tables } from "@durable/tables";
import type { AnalyticsQuery } from "./query-schema.ts";
import type { QueryResult } from "./types.ts";

/** Options of {@link rawQuery}. */
export interface RawQueryOptions {
  /** Most source rows read (default 5,000,000; more → 413 SCAN_TOO_LARGE). */
  maxScanRows?: number;
  /** Epoch ms of the answer's `asOf`. */
  now?: number;
}

/** The query as a GROUP BY over the source rows. */
export function rawQuery(_tables: Tables, _sql: Sql, _query: AnalyticsQuery, _o: RawQueryOptions = {}): QueryResult {
  throw new Error("pre-agg: not yet built");
}
