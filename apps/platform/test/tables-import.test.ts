/**
 * The import and query routes over HTTP through the real Worker and TenantDO (workerd): CSV and
 * NDJSON imports, `create=infer`, `POST /tables/infer`, every error code of the import (415,
 * 413 by Content-Length, INVALID_CSV and INVALID_JSON with the line, INVALID_ROWS with the list
 * and nothing committed, `onError=skip`, DUPLICATE_KEY with the line, IMPORT_NOT_FOUND), the
 * import record, `POST /rows` listing every bad row, `POST /query` equal to `GET /rows` page for
 * page with `columns`, and a count whose `in` predicate is over 1 MB. The large streamed body:
 * tables-import-large.test.ts. Memory: spikes/tables (Node).
 */
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const FLIGHTS = {
  name: "flights",
  columns: [
    { name: "id", type: "integer" },
    { name: "date", type: "timestamp", nullable: false },
    { name: "delay", type: "integer" },
    { name: "origin", type: "text" },
  ],
  primaryKey: "id",
};

async function setup(create = true) {
  const tenant = uniqueTenant("imp");
  const token = await tokenFor(tenant);
  const base = `/v1/tenants/${tenant}/tables`;
  if (create) expect((await call(base, jsonInit("POST", FLIGHTS, token))).status).toBe(201);
  const send = (path: string, body: BodyInit, type: string, headers: Record<string, string> = {}) =>
    call(`${base}${path}`, { method: "POST", body, headers: { "content-type": type, ...headers }, token });
  const get = (path: string) => call(`${base}${path}`, { token });
  const post = (path: string, body: unknown) => call(`${base}${path}`, jsonInit("POST", body, token));
  return { base, token, send, get, post };
}

function csv(n: number, bad: (i: number) => boolean = () => false): string {
  let s = "id,date,delay,origin\r\n";
  for (let i = 1; i <= n; i++) s += `${i},2024-03-10T09:00:00Z,${bad(i) ? "x" : i % 90},"S,${i % 7}"\r\n`;
  return s;
}

async function expectError(res: Response, status: number, code: string) {
  const body = await jsonOf(res);
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  return body.error as Record<string, unknown> & { message: string };
}

describe("import over HTTP", () => {
  it("imports CSV and NDJSON, keeps a record, answers the status route", async () => {
    const { send, get } = await setup();
    const res = await send("/flights/import", csv(2_000), "text/csv; charset=utf-8");
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    expect(body).toMatchObject({ rows: 2_000, inserted: 2_000, job: false, totalErrors: 0 });
    expect(res.headers.get("location")).toMatch(/\/imports\//);
    const ndjson = '{"id":5000,"date":"2024-01-01","origin":"NDJ"}\n{"id":5001,"date":0}\n';
    expect(await jsonOf(await send("/flights/import", ndjson, "application/x-ndjson"))).toMatchObject({ inserted: 2 });
    const record = await jsonOf(await get(`/flights/imports/${body.importId}`));
    expect(record).toMatchObject({ status: "done", rowsDone: 2_000, table: "flights", totalErrors: 0 });
    expect((await jsonOf(await get("/flights/imports"))).imports).toHaveLength(2);
    await expectError(await get("/flights/imports/nope"), 404, "IMPORT_NOT_FOUND");
    expect(await jsonOf(await get("/flights/rows/7"))).toEqual({
      id: 7,
      date: Date.parse("2024-03-10T09:00:00Z"),
      delay: 7,
      origin: "S,0",
    });
  });

  it("every error code: 415, 413, INVALID_CSV, INVALID_JSON, INVALID_ROWS, skip, DUPLICATE_KEY", async () => {
    const { send, post } = await setup();
    await expectError(await send("/flights/import", "a", "application/json"), 415, "UNSUPPORTED_MEDIA_TYPE");
    await expectError(await send("/nope/import", csv(1), "text/csv"), 404, "TABLE_NOT_FOUND");
    const huge = new ReadableStream({ pull: (c) => c.close() });
    await expectError(
      await send("/flights/import", huge, "text/csv", { "content-length": String(100 * 1024 * 1024 + 1) }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    const unterminated = await expectError(
      await send("/flights/import", 'id,date\n1,0\n2,"0\n', "text/csv"),
      400,
      "INVALID_CSV",
    );
    expect(unterminated.message).toBe("line 3: unterminated quoted field");
    const ragged = await expectError(await send("/flights/import", "id,date\n1,0,9\n", "text/csv"), 400, "INVALID_CSV");
    expect(ragged.message).toMatch(/^line 2: 3 fields/);
    const json = await expectError(
      await send("/flights/import", '{"id":1,"date":0}\nnope\n', "application/x-ndjson"),
      400,
      "INVALID_JSON",
    );
    expect(json.message).toBe("line 2: not valid JSON");
    const rows = await expectError(
      await send(
        "/flights/import",
        csv(300, (i) => i % 2 === 0),
        "text/csv",
      ),
      400,
      "INVALID_ROWS",
    );
    expect(rows.total).toBe(150);
    expect((rows.errors as unknown[]).length).toBe(100);
    expect((rows.errors as unknown[])[0]).toMatchObject({ line: 3, column: "delay", value: "x" });
    expect((await jsonOf(await post("/flights/count", {}))).count).toBe(0);
    const skipped = await jsonOf(
      await send(
        "/flights/import?onError=skip",
        csv(300, (i) => i % 2 === 0),
        "text/csv",
      ),
    );
    expect(skipped).toMatchObject({ inserted: 150, skipped: 150 });
    const dup = await expectError(await send("/flights/import", csv(3), "text/csv"), 409, "DUPLICATE_KEY");
    expect(dup).toMatchObject({ line: 2 });
    await expectError(await send("/flights/import?onError=maybe", csv(3), "text/csv"), 400, "INVALID_IMPORT");
    expect((await jsonOf(await post("/flights/count", {}))).count).toBe(150);
  });

  it("create=infer creates the table with the mapping; POST /tables/infer only proposes", async () => {
    const { send, get } = await setup(false);
    const text = "Zip Code,City,Pop\n00501,Holtsville,12\n10001,New York,\n";
    const proposed = await jsonOf(await send("/infer?name=zips&key=Zip%20Code", text, "text/csv"));
    expect(proposed.spec).toEqual({
      name: "zips",
      columns: [
        { name: "zip_code", type: "text", nullable: false },
        { name: "city", type: "text", nullable: false },
        { name: "pop", type: "integer", nullable: true },
      ],
      primaryKey: ["zip_code"],
    });
    await expectError(await get("/zips"), 404, "TABLE_NOT_FOUND");
    const created = await jsonOf(await send("/zips/import?create=infer&key=Zip%20Code", text, "text/csv"));
    expect(created.created).toMatchObject({ spec: proposed.spec });
    expect(await jsonOf(await get("/zips/rows/00501"))).toEqual({ zip_code: "00501", city: "Holtsville", pop: 12 });
  });
});

describe("reads and writes by POST", () => {
  it("POST /rows lists up to 100 bad rows with index, path and reason", async () => {
    const { post } = await setup();
    const rows = Array.from({ length: 500 }, (_, i) => ({ id: i, date: i % 3 === 0 ? "never" : 0 }));
    const err = await expectError(await post("/flights/rows", { rows }), 400, "INVALID_ROW");
    expect(err.message).toMatch(/^rows\[0\]\.date: .*\(and 166 more bad rows\)$/);
    expect(err.total).toBe(167);
    expect((err.errors as unknown[]).length).toBe(100);
    expect((err.errors as unknown[])[1]).toMatchObject({ row: 3, path: "rows[3].date" });
    expect((await jsonOf(await post("/flights/count", {}))).count).toBe(0);
  });

  it("POST /query answers what GET /rows answers, page for page, with the same cursors and columns", async () => {
    const { send, get, post } = await setup();
    await send("/flights/import", csv(1_000), "text/csv");
    const where = { col: "delay", op: ">", value: 30 };
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const q = `where=${encodeURIComponent(JSON.stringify(where))}&orderBy=delay&order=desc&limit=97&columns=id,delay${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const byGet = await jsonOf(await get(`/flights/rows?${q}`));
      const byPost = await jsonOf(
        await post("/flights/query", {
          where,
          orderBy: "delay",
          order: "desc",
          limit: 97,
          columns: ["id", "delay"],
          ...(cursor ? { cursor } : {}),
        }),
      );
      expect(byPost).toEqual(byGet);
      expect(Object.keys((byGet.rows as object[])[0] ?? {})).toEqual(["id", "delay"]);
      cursor = byGet.cursor as string | null;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(((await jsonOf(await post("/flights/count", { where }))).count as number) / 97));
    await expectError(await post("/flights/query", { columns: ["nope"] }), 400, "INVALID_INPUT");
  });

  it("a 1,000-value in list of 1.5 KB strings (over 1 MB of body) works for count and query", async () => {
    const { send, post } = await setup();
    await send("/flights/import", csv(20), "text/csv");
    const values = Array.from({ length: 1000 }, (_, i) => (i === 0 ? "S,1" : `${"v".repeat(1500)}${i}`));
    const where = { col: "origin", op: "in", values };
    expect(JSON.stringify({ where }).length).toBeGreaterThan(1_400_000);
    expect((await jsonOf(await post("/flights/count", { where }))).count).toBe(3);
    expect(((await jsonOf(await post("/flights/query", { where }))).rows as unknown[]).length).toBe(3);
  });
});
