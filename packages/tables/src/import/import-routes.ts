/**
 * The import routes of the tables capability: `POST /tables/:name/import` (a CSV or NDJSON body
 * read as a stream), `POST /tables/infer` (the proposed table for a sample, nothing created),
 * and the import records (`GET /tables/:name/imports[/:id]`).
 * @module
 */
import { errorResponse, json, PlatformError, type Route, type RouteRequest } from "@durable/core";
import { tablesError } from "../errors.ts";
import type { Tables } from "../tables.ts";
import { formatOf, MAX_IMPORT_BYTES, parseImportOptions } from "./import-options.ts";
import type { ImportRequest, ImportResult, TableImports } from "./importer.ts";
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
 * Runs an import and answers it. A small import answers when it is done (200, or its error). A
 * job answers 202 as soon as it is one (the `Location` of its record and `import-id` headers
 * go out at once) and keeps reading the body while that answer is open; the report (or the
 * error body) is the answer's body, written when the import ends. Not `waitUntil`: workerd
 * cuts a request body off once its response was sent ("Can't read from request stream after
 * response has been sent"; spikes/tables/body-after-response.ts), so the body has to be read
 * while the response is still streaming.
 */
async function answerImport(
  imports: TableImports,
  request: Omit<ImportRequest, "onJob">,
  at: { location: (id: string) => string; requestId: string },
): Promise<Response> {
  let becameJob: (id: string) => void = () => {};
  const job = new Promise<string>((resolve) => {
    becameJob = resolve;
  });
  const run = imports.run({ ...request, onJob: (id) => becameJob(id) });
  const first = await Promise.race([run.then((result) => ({ result })), job.then((id) => ({ id }))]);
  if ("result" in first) {
    const result: ImportResult = first.result;
    return json(result, result.job ? 202 : 200, { location: at.location(result.importId) });
  }
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const finish = async (body: string) => {
    await writer.write(new TextEncoder().encode(body));
    await writer.close();
  };
  // The report, or the error as its error body would be (the status is already sent: 202).
  void run
    .then(
      (result) => finish(JSON.stringify(result)),
      async (err: unknown) => {
        if (!(err instanceof PlatformError)) {
          console.error(JSON.stringify({ level: "error", requestId: at.requestId, error: String(err) }));
        }
        await finish(await errorResponse(err, at.requestId).text());
      },
    )
    // A client that went away cannot be told; its import record says what happened.
    .catch(() => {});
  return new Response(readable, {
    status: 202,
    headers: {
      "content-type": "application/json; charset=utf-8",
      location: at.location(first.id),
      "import-id": first.id,
    },
  });
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
      handle: (req) => {
        const format = formatOf(req.request.headers.get("content-type"));
        const options = parseImportOptions(req.query);
        const table = req.params.name ?? "";
        const location = (id: string) => `/v1/tenants/${req.tenant}/tables/${table}/imports/${id}`;
        return answerImport(
          imports,
          { table, body: req.request.body, format, options, bytesTotal: declaredLength(req) },
          {
            location,
            requestId: req.requestId,
          },
        );
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
