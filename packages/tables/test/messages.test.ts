/**
 * Pins the exact messages of bad definitions, rows, keys, route bodies and import options, so
 * that a change of zod flavour (full zod → zod/mini with the English locale) cannot change what
 * clients read.
 */
import { describe, expect, it } from "vitest";
import { parseImportOptions } from "../src/import/import-options.ts";
import { tablesRoutes } from "../src/routes.ts";
import { failure, open } from "./helpers.ts";

const ALL = {
  name: "f",
  columns: [
    { name: "id", type: "integer" },
    { name: "b", type: "boolean" },
    { name: "bl", type: "blob" },
    { name: "ts", type: "timestamp" },
    { name: "j", type: "json" },
    { name: "r", type: "real" },
    { name: "t", type: "text", nullable: false, default: "x" },
  ],
  primaryKey: "id",
};
const withColumn = (c: object) => ({ ...ALL, columns: [{ name: "id", type: "integer" }, c] });

describe("createTable messages (INVALID_SCHEMA)", () => {
  it.each([
    [
      "an unknown type",
      { ...ALL, columns: [{ name: "id", type: "decimal" }] },
      'columns[0].type: Invalid option: expected one of "integer"|"real"|"text"|"blob"|"boolean"|"timestamp"|"json"',
    ],
    ["a numeric name", { ...ALL, name: 5 }, "name: Invalid input: expected string, received number"],
    ["a bad name", { ...ALL, name: "Bad" }, "name: table name must match [a-z][a-z0-9_]{0,47}"],
    ["no columns", { ...ALL, columns: [] }, "columns: Too small: expected array to have >=1 items"],
    [
      "101 columns",
      {
        name: "w",
        columns: Array.from({ length: 101 }, (_, i) => ({ name: `c${i}`, type: "integer" })),
        primaryKey: "c0",
      },
      "columns: Too big: expected array to have <=100 items",
    ],
    [
      "a string nullable",
      { ...ALL, columns: [{ name: "id", type: "integer", nullable: "yes" }] },
      "columns[0].nullable: Invalid input: expected boolean, received string",
    ],
    ["a numeric primary key", { ...ALL, primaryKey: 5 }, "primaryKey: Invalid input"],
    ["an empty primary key", { ...ALL, primaryKey: [] }, "primaryKey: Too small: expected array to have >=1 items"],
    [
      "an index without columns",
      { ...ALL, indexes: [{ columns: [] }] },
      "indexes[0].columns: Too small: expected array to have >=1 items",
    ],
    [
      "a bad index name",
      { ...ALL, indexes: [{ name: "X", columns: ["id"] }] },
      "indexes[0].name: index name must match [a-z][a-z0-9_]{0,47}",
    ],
    ["an extra key", { ...ALL, owner: 1 }, '(root): Unrecognized key: "owner"'],
    [
      "missing fields",
      { name: "x" },
      "columns: Invalid input: expected array, received undefined; primaryKey: Invalid input",
    ],
    ["not an object", "x", "(root): Invalid input: expected object, received string"],
    [
      "an integer default of text",
      withColumn({ name: "n", type: "integer", default: "x" }),
      "columns[1].default: Invalid input: expected number, received string",
    ],
    [
      "a bad timestamp default",
      withColumn({ name: "n", type: "timestamp", default: "nope" }),
      "columns[1].default: timestamp must be epoch ms or an ISO 8601 string",
    ],
    [
      "a boolean default of 3",
      withColumn({ name: "n", type: "boolean", default: 3 }),
      "columns[1].default: boolean must be true, false, 0 or 1",
    ],
    [
      "a json default that is not JSON",
      withColumn({ name: "n", type: "json", default: { a: undefined, b: [1n] } }),
      "columns[1].default: Invalid input",
    ],
  ])("%s", (_, spec, detail) => {
    const { tables } = open();
    expect(failure(() => tables.createTable(spec))).toBe(`INVALID_SCHEMA 400 ${detail}`);
  });
});

describe("row, key and predicate value messages", () => {
  const { tables } = open();
  tables.createTable(ALL);
  it.each([
    [{ id: "x" }, "rows[0].id: Invalid input: expected number, received string"],
    [{ id: 1.5 }, "rows[0].id: Invalid input: expected int, received number"],
    [{ id: 2 ** 60 }, "rows[0].id: Too big: expected int to be <=9007199254740991"],
    [{ id: Number.POSITIVE_INFINITY }, "rows[0].id: Invalid input: expected number, received Infinity"],
    [{ id: 1, b: 2 }, "rows[0].b: boolean must be true, false, 0 or 1"],
    [{ id: 1, bl: 5 }, "rows[0].bl: blob must be bytes or a base64 string"],
    [{ id: 1, bl: "%%%" }, "rows[0].bl: blob must be bytes or a base64 string"],
    [{ id: 1, ts: "yesterday" }, "rows[0].ts: timestamp must be epoch ms or an ISO 8601 string"],
    [{ id: 1, ts: {} }, "rows[0].ts: timestamp must be epoch ms or an ISO 8601 string"],
    [{ id: 1, r: "x" }, "rows[0].r: Invalid input: expected number, received string"],
    [{ id: 1, r: Number.NaN }, "rows[0].r: Invalid input: expected number, received NaN"],
    [{ id: 1, t: 5 }, "rows[0].t: Invalid input: expected string, received number"],
    [{ id: 1, t: null }, "rows[0].t: Invalid input: expected string, received null"],
    [{ id: 1, j: "x".repeat(1024 * 1024 + 1) }, "rows[0].j: json value is larger than 1 MiB"],
    [{ id: 1, j: () => 1 }, "rows[0].j: Invalid input"],
    [{ id: 1, j: { a: [undefined] } }, "rows[0].j: Invalid input"],
    [{ b: true }, "rows[0].id: required (the column is not nullable)"],
  ])("insert %j", (row, detail) => {
    expect(failure(() => tables.insert("f", [row]))).toBe(`INVALID_ROW 400 ${detail}`);
  });

  it("update, key and predicate values", () => {
    expect(failure(() => tables.update("f", 1, { r: "x" }))).toBe(
      "INVALID_ROW 400 set.r: Invalid input: expected number, received string",
    );
    expect(failure(() => tables.get("f", "x"))).toBe(
      "INVALID_KEY 400 key.id: Invalid input: expected number, received string",
    );
    expect(failure(() => tables.count("f", { col: "id", op: "=", value: "x" }))).toBe(
      "INVALID_PREDICATE 400 id: Invalid input: expected number, received string",
    );
    expect(failure(() => tables.count("f", { col: "ts", op: "=", value: "nope" }))).toBe(
      "INVALID_PREDICATE 400 ts: timestamp must be epoch ms or an ISO 8601 string",
    );
    expect(failure(() => tables.count("f", { col: "b", op: "=", value: 3 }))).toBe(
      "INVALID_PREDICATE 400 b: boolean must be true, false, 0 or 1",
    );
  });
});

describe("route body and import option messages", () => {
  const { tables } = open();
  tables.createTable(ALL);
  const routes = tablesRoutes(tables);
  const call = (method: string, path: string, body: unknown) => {
    const route = routes.find((r) => r.method === method && r.path === path);
    if (!route) throw new Error(`no route ${method} ${path}`);
    return failure(() =>
      route.handle({
        params: { name: "f", key: "1" },
        query: new URLSearchParams(),
        body,
        tenant: "t",
        requestId: "r",
        request: new Request("http://x/tables/f/rows/1"),
      }),
    );
  };
  it.each([
    [
      "POST",
      "/tables/:name/rows",
      { rows: [], mode: "merge" },
      'INVALID_ROW 400 mode: Invalid option: expected one of "insert"|"upsert"',
    ],
    [
      "POST",
      "/tables/:name/rows",
      { rows: "x" },
      "INVALID_ROW 400 rows: Invalid input: expected array, received string",
    ],
    [
      "POST",
      "/tables/:name/rows",
      undefined,
      "INVALID_ROW 400 (root): Invalid input: expected object, received undefined",
    ],
    [
      "POST",
      "/tables/:name/query",
      { limit: "x", columns: [] },
      "INVALID_INPUT 400 limit: Invalid input: expected number, received string; columns: Too small: expected array to have >=1 items",
    ],
    [
      "POST",
      "/tables/:name/query",
      { columns: Array.from({ length: 101 }, () => "id") },
      "INVALID_INPUT 400 columns: Too big: expected array to have <=100 items",
    ],
    [
      "POST",
      "/tables/:name/query",
      { order: "up", cursor: 5 },
      'INVALID_INPUT 400 order: Invalid option: expected one of "asc"|"desc"; cursor: Invalid input: expected string, received number',
    ],
    ["POST", "/tables/:name/query", { foo: 1 }, 'INVALID_INPUT 400 (root): Unrecognized key: "foo"'],
    ["POST", "/tables/:name/query", [1], "INVALID_INPUT 400 (root): Invalid input: expected object, received array"],
    [
      "DELETE",
      "/tables/:name/rows",
      { keys: 1 },
      "INVALID_KEY 400 keys: Invalid input: expected array, received number",
    ],
    [
      "PATCH",
      "/tables/:name/rows/:key",
      { set: [1] },
      "INVALID_ROW 400 set: Invalid input: expected record, received array",
    ],
    ["POST", "/tables/:name/count", { where: 1, x: 2 }, 'INVALID_PREDICATE 400 (root): Unrecognized key: "x"'],
    [
      "POST",
      "/tables/:name/count",
      "x",
      "INVALID_PREDICATE 400 (root): Invalid input: expected object, received string",
    ],
  ])("%s %s %j", (method, path, body, message) => {
    expect(call(method, path, body)).toBe(message);
  });

  it.each([
    ["mode=merge", 'mode: Invalid option: expected one of "insert"|"upsert"'],
    ["header=yes", 'header: Invalid option: expected one of "0"|"1"|"true"|"false"'],
    ["delimiter=ab", "delimiter: one character, not a quote or newline"],
    ["create=yes", 'create: Invalid input: expected "infer"'],
    ["key=", "key: Too small: expected string to have >=1 characters"],
    ["onError=x", 'onError: Invalid option: expected one of "abort"|"skip"'],
    ["foo=1", '(root): Unrecognized key: "foo"'],
  ])("import ?%s", (query, detail) => {
    expect(failure(() => parseImportOptions(new URLSearchParams(query)))).toBe(`INVALID_IMPORT 400 ${detail}`);
  });
});
