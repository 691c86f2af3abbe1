/**
 * The router's HTTP routes below `/v1/tenants/:tenant`: query, explain, metrics, cache reset,
 * shard declarations and settings. Bodies are checked with zod; every error is a `[CODE]`
 * PlatformError with the status the issue names.
 * @module
 */
import { json, type Route } from "@durable/core";
import type { QueryRouterApi } from "./capability.ts";
import { QUERY_LIMITS } from "./query-input.ts";

/** Body cap of the query routes: the query's own 64 KB plus routing and join. */
const QUERY_BODY_BYTES = QUERY_LIMITS.maxBodyBytes + 4096;

/**
 * The routes of the query capability.
 * @param api the capability's API (the same methods its RPC target serves)
 */
export function queryRoutes(api: QueryRouterApi): Route[] {
  return [
    {
      method: "POST",
      path: "/query",
      scope: "read",
      maxBodyBytes: QUERY_BODY_BYTES,
      handle: ({ body }) => api.query(body),
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
