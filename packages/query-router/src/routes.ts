/**
 * The router's HTTP routes below `/v1/tenants/:tenant`: query, explain, metrics, cache reset,
 * shard declarations and settings. Bodies are checked with zod; every error is a `[CODE]`
 * PlatformError with the status the issue names.
 * @module
 */
import { json, type Route, type TabularResult, type TabularType, tabular } from "@durable/core";
import type { Routed } from "./answer.ts";
import type { QueryRouterApi } from "./capability.ts";
import { QUERY_LIMITS } from "./query-input.ts";

/** Body cap of the query routes: the query's own 64 KB plus routing and join. */
const QUERY_BODY_BYTES = QUERY_LIMITS.maxBodyBytes + 4096;

/** The part of the catalog the query route reads for Arrow answers: a table's column types. */
export interface ColumnCatalog {
  describeTable(name: string): { columns: { name: string; type: string }[] };
}

const CATALOG_TYPES = new Set<string>(["integer", "real", "text", "blob", "boolean", "timestamp", "json"]);
/** Aggregates whose result type never depends on the data; every other measure is a computed column. */
const MEASURE_TYPES: Readonly<Record<string, TabularType>> = {
  count: "integer",
  countDistinct: "integer",
  avg: "real",
  variance: "real",
  stddev: "real",
};

/** The catalog type of each column of `table` (none when the catalog cannot say). */
function columnTypes(catalog: ColumnCatalog | undefined, table: unknown, prefix = ""): Map<string, TabularType> {
  const out = new Map<string, TabularType>();
  if (!catalog || typeof table !== "string") return out;
  try {
    for (const c of catalog.describeTable(table).columns) {
      if (CATALOG_TYPES.has(c.type)) out.set(`${prefix}${c.name}`, c.type as TabularType);
    }
  } catch {
    // A table dropped since the answer was made: its dimensions become computed columns.
  }
  return out;
}

/**
 * A routed answer as a tabular result (docs/arrow.md): dimensions keep their column's catalog
 * type (a joined table's as `table.column`), the time bucket is a timestamp, measures are typed
 * by their aggregate or computed. The JSON answer is `out`, unchanged.
 */
function routedAnswer(out: Routed, body: unknown, catalog: ColumnCatalog | undefined): TabularResult {
  const b = (body ?? {}) as { query?: { table?: unknown }; join?: { table?: unknown } };
  const types = columnTypes(catalog, b.query?.table);
  const joined = b.join?.table;
  for (const [name, type] of columnTypes(catalog, joined, `${String(joined)}.`)) types.set(name, type);
  const typeOf = (c: Routed["columns"][number]): TabularType | undefined =>
    c.role === "time" ? "timestamp" : c.role === "measure" ? MEASURE_TYPES[c.agg ?? ""] : types.get(c.name);
  const columns = out.columns.map((c) => ({ name: c.name, type: typeOf(c) }));
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
