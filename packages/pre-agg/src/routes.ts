/**
 * The HTTP routes of pre-agg below `/v1/tenants/:tenant/pre-agg`: define, list, read, drop and
 * rebuild rollups; query and explain.
 * @module
 */
import { json, parseOrThrow, type Route } from "@durable/core";
import * as z from "zod/mini";
import type { PreAgg } from "./pre-agg.ts";
import type { AnalyticsQuery, QueryOptions } from "./query-schema.ts";

const DefineBody = z.object({ definition: z.unknown() });
const QueryBody = z.object({ query: z.unknown(), options: z.optional(z.unknown()) });
const ExplainBody = z.object({ query: z.unknown() });

/** The routes of the pre-agg capability. */
export function preAggRoutes(preAgg: PreAgg): Route[] {
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
      handle: ({ body }) => {
        const b = parseOrThrow(QueryBody, body ?? {}, "INVALID_QUERY");
        return preAgg.query(b.query as AnalyticsQuery, b.options as QueryOptions | undefined);
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
