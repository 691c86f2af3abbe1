/**
 * The `/cdc/...` HTTP routes (below `/v1/tenants/:tenant`): tracked tables, consumers, pull
 * with commit and seek, reads without an offset, the DLQ and metrics.
 * @module
 */
import { json, parseOrThrow, type Route, type TabularColumn, type TabularResult, tabular } from "@durable/core";
import * as z from "zod/mini";
import type { Cdc } from "./cdc.ts";
import { cdcError } from "./errors.ts";
import { LsnBodySchema, TrackBodySchema } from "./schemas.ts";
import type { ChangeEvent } from "./types.ts";

/**
 * The columns of change events in Arrow (docs/arrow.md): the envelope flattened, the source
 * block's fields by their own names (its `ts_ms`, the commit time, as `source_ts_ms`), row
 * images as JSON text.
 */
export const EVENT_COLUMNS: readonly TabularColumn[] = [
  { name: "id", type: "text" },
  { name: "op", type: "text" },
  { name: "tenant", type: "text" },
  { name: "table", type: "text" },
  { name: "lsn", type: "integer" },
  { name: "txId", type: "integer" },
  { name: "schemaVersion", type: "integer" },
  { name: "source_ts_ms", type: "timestamp" },
  { name: "ts_ms", type: "timestamp" },
  { name: "key", type: "json" },
  { name: "before", type: "json" },
  { name: "after", type: "json" },
];

/** Events as a tabular result whose JSON answer is `body`, unchanged. */
function eventsAnswer(
  events: ChangeEvent[],
  body: unknown,
  page: { cursor?: string | null; metadata?: Record<string, string> },
): TabularResult {
  // Flattened only for an Arrow answer: a JSON answer is `body` as it is.
  const rows = () =>
    events.map((e) => ({
      id: e.id,
      op: e.op,
      tenant: e.source.tenant,
      table: e.source.table,
      lsn: e.source.lsn,
      txId: e.source.txId,
      schemaVersion: e.source.schemaVersion,
      source_ts_ms: e.source.ts_ms,
      ts_ms: e.ts_ms,
      key: e.key,
      before: e.before,
      after: e.after,
    }));
  return tabular({ columns: EVENT_COLUMNS, rows, json: body, ...page });
}

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
      tabular: true,
      handle: ({ params, query }) => {
        const limit = intParam(query.get("limit"), "limit");
        const out = cdc.pull(params.name ?? "", limit === undefined ? {} : { limit });
        // No cursor: the next pull starts after the committed offset; nextLsn is what to commit.
        return eventsAnswer(out.events, out, {
          metadata: { nextLsn: String(out.nextLsn), hasMore: String(out.hasMore) },
        });
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
      tabular: true,
      handle: ({ query }) => {
        const since = intParam(query.get("since"), "since");
        const limit = intParam(query.get("limit"), "limit");
        const tables = query.get("tables")?.split(",").filter(Boolean);
        const out = cdc.read({
          ...(since === undefined ? {} : { since }),
          ...(limit === undefined ? {} : { limit }),
          ...(tables ? { tables } : {}),
        });
        // The next page's `since` is the cursor.
        return eventsAnswer(out.events, out, { cursor: out.next === null ? null : String(out.next) });
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
