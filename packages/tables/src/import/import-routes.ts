/**
 * The import routes of the tables capability: `POST /tables/:name/import` (a CSV or NDJSON body
 * read as a stream), `POST /tables/infer` (the proposed table for a sample, nothing created),
 * and the import records (`GET /tables/:name/imports[/:id]`).
 * @module
 */
import { json, type Route, type RouteRequest } from "@durable/core";
import { tablesError } from "../errors.ts";
import type { Tables } from "../tables.ts";
import { formatOf, MAX_IMPORT_BYTES, parseImportOptions } from "./import-options.ts";
import type { TableImports } from "./importer.ts";
import { INFER_SAMPLE_ROWS, inferSpec } from "./infer.ts";
import { type AnyRecord, recordGroups, sampleOf } from "./record-stream.ts";

/** Largest body `POST /tables/infer` reads: a sample, not a whole file. */
export const MAX_INFER_BYTES = 10 * 1024 * 1024;

function declaredLength(req: RouteRequest): number | undefined {
  const header = req.request.headers.get("content-length");
  const n = header === null ? Number.NaN : Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Builds the import routes.
 * @param tables the tenant's tables
 * @param imports the import runner over them
 */
export function importRoutes(tables: Tables, imports: TableImports): Route[] {
  return [
    {
      method: "POST",
      path: "/tables/:name/import",
      body: "stream",
      maxBodyBytes: MAX_IMPORT_BYTES,
      handle: async (req) => {
        const format = formatOf(req.request.headers.get("content-type"));
        const options = parseImportOptions(req.query);
        const table = req.params.name ?? "";
        const result = await imports.run({
          table,
          body: req.request.body,
          format,
          options,
          bytesTotal: declaredLength(req),
        });
        const location = `/v1/tenants/${req.tenant}/tables/${table}/imports/${result.importId}`;
        return json(result, result.job ? 202 : 200, { location });
      },
    },
    {
      method: "POST",
      path: "/tables/infer",
      body: "stream",
      maxBodyBytes: MAX_INFER_BYTES,
      handle: async (req) => {
        const format = formatOf(req.request.headers.get("content-type"));
        const name = req.query.get("name") ?? "imported";
        const query = new URLSearchParams(req.query);
        query.delete("name");
        const options = parseImportOptions(query);
        const records: AnyRecord[] = [];
        const groups = recordGroups(req.request.body, format, options, MAX_INFER_BYTES, () => {});
        try {
          for await (const group of groups) {
            records.push(...group);
            if (records.length > INFER_SAMPLE_ROWS) break;
          }
        } finally {
          await groups.return(undefined);
        }
        if (records.length === 0) throw tablesError("INVALID_IMPORT", "the body holds no record", 400);
        const sample = sampleOf(records, format, options.header, options.null);
        return inferSpec(name, sample.headers, sample.columns, format, options.key);
      },
    },
    {
      method: "GET",
      path: "/tables/:name/imports",
      handle: (req) => {
        const table = req.params.name ?? "";
        tables.catalog.get(table);
        return { imports: imports.store.list(table) };
      },
    },
    {
      method: "GET",
      path: "/tables/:name/imports/:id",
      handle: (req) => imports.status(req.params.name ?? "", req.params.id ?? ""),
    },
  ];
}
