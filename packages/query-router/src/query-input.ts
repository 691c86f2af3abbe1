/**
 * The query at the boundary: @durable/pre-agg's `AnalyticsQuery` (imported, never redefined)
 * checked against this package's limits (≤ 20 measures, ≤ 10 dimensions, `where` within core's
 * limits, `limit` default 1,000 and at most 10,000, body ≤ 64 KB) and, for a catalog table,
 * against its columns.
 * @module
 */
import { PREDICATE_LIMITS, type Predicate, parsePredicate, safeParse } from "@durable/core";
import { type AnalyticsQuery, AnalyticsQuerySchema } from "@durable/pre-agg";
import type { ColumnDef } from "@durable/tables";
import { qrError } from "./errors.ts";
import { DEFAULT_LIMIT } from "./fingerprint.ts";

/** Limits of a routed query (item 1). */
export const QUERY_LIMITS = {
  maxMeasures: 20,
  maxDimensions: 10,
  defaultLimit: DEFAULT_LIMIT,
  maxLimit: 10_000,
  maxBodyBytes: 64 * 1024,
} as const;

function rawDepth(value: unknown, limit: number, d = 1): number {
  if (d > limit || value === null || typeof value !== "object" || Array.isArray(value)) return d;
  const o = value as Record<string, unknown>;
  let max = d;
  for (const key of ["and", "or"]) {
    const list = o[key];
    if (Array.isArray(list)) for (const c of list) max = Math.max(max, rawDepth(c, limit, d + 1));
  }
  if ("not" in o) max = Math.max(max, rawDepth(o.not, limit, d + 1));
  return max;
}

/**
 * Validates untrusted input as a routed query, defaults filled in.
 * @throws {QUERY_TOO_LARGE} 413 · {EMPTY_QUERY} · {INVALID_LIMIT} · {INVALID_PREDICATE} · {INVALID_QUERY} 400
 */
export function parseQuery(input: unknown): AnalyticsQuery {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw qrError("INVALID_QUERY", "query: an object {table, measures, dimensions?, …}");
  }
  const text = JSON.stringify(input);
  if (text.length > QUERY_LIMITS.maxBodyBytes) {
    throw qrError("QUERY_TOO_LARGE", `query: ${text.length} bytes; at most ${QUERY_LIMITS.maxBodyBytes}`);
  }
  const raw = input as Record<string, unknown>;
  const measures = Array.isArray(raw.measures) ? raw.measures : [];
  const dimensions = Array.isArray(raw.dimensions) ? raw.dimensions : [];
  if (measures.length === 0 && dimensions.length === 0) {
    throw qrError("EMPTY_QUERY", "query: at least one measure or dimension");
  }
  if (measures.length > QUERY_LIMITS.maxMeasures) {
    throw qrError("QUERY_TOO_LARGE", `query.measures: ${measures.length}; at most ${QUERY_LIMITS.maxMeasures}`);
  }
  if (dimensions.length > QUERY_LIMITS.maxDimensions) {
    throw qrError("QUERY_TOO_LARGE", `query.dimensions: ${dimensions.length}; at most ${QUERY_LIMITS.maxDimensions}`);
  }
  if (raw.limit !== undefined) {
    const l = raw.limit;
    if (typeof l !== "number" || !Number.isInteger(l) || l < 1 || l > QUERY_LIMITS.maxLimit) {
      throw qrError("INVALID_LIMIT", `query.limit: an integer from 1 to ${QUERY_LIMITS.maxLimit}, got ${String(l)}`);
    }
  }
  if (raw.where !== undefined) {
    if (rawDepth(raw.where, PREDICATE_LIMITS.maxDepth) > PREDICATE_LIMITS.maxDepth) {
      throw qrError("QUERY_TOO_LARGE", `query.where: nested deeper than ${PREDICATE_LIMITS.maxDepth}`);
    }
    const leaves = rawLeaves(raw.where);
    if (leaves > PREDICATE_LIMITS.maxLeaves) {
      throw qrError("QUERY_TOO_LARGE", `query.where: ${leaves} leaves; at most ${PREDICATE_LIMITS.maxLeaves}`);
    }
    parseWhere(raw.where);
  }
  const parsed = safeParse(AnalyticsQuerySchema, input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? `query.${issue.path.join(".")}` : "query";
    throw qrError("INVALID_QUERY", `${path}: ${issue?.message ?? "invalid"}`);
  }
  const q = parsed.data as AnalyticsQuery;
  return { ...q, limit: q.limit ?? QUERY_LIMITS.defaultLimit };
}

/** `where` through core's parser, with the size limits reported as QUERY_TOO_LARGE. */
function parseWhere(value: unknown): Predicate {
  // Core refuses an `in` list over 1,000 values; that is a size limit here (413), not a shape error.
  const lists = Array.isArray(value) ? [] : inListsRaw(value);
  const longest = Math.max(0, ...lists);
  if (longest > PREDICATE_LIMITS.maxInValues) {
    throw qrError("QUERY_TOO_LARGE", `query.where: an in list of ${longest}; at most ${PREDICATE_LIMITS.maxInValues}`);
  }
  return parsePredicate(value);
}

/** Leaves of an unchecked predicate (depth already bounded). */
function rawLeaves(value: unknown): number {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return 1;
  const o = value as Record<string, unknown>;
  if (Array.isArray(o.and)) return o.and.reduce((n: number, c) => n + rawLeaves(c), 0);
  if (Array.isArray(o.or)) return o.or.reduce((n: number, c) => n + rawLeaves(c), 0);
  if ("not" in o) return rawLeaves(o.not);
  return 1;
}

function inListsRaw(value: unknown, out: number[] = []): number[] {
  if (value === null || typeof value !== "object") return out;
  const o = value as Record<string, unknown>;
  for (const key of ["and", "or"]) {
    const list = o[key];
    if (Array.isArray(list)) for (const c of list) inListsRaw(c, out);
  }
  if ("not" in o) inListsRaw(o.not, out);
  if (o.op === "in" && Array.isArray(o.values)) out.push(o.values.length);
  return out;
}

/**
 * Checks every column a query names against a catalog table's columns.
 * @throws {UNKNOWN_FIELD} 400 with the path (`query.measures[1].column`)
 */
export function checkColumns(q: AnalyticsQuery, columns: readonly ColumnDef[]): void {
  const names = new Set(columns.map((c) => c.name));
  q.measures.forEach((m, i) => {
    if (m.column !== undefined && !names.has(m.column)) {
      throw qrError("UNKNOWN_FIELD", `query.measures[${i}].column: unknown column ${m.column} of ${q.table}`);
    }
  });
  (q.dimensions ?? []).forEach((d, i) => {
    if (!names.has(d)) throw qrError("UNKNOWN_FIELD", `query.dimensions[${i}]: unknown column ${d} of ${q.table}`);
  });
  if (q.timeDimension && !names.has(q.timeDimension.column)) {
    throw qrError("UNKNOWN_FIELD", `query.timeDimension.column: unknown column ${q.timeDimension.column}`);
  }
}
