/**
 * The HTTP routes of pre-agg below `/v1/tenants/:tenant/pre-agg`: define, list, read, drop and
 * rebuild rollups; query and explain.
 * @module
 */
import {
  type ColumnCatalog,
  catalogColumnTypes,
  json,
  parseOrThrow,
  type Route,
  type TabularResult,
  type TabularType,
  tabular,
} from "@durable/core";
import * as z from "zod/mini";
import { MEASURE_TYPES } from "./measure-types.ts";
import type { PreAgg } from "./pre-agg.ts";
import { type AnalyticsQuery, measureName, parseAnalyticsQuery, type QueryOptions } from "./query-schema.ts";
import type { QueryResult } from "./types.ts";

const DefineBody = z.object({ definition: z.unknown() });
const QueryBody = z.object({ query: z.unknown(), options: z.optional(z.unknown()) });
const ExplainBody = z.object({ query: z.unknown() });

/**
 * A query answer as a tabular result (docs/arrow.md): dimensions keep their column's catalog
 * type, the time bucket is a timestamp, measures are typed by their aggregate or computed. The
 * JSON answer is `out`, unchanged.
 */
function queryAnswer(out: QueryResult, input: unknown, catalog: ColumnCatalog | undefined): TabularResult {
  // Typed only for an Arrow answer (the query is parsed again and the catalog read); JSON is `out`.
  const columns = () => {
    const q = parseAnalyticsQuery(input);
    const source = catalogColumnTypes(catalog, q.table);
    const types = new Map<string, TabularType | undefined>();
    for (const d of q.dimensions ?? []) types.set(d, source.get(d));
    if (q.timeDimension?.grain) types.set(q.timeDimension.column, "timestamp");
    for (const m of q.measures) types.set(measureName(m), MEASURE_TYPES[m.agg]);
    return [...types].map(([name, type]) => ({ name, type }));
  };
  return tabular({ columns, rows: out.rows, json: out });
}

/**
 * The routes of the pre-agg capability.
 * @param catalog column types for Arrow answers of `/pre-agg/query` (without it, every column is computed)
 */
export function preAggRoutes(preAgg: PreAgg, catalog?: ColumnCatalog): Route[] {
  return [
    {
      method: "POST",
      path: "/pre-agg/rollups",
      scope: "write",
      handle: ({ body }) => {
        const b = parseOrThrow(DefineBody, body ?? {}, "INVALID_ROLLUP");
        const out = preAgg.createRollup(b.definition);
        return json(out, out.created ? 201 : 200);
      },
    },
    { method: "GET", path: "/pre-agg/rollups", handle: () => ({ rollups: preAgg.rollups() }) },
    { method: "GET", path: "/pre-agg/rollups/:name", handle: ({ params }) => preAgg.rollup(params.name ?? "") },
    {
      method: "DELETE",
      path: "/pre-agg/rollups/:name",
      scope: "write",
      handle: ({ params }) => {
        preAgg.dropRollup(params.name ?? "");
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "POST",
      path: "/pre-agg/rollups/:name/rebuild",
      scope: "write",
      handle: ({ params }) => {
        preAgg.refresh(params.name ?? "", { full: true });
        return json({ rollup: preAgg.rollup(params.name ?? "") }, 202);
      },
    },
    {
      method: "POST",
      path: "/pre-agg/query",
      scope: "read",
      tabular: true,
      handle: async ({ body }) => {
        const b = parseOrThrow(QueryBody, body ?? {}, "INVALID_QUERY");
        const out = await preAgg.query(b.query as AnalyticsQuery, b.options as QueryOptions | undefined);
        return queryAnswer(out, b.query, catalog);
      },
    },
    {
      method: "POST",
      path: "/pre-agg/explain",
      scope: "read",
      handle: ({ body }) =>
        preAgg.explain(parseOrThrow(ExplainBody, body ?? {}, "INVALID_QUERY").query as AnalyticsQuery),
    },
  ];
}
