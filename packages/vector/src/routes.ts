/**
 * The vector routes below `/v1/tenants/:tenant`. Reads (query, search, get-by-ids, calibrate)
 * declare `scope: "read"`; write and query routes accept 32 MiB bodies (a maximal JSON write of
 * 1,000 × 1,536 floats), the others 1 MiB. Bodies are shaped with zod; the API checks limits.
 * @module
 */
import { json, parseOrThrow, type Route } from "@durable/core";
import * as z from "zod/mini";
import type { VectorApi } from "./api.ts";
import type { LabelledPair } from "./embed/calibrate.ts";
import type { QueryOptions } from "./types.ts";

/** Body cap of the write and query routes. */
export const LARGE_BODY_BYTES = 32 * 1024 * 1024;
/** Body cap of the other routes. */
export const SMALL_BODY_BYTES = 1024 * 1024;

const VectorsBody = z.object({ vectors: z.array(z.unknown()) });
const ItemsBody = z.object({
  items: z.array(z.object({ id: z.string(), text: z.unknown(), metadata: z.optional(z.unknown()) })),
});
const IdsBody = z.object({ ids: z.array(z.unknown()) });
const QueryFields = {
  topK: z.optional(z.unknown()),
  filter: z.optional(z.unknown()),
  namespace: z.optional(z.unknown()),
  returnValues: z.optional(z.unknown()),
  returnMetadata: z.optional(z.unknown()),
  nprobe: z.optional(z.unknown()),
};
const QueryBody = z.strictObject({ vector: z.unknown(), ...QueryFields });
const SearchBody = z.strictObject({ text: z.unknown(), ...QueryFields });
const CalibrateBody = z.object({ pairs: z.array(z.unknown()) });

function options(body: Record<string, unknown>): QueryOptions {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(QueryFields)) if (body[key] !== undefined) out[key] = body[key];
  return out as QueryOptions;
}

/** The routes of the vector capability over its API. */
export function vectorRoutes(api: VectorApi): Route[] {
  const name = (params: Record<string, string>) => params.name ?? "";
  return [
    {
      method: "POST",
      path: "/vector/indexes",
      handle: async ({ body }) => json(await api.createVectorIndex(body), 201),
    },
    { method: "GET", path: "/vector/indexes", handle: async () => ({ indexes: await api.listVectorIndexes() }) },
    { method: "GET", path: "/vector/indexes/:name", handle: ({ params }) => api.describeVectorIndex(name(params)) },
    { method: "DELETE", path: "/vector/indexes/:name", handle: ({ params }) => api.deleteVectorIndex(name(params)) },
    {
      method: "POST",
      path: "/vector/indexes/:name/insert",
      maxBodyBytes: LARGE_BODY_BYTES,
      handle: ({ params, body }) => api.insertVectors(name(params), parseOrThrow(VectorsBody, body).vectors as never),
    },
    {
      method: "POST",
      path: "/vector/indexes/:name/upsert",
      maxBodyBytes: LARGE_BODY_BYTES,
      handle: ({ params, body }) => api.upsertVectors(name(params), parseOrThrow(VectorsBody, body).vectors as never),
    },
    {
      method: "POST",
      path: "/vector/indexes/:name/upsert-text",
      maxBodyBytes: LARGE_BODY_BYTES,
      handle: ({ params, body }) => api.upsertText(name(params), parseOrThrow(ItemsBody, body).items as never),
    },
    {
      method: "POST",
      path: "/vector/indexes/:name/get-by-ids",
      scope: "read",
      handle: ({ params, body }) => api.getVectorsByIds(name(params), parseOrThrow(IdsBody, body).ids as string[]),
    },
    {
      method: "POST",
      path: "/vector/indexes/:name/delete-by-ids",
      maxBodyBytes: LARGE_BODY_BYTES,
      handle: ({ params, body }) => api.deleteVectorsByIds(name(params), parseOrThrow(IdsBody, body).ids as string[]),
    },
    {
      method: "POST",
      path: "/vector/indexes/:name/query",
      scope: "read",
      maxBodyBytes: LARGE_BODY_BYTES,
      handle: ({ params, body }) => {
        const b = parseOrThrow(QueryBody, body);
        return api.queryVectors(name(params), b.vector as number[], options(b));
      },
    },
    {
      method: "POST",
      path: "/vector/indexes/:name/search",
      scope: "read",
      maxBodyBytes: LARGE_BODY_BYTES,
      handle: ({ params, body }) => {
        const b = parseOrThrow(SearchBody, body);
        return api.searchText(name(params), b.text as string, options(b));
      },
    },
    {
      method: "POST",
      path: "/vector/calibrate",
      scope: "read",
      handle: ({ body }) => api.calibrate(parseOrThrow(CalibrateBody, body).pairs as LabelledPair[]),
    },
  ];
}
