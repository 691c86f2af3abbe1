/**
 * The HTTP routes of the tables capability, below `/v1/tenants/:tenant`. JSON in and out;
 * blobs travel as base64 strings.
 * @module
 */
import {
  json,
  PlatformError,
  parseOrThrow,
  type Route,
  type RouteRequest,
  type TabularResult,
  tabular,
} from "@durable/core";
import * as z from "zod/mini";
import { toBase64 } from "./column-types.ts";
import type { ScanPage } from "./scan.ts";
import type { Tables } from "./tables.ts";

/** Largest body of a row write: 10,000 rows of up to ~1 KB, or a few large rows (10 MiB). */
export const MAX_WRITE_BODY_BYTES = 10 * 1024 * 1024;

const WriteBodySchema = z.strictObject({
  rows: z.array(z.unknown()),
  mode: z._default(z.enum(["insert", "upsert"]), "insert"),
});
const DeleteBodySchema = z.strictObject({ keys: z.array(z.unknown()) });
const PatchBodySchema = z.strictObject({ set: z.record(z.string(), z.unknown()) });
const CountBodySchema = z.optional(z.strictObject({ where: z.optional(z.unknown()) }));
const QueryBodySchema = z.optional(
  z.strictObject({
    where: z.optional(z.unknown()),
    orderBy: z.optional(z.string()),
    order: z.optional(z.enum(["asc", "desc"])),
    limit: z.optional(z.number()),
    cursor: z.optional(z.nullable(z.string())),
    columns: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(100))),
  }),
);

/**
 * Largest body of a read by POST (`/count`, `/query`): a predicate may hold `in` lists of up to
 * 2 MiB each (docs/tables.md); 8 MiB takes several and the rest of the query.
 */
export const MAX_PREDICATE_BODY_BYTES = 8 * 1024 * 1024;

/**
 * A scan page as a tabular result (JSON, or Arrow with the catalog's column types): only
 * `columns` (in their order), all columns without a list. The JSON body `{rows, cursor}` is
 * built only when JSON is sent.
 * @throws {INVALID_INPUT} 400 naming an unknown column
 */
function scanAnswer(tables: Tables, table: string, page: ScanPage, columns: string[] | undefined): TabularResult {
  const codec = tables.rows.codec(table);
  const names = columns ?? codec.columns.map((c) => c.name);
  const typed = names.map((name) => {
    const col = codec.column(name);
    if (!col) throw new PlatformError("INVALID_INPUT", `columns: unknown column ${name}`, { status: 400 });
    return { name, type: col.type };
  });
  const rows = page.rows;
  const project = (r: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const c of names) out[c] = r[c];
    return jsonSafe(out);
  };
  return tabular({
    columns: typed,
    rows,
    cursor: page.cursor,
    json: () => ({ rows: columns ? rows.map(project) : rows.map(jsonSafe), cursor: page.cursor }),
  });
}

/** Replaces byte arrays by base64 strings, for JSON. */
export function jsonSafe(row: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in row) {
    const v = row[key];
    if (v instanceof Uint8Array) {
      out ??= { ...row };
      out[key] = toBase64(v);
    }
  }
  return out ?? row;
}

/** The raw (still percent-encoded) last path segment: composite keys keep their `,` apart. */
function rawKeySegment(req: RouteRequest): string {
  const path = new URL(req.request.url).pathname;
  return path.slice(path.lastIndexOf("/") + 1);
}

function param(req: RouteRequest, name: string): string {
  return req.params[name] ?? "";
}

/**
 * Builds the routes over a {@link Tables}.
 * @param tables the tenant's tables
 */
export function tablesRoutes(tables: Tables): Route[] {
  return [
    { method: "POST", path: "/tables", handle: (req) => json(tables.createTable(req.body), 201) },
    { method: "GET", path: "/tables", handle: () => ({ tables: tables.listTables() }) },
    { method: "GET", path: "/tables/:name", handle: (req) => tables.describeTable(param(req, "name")) },
    {
      method: "DELETE",
      path: "/tables/:name",
      handle: (req) => {
        const force = req.query.get("force");
        tables.dropTable(param(req, "name"), force === "true" || force === "1");
        return new Response(null, { status: 204 });
      },
    },
    { method: "POST", path: "/tables/:name/columns", handle: (req) => tables.addColumn(param(req, "name"), req.body) },
    { method: "POST", path: "/tables/:name/indexes", handle: (req) => tables.addIndex(param(req, "name"), req.body) },
    {
      method: "DELETE",
      path: "/tables/:name/indexes/:index",
      handle: (req) => tables.dropIndex(param(req, "name"), param(req, "index")),
    },
    {
      method: "POST",
      path: "/tables/:name/rows",
      maxBodyBytes: MAX_WRITE_BODY_BYTES,
      handle: (req) => {
        const table = param(req, "name");
        tables.catalog.get(table);
        const body = parseOrThrow(WriteBodySchema, req.body, "INVALID_ROW");
        return tables.write(table, body.rows, body.mode);
      },
    },
    {
      method: "GET",
      path: "/tables/:name/rows",
      tabular: true,
      handle: (req) => {
        const q = req.query;
        const limit = q.get("limit");
        const order = q.get("order");
        const page = tables.scan(param(req, "name"), {
          where: q.get("where") ?? undefined,
          orderBy: q.get("orderBy") ?? undefined,
          order: order === "desc" ? "desc" : order === "asc" || order === null ? "asc" : (order as never),
          limit: limit === null ? undefined : Number(limit),
          cursor: q.get("cursor") ?? undefined,
        });
        const columns = q.get("columns");
        return scanAnswer(tables, param(req, "name"), page, columns ? columns.split(",") : undefined);
      },
    },
    {
      method: "POST",
      path: "/tables/:name/query",
      // A scan whose options are a body (a predicate too large for a URL): a read-only token may call it.
      scope: "read",
      maxBodyBytes: MAX_PREDICATE_BODY_BYTES,
      tabular: true,
      handle: (req) => {
        const table = param(req, "name");
        const body = parseOrThrow(QueryBodySchema, req.body, "INVALID_INPUT") ?? {};
        const page = tables.scan(table, {
          where: body.where as never,
          orderBy: body.orderBy,
          order: body.order,
          limit: body.limit,
          cursor: body.cursor ?? undefined,
        });
        return scanAnswer(tables, table, page, body.columns);
      },
    },
    {
      method: "DELETE",
      path: "/tables/:name/rows",
      maxBodyBytes: MAX_WRITE_BODY_BYTES,
      handle: (req) => {
        const table = param(req, "name");
        tables.catalog.get(table);
        return tables.delete(table, parseOrThrow(DeleteBodySchema, req.body, "INVALID_KEY").keys);
      },
    },
    {
      method: "GET",
      path: "/tables/:name/rows/:key",
      handle: (req) => {
        const table = param(req, "name");
        const key = tables.rows.codec(table).parseUrlKey(rawKeySegment(req));
        return jsonSafe(tables.rows.getByStoredKey(table, key));
      },
    },
    {
      method: "PATCH",
      path: "/tables/:name/rows/:key",
      handle: (req) => {
        const table = param(req, "name");
        const key = tables.rows.codec(table).parseUrlKey(rawKeySegment(req));
        const body = parseOrThrow(PatchBodySchema, req.body, "INVALID_ROW");
        return jsonSafe(tables.rows.updateByStoredKey(table, key, body.set));
      },
    },
    {
      method: "POST",
      path: "/tables/:name/count",
      // A read sent as POST (its predicate is a body): a read-only token may call it.
      scope: "read",
      maxBodyBytes: MAX_PREDICATE_BODY_BYTES,
      handle: (req) => {
        const body = parseOrThrow(CountBodySchema, req.body, "INVALID_PREDICATE");
        return { count: tables.count(param(req, "name"), body?.where as never) };
      },
    },
  ];
}
