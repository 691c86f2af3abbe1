/**
 * The router's HTTP routes below `/v1/tenants/:tenant`: query, explain, metrics, cache reset,
 * shard declarations and settings. Bodies are checked with zod; every error is a `[CODE]`
 * PlatformError with the status the issue names.
 * @module
 */
import {
  type ColumnCatalog,
  catalogColumnTypes,
  json,
  type Route,
  type TabularResult,
  type TabularType,
  tabular,
} from "@durable/core";
import { MEASURE_TYPES } from "@durable/pre-agg";
import type { Routed } from "./answer.ts";
import type { QueryRouterApi } from "./capability.ts";
import { QUERY_LIMITS } from "./query-input.ts";

/** Body cap of the query routes: the query's own 64 KB plus routing and join. */
const QUERY_BODY_BYTES = QUERY_LIMITS.maxBodyBytes + 4096;

/**
 * A routed answer as a tabular result (docs/arrow.md): dimensions keep their column's catalog
 * type (a joined table's as `table.column`), the time bucket is a timestamp, measures are typed
 * by their aggregate or computed. The JSON answer is `out`, unchanged.
 */
function routedAnswer(out: Routed, body: unknown, catalog: ColumnCatalog | undefined): TabularResult {
  // Typed only for an Arrow answer (the catalog is read); JSON is `out`.
  const columns = () => {
    const b = (body ?? {}) as { query?: { table?: unknown }; join?: { table?: unknown } };
    const types = catalogColumnTypes(catalog, b.query?.table);
    const joined = b.join?.table;
    for (const [name, type] of catalogColumnTypes(catalog, joined, `${String(joined)}.`)) types.set(name, type);
    const typeOf = (c: Routed["columns"][number]): TabularType | undefined =>
      c.role === "time" ? "timestamp" : c.role === "measure" ? MEASURE_TYPES[c.agg ?? ""] : types.get(c.name);
    return out.columns.map((c) => ({ name: c.name, type: typeOf(c) }));
  };
  return tabular({ columns, rows: out.rows, json: out });
}

/**
 * The routes of the query capability.
 * @param api the capability's API (the same methods its RPC target serves)
 * @param catalog column types for Arrow answers of `POST /query` (without it, every column is computed)
 */
export function queryRoutes(api: QueryRouterApi, catalog?: ColumnCatalog): Route[] {
  return [
    {
      method: "POST",
      path: "/query",
      scope: "read",
      maxBodyBytes: QUERY_BODY_BYTES,
      tabular: true,
      handle: async ({ body }) => routedAnswer(await api.query(body), body, catalog),
    },
    {
      method: "POST",
      path: "/query/explain",
      scope: "read",
      maxBodyBytes: QUERY_BODY_BYTES,
      handle: ({ body }) => api.explainQuery(body),
    },
    { method: "GET", path: "/query/metrics", handle: () => api.metrics() },
    {
      method: "DELETE",
      path: "/query/cache",
      scope: "write",
      handle: () => {
        api.clearCache();
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "PUT",
      path: "/query/shards/:table",
      scope: "write",
      handle: ({ params, body }) => {
        const count = body !== null && typeof body === "object" ? (body as { count?: unknown }).count : undefined;
        api.setShards(params.table ?? "", count as number);
        return json({ table: params.table, count });
      },
    },
    { method: "GET", path: "/query/settings", handle: () => api.settings() },
    { method: "PUT", path: "/query/settings", scope: "write", handle: ({ body }) => api.updateSettings(body) },
  ];
}
