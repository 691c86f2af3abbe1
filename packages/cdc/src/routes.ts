/**
 * The `/cdc/...` HTTP routes (below `/v1/tenants/:tenant`): tracked tables, consumers, pull
 * with commit and seek, reads without an offset, the DLQ and metrics.
 * @module
 */
import { json, parseOrThrow, type Route } from "@durable/core";
import * as z from "zod/mini";
import type { Cdc } from "./cdc.ts";
import { cdcError } from "./errors.ts";
import { LsnBodySchema, TrackBodySchema } from "./schemas.ts";

function intParam(value: string | null, name: string): number | undefined {
  if (value === null || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) throw cdcError("INVALID_INPUT", `${name} must be an integer`);
  return Number(value);
}

const Lsns = z.array(z.int()).check(z.maxLength(10_000));
const ReplaySchema = z.strictObject({ consumer: z.string(), lsns: z.optional(Lsns) });
const DlqDeleteSchema = z
  .strictObject({ consumer: z.string(), lsns: z.optional(Lsns), olderThanMs: z.optional(z.int().check(z.gte(0))) })
  .check(z.refine((b) => b.lsns !== undefined || b.olderThanMs !== undefined, "give lsns or olderThanMs"));

/** The routes of the cdc capability. */
export function cdcRoutes(cdc: Cdc): Route[] {
  return [
    {
      method: "POST",
      path: "/cdc/tables",
      handle: ({ body }) => {
        const { table, ...options } = parseOrThrow(TrackBodySchema, body, "INVALID_INPUT");
        const { created, ...result } = cdc.track(table, options);
        return json(result, created ? 201 : 200);
      },
    },
    { method: "GET", path: "/cdc/tables", handle: () => ({ tables: cdc.tracked() }) },
    {
      method: "DELETE",
      path: "/cdc/tables/:table",
      handle: ({ params }) => {
        cdc.untrack(params.table ?? "");
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "GET",
      path: "/cdc/tables/:table/schemas/:version",
      handle: ({ params }) => cdc.schema(params.table ?? "", intParam(params.version ?? "", "version") ?? 0),
    },
    {
      method: "POST",
      path: "/cdc/consumers",
      handle: ({ body }) => json(cdc.createConsumer(body), 201),
    },
    { method: "GET", path: "/cdc/consumers", handle: () => ({ consumers: cdc.listConsumers() }) },
    { method: "GET", path: "/cdc/consumers/:name", handle: ({ params }) => cdc.getConsumer(params.name ?? "") },
    {
      method: "DELETE",
      path: "/cdc/consumers/:name",
      handle: ({ params }) => {
        cdc.deleteConsumer(params.name ?? "");
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "GET",
      path: "/cdc/consumers/:name/events",
      handle: ({ params, query }) => {
        const limit = intParam(query.get("limit"), "limit");
        return cdc.pull(params.name ?? "", limit === undefined ? {} : { limit });
      },
    },
    {
      method: "POST",
      path: "/cdc/consumers/:name/commit",
      handle: ({ params, body }) => {
        const { lsn } = parseOrThrow(LsnBodySchema, body, "INVALID_OFFSET");
        cdc.commit(params.name ?? "", lsn);
        return { committed: lsn };
      },
    },
    {
      method: "POST",
      path: "/cdc/consumers/:name/seek",
      handle: ({ params, body }) => {
        const { lsn } = parseOrThrow(LsnBodySchema, body, "INVALID_OFFSET");
        cdc.seek(params.name ?? "", lsn);
        return { seeked: lsn };
      },
    },
    {
      method: "GET",
      path: "/cdc/events",
      handle: ({ query }) => {
        const since = intParam(query.get("since"), "since");
        const limit = intParam(query.get("limit"), "limit");
        const tables = query.get("tables")?.split(",").filter(Boolean);
        return cdc.read({
          ...(since === undefined ? {} : { since }),
          ...(limit === undefined ? {} : { limit }),
          ...(tables ? { tables } : {}),
        });
      },
    },
    {
      method: "GET",
      path: "/cdc/dlq",
      handle: ({ query }) => {
        const limit = intParam(query.get("limit"), "limit");
        return { entries: cdc.dlq.list(query.get("consumer") ?? "", limit ?? 100) };
      },
    },
    {
      method: "POST",
      path: "/cdc/dlq/replay",
      handle: async ({ body }) => {
        const { consumer, lsns } = parseOrThrow(ReplaySchema, body, "INVALID_INPUT");
        return cdc.dlq.replay(consumer, lsns);
      },
    },
    {
      method: "DELETE",
      path: "/cdc/dlq",
      handle: ({ body }) => {
        const { consumer, lsns, olderThanMs } = parseOrThrow(DlqDeleteSchema, body, "INVALID_INPUT");
        return cdc.dlq.delete(consumer, {
          ...(lsns ? { lsns } : {}),
          ...(olderThanMs === undefined ? {} : { olderThanMs }),
        });
      },
    },
    { method: "GET", path: "/cdc/metrics", handle: () => cdc.metrics() },
  ];
}
