/**
 * `AnalyticsQuery` (item 5): "measures by dimensions over time" over one catalog table, the
 * shape @durable/query-router imports. Shape errors are 400 INVALID_QUERY with the path; a
 * `where` core refuses is 400 INVALID_PREDICATE.
 * @module
 */
import { describeZodError, type Predicate, parsePredicate, safeParse } from "@durable/core";
import * as z from "zod/mini";
import { invalidQuery } from "./errors.ts";
import { GRAINS, type Grain } from "./grains.ts";
import { AGGS } from "./states/types.ts";
import { isValidZone } from "./time-buckets.ts";

/** Largest and default `limit`. */
export const QUERY_LIMITS = { defaultLimit: 10_000, maxLimit: 100_000, maxMeasures: 32, maxDimensions: 16 } as const;

/** Aggregates a query may ask for: a rollup's, plus stddev (the square root of variance). */
export const QUERY_AGGS = [...AGGS, "stddev"] as const;

/** An aggregate of a query. */
export type QueryAgg = (typeof QUERY_AGGS)[number];

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of an ISO 8601 date or date-time (no offset means UTC), or undefined. */
export function parseIso(text: string): number | undefined {
  if (!ISO.test(text)) return undefined;
  let normal = text.replace(" ", "T");
  if (normal.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(normal)) normal += "Z";
  const ms = Date.parse(normal);
  if (!Number.isFinite(ms)) return undefined;
  const day = Number(text.slice(8, 10));
  const last = new Date(Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)), 0)).getUTCDate();
  return day <= last ? ms : undefined;
}

const Instant = z.string().check(z.refine((s) => parseIso(s) !== undefined, "must be an ISO 8601 date or date-time"));
const Column = z.string().check(z.minLength(1), z.maxLength(128));

/** One measure of a query: `{agg, column?, q?}`, named `as` (default `agg_column`, `count`, `p50_col`). */
export const QueryMeasureSchema = z
  .strictObject({
    agg: z.enum(QUERY_AGGS),
    column: z.optional(Column),
    q: z.optional(z.number().check(z.gte(0), z.lte(1))),
    as: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  })
  .check(
    z.superRefine((m, ctx) => {
      if (m.agg !== "count" && m.column === undefined)
        ctx.addIssue({ code: "custom", path: ["column"], message: "required" });
      if (m.q !== undefined && m.agg !== "quantiles")
        ctx.addIssue({ code: "custom", path: ["q"], message: "only quantiles takes q" });
    }),
  );

/** The zod schema of an {@link AnalyticsQuery} (`where` is checked by core's `parsePredicate`). */
export const AnalyticsQuerySchema = z
  .strictObject({
    table: z.string().check(z.minLength(1), z.maxLength(128)),
    measures: z.array(QueryMeasureSchema).check(z.minLength(1), z.maxLength(QUERY_LIMITS.maxMeasures)),
    dimensions: z.optional(z.array(Column).check(z.maxLength(QUERY_LIMITS.maxDimensions))),
    timeDimension: z.optional(
      z.strictObject({
        column: Column,
        range: z.optional(z.strictObject({ from: Instant, to: Instant })),
        grain: z.optional(z.enum(GRAINS)),
        timeZone: z.optional(
          z.string().check(z.minLength(1), z.maxLength(64), z.refine(isValidZone, "unknown IANA time zone")),
        ),
      }),
    ),
    where: z.optional(z.unknown()),
    order: z.optional(
      z
        .array(z.strictObject({ by: Column, dir: z._default(z.enum(["asc", "desc"]), "asc") }))
        .check(z.maxLength(QUERY_LIMITS.maxDimensions + QUERY_LIMITS.maxMeasures + 1)),
    ),
    limit: z.optional(z.int().check(z.gte(1), z.lte(QUERY_LIMITS.maxLimit))),
  })
  .check(
    z.superRefine((q, ctx) => {
      const r = q.timeDimension?.range;
      if (r) {
        const from = parseIso(r.from);
        const to = parseIso(r.to);
        if (from !== undefined && to !== undefined && from >= to) {
          ctx.addIssue({ code: "custom", path: ["timeDimension", "range", "to"], message: "must be after from" });
        }
      }
      q.dimensions?.forEach((d, i) => {
        if (q.dimensions?.indexOf(d) !== i)
          ctx.addIssue({ code: "custom", path: ["dimensions", i], message: "repeated" });
      });
    }),
  );

/** One measure of a query. */
export interface QueryMeasure {
  agg: QueryAgg;
  column?: string;
  /** The quantile, 0–1 (quantiles only; default 0.5). */
  q?: number;
  /** The output name. */
  as?: string;
}

/** A query: measures by dimensions over time, over one catalog table. */
export interface AnalyticsQuery {
  table: string;
  measures: QueryMeasure[];
  dimensions?: string[];
  timeDimension?: {
    column: string;
    /** Half-open [from, to), ISO 8601. */
    range?: { from: string; to: string };
    grain?: Grain;
    /** IANA zone of `grain` and `range` alignment (default UTC). */
    timeZone?: string;
  };
  where?: Predicate;
  order?: { by: string; dir?: "asc" | "desc" }[];
  /** Most rows (default 10,000, at most 100,000); more → 413 RESULT_TOO_LARGE. */
  limit?: number;
}

/** How a query is answered: `rollup` forces one, `lambda` merges unfolded deltas, `rollupOnly` refuses raw. */
export interface QueryOptions {
  rollup?: string;
  lambda?: boolean;
  rollupOnly?: boolean;
}

/** The zod schema of {@link QueryOptions}. */
export const QueryOptionsSchema = z._default(
  z.strictObject({
    rollup: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    lambda: z.optional(z.boolean()),
    rollupOnly: z.optional(z.boolean()),
  }),
  {},
);

/**
 * Validates untrusted input as an {@link AnalyticsQuery} (shape only; columns are checked
 * against the table when the query runs).
 * @throws {INVALID_QUERY} 400 with the path · {INVALID_PREDICATE} 400 for a bad `where`
 */
export function parseAnalyticsQuery(input: unknown): AnalyticsQuery {
  const r = safeParse(AnalyticsQuerySchema, input);
  if (!r.success) throw invalidQuery("", describeZodError(r.error, "query"));
  const { where, ...rest } = r.data;
  const q = rest as AnalyticsQuery;
  if (where !== undefined) q.where = parsePredicate(where);
  return q;
}

/**
 * Validates untrusted query options.
 * @throws {INVALID_QUERY} 400 with the path
 */
export function parseQueryOptions(input: unknown): QueryOptions {
  const r = safeParse(QueryOptionsSchema, input ?? {});
  if (!r.success) throw invalidQuery("", describeZodError(r.error, "options"));
  return r.data;
}

/** The output name of a measure. */
export function measureName(m: QueryMeasure): string {
  if (m.as) return m.as;
  if (m.agg === "count") return m.column ? `count_${m.column}` : "count";
  if (m.agg === "quantiles") return `p${+((m.q ?? 0.5) * 100).toFixed(6)}_${m.column}`;
  return `${m.agg}_${m.column}`;
}
