/**
 * The scan routes (`GET /tables/:name/rows`, `POST /tables/:name/query`) answered in Arrow:
 * every column keeps its catalog type on every page, the rows read back with apache-arrow equal
 * the JSON answer's rows (nulls included), paging through 10,000 rows by `x-cursor` gives the
 * same rows as paging by the JSON cursor, and the JSON answer is the one the route always gave.
 */

import { json, PlatformError, type RouteRequest, type TabularResult } from "@durable/core";
import { arrowResponse } from "@durable/core/arrow";
import { tableFromIPC } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonSafe, tablesRoutes } from "../src/routes.ts";
import { open } from "./helpers.ts";

const SPEC = {
  name: "things",
  columns: [
    { name: "id", type: "integer" },
    { name: "score", type: "real" },
    { name: "label", type: "text" },
    { name: "data", type: "blob" },
    { name: "flag", type: "boolean" },
    { name: "at", type: "timestamp" },
    { name: "doc", type: "json" },
  ],
  primaryKey: "id",
};
const TYPES = ["Int64", "Float64", "Utf8", "Binary", "Bool", "Timestamp<MILLISECOND, UTC>", "Utf8"];

function setup() {
  const { tables } = open();
  tables.createTable(SPEC);
  const routes = tablesRoutes(tables);
  const route = (method: string, path: string) => {
    const r = routes.find((x) => x.method === method && x.path === path);
    if (!r) throw new Error(`no route ${method} ${path}`);
    return r;
  };
  const call = async (method: string, path: string, query = "", body?: unknown) =>
    (await route(method, path).handle({
      params: { name: "things" },
      query: new URLSearchParams(query),
      body,
      tenant: "t",
      requestId: "r",
      request: new Request(`http://x/tables/things/rows?${query}`),
    } as RouteRequest)) as TabularResult;
  return { tables, call, route };
}

/** A decoded Arrow row in the JSON answer's form (Int64 → number, bytes → base64, json text → value). */
function jsonFormOf(row: Record<string, unknown>, types: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const tag = types.get(k);
    if (v === null) out[k] = null;
    else if (typeof v === "bigint") out[k] = Number(v);
    else if (v instanceof Uint8Array) out[k] = Buffer.from(v).toString("base64");
    else if (tag === "json") out[k] = JSON.parse(v as string);
    else out[k] = v;
  }
  return out;
}

async function decodeArrow(result: TabularResult) {
  const res = arrowResponse(result);
  const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
  const tags = new Map(table.schema.fields.map((f) => [f.name, f.metadata.get("durable:type") ?? ""]));
  return {
    header: res.headers.get("x-cursor"),
    cursor: table.schema.metadata.get("cursor") ?? null,
    types: table.schema.fields.map((f) => String(f.type)),
    names: table.schema.fields.map((f) => f.name),
    rows: table.toArray().map((r) => jsonFormOf(r.toJSON() as Record<string, unknown>, tags)),
  };
}

const row = (i: number) => ({
  id: i,
  score: i % 7 === 0 ? null : i / 8 - 300,
  label: i % 11 === 0 ? "" : `label-${i}-é`,
  data: i % 5 === 0 ? null : new Uint8Array([i & 255, (i >> 8) & 255]),
  flag: i % 3 === 0 ? null : i % 2 === 0,
  at: i % 13 === 0 ? null : (i - 5000) * 86_400_000,
  doc: i % 17 === 0 ? null : { i, tags: [String(i)], nested: { ok: i % 2 === 0 } },
});

describe("the scan routes in Arrow", () => {
  it("10,000 rows paged by x-cursor equal the same rows paged by the JSON cursor; one schema on every page", {
    timeout: 30_000,
  }, async () => {
    const { tables, call } = setup();
    for (let from = 0; from < 10_000; from += 2_500) {
      tables.write(
        "things",
        Array.from({ length: 2_500 }, (_, k) => row(from + k)),
      );
    }
    const jsonRows: unknown[] = [];
    let cursor: string | null = null;
    let jsonPages = 0;
    do {
      const query: string = `limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = JSON.parse(await json(await call("GET", "/tables/:name/rows", query)).text());
      jsonRows.push(...page.rows);
      cursor = page.cursor;
      jsonPages++;
    } while (cursor);
    const arrowRows: unknown[] = [];
    cursor = null;
    let arrowPages = 0;
    do {
      const query: string = `limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await decodeArrow(await call("GET", "/tables/:name/rows", query));
      expect(page.types).toEqual(TYPES);
      expect(page.cursor).toBe(page.header);
      arrowRows.push(...page.rows);
      cursor = page.header;
      arrowPages++;
    } while (cursor);
    expect([jsonPages, arrowPages]).toEqual([10, 10]);
    expect(arrowRows).toHaveLength(10_000);
    expect(arrowRows).toEqual(jsonRows);
  });

  it("the JSON answer is the route's JSON body as before: rows with base64 blobs, and the cursor", async () => {
    const { tables, call } = setup();
    tables.write("things", [row(1), row(2), row(3)]);
    const result = await call("GET", "/tables/:name/rows", "limit=2");
    const page = tables.scan("things", { limit: 2 });
    expect(await json(result).text()).toBe(JSON.stringify({ rows: page.rows.map(jsonSafe), cursor: page.cursor }));
  });

  it("columns= keeps only those columns, in that order, with their types (GET and POST /query)", async () => {
    const { tables, call } = setup();
    tables.write("things", [row(1), row(2)]);
    const get = await decodeArrow(await call("GET", "/tables/:name/rows", "columns=flag,id,doc"));
    const post = await decodeArrow(await call("POST", "/tables/:name/query", "", { columns: ["flag", "id", "doc"] }));
    for (const page of [get, post]) {
      expect(page.names).toEqual(["flag", "id", "doc"]);
      expect(page.types).toEqual(["Bool", "Int64", "Utf8"]);
      expect(page.rows).toEqual(
        JSON.parse(await json(await call("GET", "/tables/:name/rows", "columns=flag,id,doc")).text()).rows,
      );
    }
  });

  it("an empty table answers a schema with every column typed and no rows", async () => {
    const { call } = setup();
    const page = await decodeArrow(await call("GET", "/tables/:name/rows"));
    expect([page.types, page.rows, page.header]).toEqual([TYPES, [], null]);
  });

  it("an unknown projected column is 400 INVALID_INPUT before anything is encoded", async () => {
    const { call } = setup();
    await expect(call("GET", "/tables/:name/rows", "columns=id,nope")).rejects.toThrow(PlatformError);
    await expect(call("GET", "/tables/:name/rows", "columns=id,nope")).rejects.toThrow(
      "[INVALID_INPUT] columns: unknown column nope",
    );
  });

  it("the scan routes are marked tabular", () => {
    const { route } = setup();
    expect(route("GET", "/tables/:name/rows").tabular).toBe(true);
    expect(route("POST", "/tables/:name/query").tabular).toBe(true);
    expect(route("GET", "/tables/:name/rows/:key").tabular).toBeUndefined();
  });

  it("property: stored rows of every type (nulls, extremes, before 1970) read back in Arrow as JSON has them", async () => {
    const value = {
      score: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
      label: fc.option(fc.string({ unit: "binary", maxLength: 12 }), { nil: null }),
      data: fc.option(fc.uint8Array({ maxLength: 12 }), { nil: null }),
      flag: fc.option(fc.boolean(), { nil: null }),
      at: fc.option(fc.integer({ min: -8.64e15, max: 8.64e15 }), { nil: null }),
      doc: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: null }),
    };
    const ids = fc.uniqueArray(fc.oneof(fc.maxSafeInteger(), fc.constantFrom(Number.MIN_SAFE_INTEGER, 0)), {
      minLength: 1,
      maxLength: 20,
    });
    const { tables, call } = setup();
    await fc.assert(
      fc.asyncProperty(ids, fc.array(fc.record(value), { minLength: 20, maxLength: 20 }), async (keys, values) => {
        tables.dropTable("things", true);
        tables.createTable(SPEC);
        tables.write(
          "things",
          keys.map((id, k) => ({ id, ...values[k] })),
        );
        const result = await call("GET", "/tables/:name/rows", "limit=1000");
        const answer = JSON.parse(await json(result).text());
        expect(answer.rows).toHaveLength(keys.length);
        expect((await decodeArrow(result)).rows).toEqual(answer.rows);
      }),
      { numRuns: 25 },
    );
  }, 30_000);
});
