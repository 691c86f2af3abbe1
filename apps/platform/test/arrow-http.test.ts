/**
 * Arrow IPC answers through the real Worker and TenantDO: on each tabular route (the tables
 * scan and query, pre-agg's and the router's query, cdc's pull and read) `Accept:
 * application/vnd.apache.arrow.stream` gets a stream apache-arrow decodes to the JSON answer's
 * rows with typed columns; no Accept or `*\/*` gets the JSON answer unchanged; an Accept naming
 * only unsupported types is 406 NOT_ACCEPTABLE listing the supported ones (before the handler
 * runs, its body drained, the DO healthy after); an error on an Arrow request stays JSON; other
 * routes ignore Accept.
 */
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const ARROW = "application/vnd.apache.arrow.stream";
const SUPPORTED = "Accept allows none of the supported types: application/json, application/vnd.apache.arrow.stream";

const EVENTS = {
  name: "events",
  columns: [
    { name: "id", type: "integer" },
    { name: "at", type: "timestamp", nullable: false },
    { name: "kind", type: "text" },
    { name: "flag", type: "boolean" },
    { name: "amount", type: "real" },
    { name: "data", type: "blob" },
    { name: "doc", type: "json" },
  ],
  primaryKey: "id",
};

const row = (i: number) => ({
  id: i,
  at: Date.UTC(1969, 11, 30) + i * 3_600_000 * 7,
  kind: i % 4 === 0 ? null : `k${i % 3}`,
  flag: i % 5 === 0 ? null : i % 2 === 0,
  amount: i % 3 === 0 ? i : i + 0.25,
  data: i % 6 === 0 ? null : btoa(String.fromCharCode(i, 0, 255)),
  doc: i % 7 === 0 ? null : { i, list: [i, "x"] },
});

async function tenantWithEvents(n = 25) {
  const tenant = uniqueTenant("arrow");
  const token = await tokenFor(tenant);
  const base = `/v1/tenants/${tenant}`;
  const api = (path: string, init: RequestInit = {}, accept?: string) => {
    const headers = new Headers(init.headers);
    if (accept !== undefined) headers.set("accept", accept);
    return call(`${base}${path}`, { ...init, headers, token });
  };
  expect((await api("/tables", jsonInit("POST", EVENTS))).status).toBe(201);
  const rows = Array.from({ length: n }, (_, i) => row(i + 1));
  if (n > 0) expect((await api("/tables/events/rows", jsonInit("POST", { rows }))).status).toBe(200);
  return { api };
}

/** An Arrow answer decoded: headers, schema (types by name) and plain rows. */
async function arrowOf(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe(ARROW);
  const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
  return {
    headers: res.headers,
    metadata: Object.fromEntries(table.schema.metadata),
    types: Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)])),
    rows: table.toArray().map((r) => r.toJSON() as Record<string, unknown>),
  };
}

/** A decoded Arrow value in the JSON answer's form. */
function jsonForm(v: unknown, type: string | undefined, json: unknown): unknown {
  if (v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return btoa(String.fromCharCode(...v));
  // A timestamp the JSON answer writes as ISO text (pre-agg and the router's time bucket).
  if (type?.startsWith("Timestamp") && typeof json === "string") return new Date(v as number).toISOString();
  if (type === "Utf8" && typeof json === "object") return JSON.parse(v as string);
  return v;
}

function sameRows(arrow: Awaited<ReturnType<typeof arrowOf>>, jsonRows: Record<string, unknown>[]) {
  expect(arrow.rows).toHaveLength(jsonRows.length);
  arrow.rows.forEach((r, i) => {
    const j = jsonRows[i] ?? {};
    const back = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonForm(v, arrow.types[k], j[k])]));
    expect(back).toEqual(j);
  });
}

async function expect406(res: Response) {
  expect(res.status).toBe(406);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string; supported: string[] } };
  expect([body.error.code, body.error.message, body.error.supported]).toEqual([
    "NOT_ACCEPTABLE",
    SUPPORTED,
    ["application/json", ARROW],
  ]);
}

describe("Arrow on the tables scan routes", () => {
  it("GET /rows: typed columns, the JSON rows, x-cursor paging; JSON by default and for */*", async () => {
    const { api } = await tenantWithEvents(25);
    const json = await api("/tables/events/rows?limit=10");
    const star = await api("/tables/events/rows?limit=10", {}, "*/*");
    const jsonText = await json.text();
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await star.text()).toBe(jsonText);
    const page1 = JSON.parse(jsonText) as { rows: Record<string, unknown>[]; cursor: string };
    const arrow = await arrowOf(await api("/tables/events/rows?limit=10", {}, ARROW));
    expect(arrow.headers.get("vary")).toBe("accept");
    expect(arrow.types).toEqual({
      id: "Int64",
      at: "Timestamp<MILLISECOND, UTC>",
      kind: "Utf8",
      flag: "Bool",
      amount: "Float64",
      data: "Binary",
      doc: "Utf8",
    });
    sameRows(arrow, page1.rows);
    expect([arrow.headers.get("x-cursor"), arrow.metadata.cursor]).toEqual([page1.cursor, page1.cursor]);
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await arrowOf(
        await api(`/tables/events/rows?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {}, ARROW),
      );
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.headers.get("x-cursor");
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i + 1)));
  });

  it("POST /query with columns: the projection in Arrow", async () => {
    const { api } = await tenantWithEvents(5);
    const body = { columns: ["doc", "id"], where: { col: "id", op: "<=", value: 3 } };
    const json = await jsonOf(await api("/tables/events/query", jsonInit("POST", body)));
    const arrow = await arrowOf(await api("/tables/events/query", jsonInit("POST", body), ARROW));
    expect(arrow.types).toEqual({ doc: "Utf8", id: "Int64" });
    sameRows(arrow, json.rows as Record<string, unknown>[]);
  });

  it("406 for only unsupported types; an error on an Arrow request stays JSON; other routes ignore Accept", async () => {
    const { api } = await tenantWithEvents(3);
    await expect406(await api("/tables/events/rows", {}, "text/csv"));
    await expect406(await api("/tables/events/rows", {}, "application/json;q=0"));
    // Decided before the handler runs: no table lookup (404), no body parse (400).
    await expect406(await api("/tables/nope/rows", {}, "text/csv"));
    await expect406(
      await api(
        "/tables/events/query",
        { method: "POST", body: "{not json", headers: { "content-type": "application/json" } },
        "text/csv",
      ),
    );
    const missing = await api("/tables/nope/rows", {}, ARROW);
    expect(missing.status).toBe(404);
    expect((await jsonOf(missing)).error.code).toBe("TABLE_NOT_FOUND");
    const badCursor = await api("/tables/events/rows?cursor=zzz", {}, ARROW);
    expect([badCursor.status, (await jsonOf(badCursor)).error.code]).toEqual([400, "INVALID_CURSOR"]);
    const describe = await api("/tables/events", {}, "text/csv");
    expect(describe.status).toBe(200);
    expect((await jsonOf(describe)).name).toBe("events");
  });

  it("a 406 to a request with a 2 MB body drains it and leaves the DO healthy", async () => {
    const { api } = await tenantWithEvents(3);
    const big = JSON.stringify({ where: { col: "kind", op: "in", value: ["x".repeat(2 * 1024 * 1024)] } });
    for (let i = 0; i < 3; i++) {
      const refused = await api(
        "/tables/events/query",
        { method: "POST", body: big, headers: { "content-type": "application/json" } },
        "text/csv",
      );
      await expect406(refused);
      const ok = await api("/tables/events/rows", {}, ARROW);
      expect((await arrowOf(ok)).rows).toHaveLength(3 + i);
      const write = await api("/tables/events/rows", jsonInit("POST", { rows: [row(100 + i)] }));
      expect(write.status).toBe(200);
    }
  });
});

describe("Arrow on the query routes", () => {
  const QUERY = {
    table: "events",
    measures: [{ agg: "count" }, { agg: "sum", column: "amount" }, { agg: "avg", column: "amount" }],
    dimensions: ["kind", "flag"],
    timeDimension: { column: "at", grain: "day" },
  };
  const TYPES = {
    kind: "Utf8",
    flag: "Bool",
    at: "Timestamp<MILLISECOND, UTC>",
    count: "Int64",
    // Integer and real amounts in one SUM: a computed column widened to Float64.
    sum_amount: "Float64",
    avg_amount: "Float64",
  };

  it("POST /pre-agg/query: dimensions keep their catalog type, the bucket is a timestamp", async () => {
    const { api } = await tenantWithEvents(25);
    const json = await jsonOf(await api("/pre-agg/query", jsonInit("POST", { query: QUERY })));
    const res = await api("/pre-agg/query", jsonInit("POST", { query: QUERY }), ARROW);
    const arrow = await arrowOf(res);
    expect(arrow.types).toEqual(TYPES);
    sameRows(arrow, json.rows as Record<string, unknown>[]);
    expect(arrow.headers.has("x-cursor")).toBe(false);
    await expect406(await api("/pre-agg/query", jsonInit("POST", { query: QUERY }), "text/html"));
    const bad = await api("/pre-agg/query", jsonInit("POST", { query: { ...QUERY, table: "nope" } }), ARROW);
    expect([bad.status, (await jsonOf(bad)).error.code]).toEqual([404, "TABLE_NOT_FOUND"]);
  });

  it("POST /query: the router's answer, JSON by default and Arrow when asked", async () => {
    const { api } = await tenantWithEvents(25);
    const json = await jsonOf(await api("/query", jsonInit("POST", { query: QUERY })));
    expect(Object.keys(json)).toEqual(["rows", "columns", "meta"]);
    const arrow = await arrowOf(await api("/query", jsonInit("POST", { query: QUERY }), ARROW));
    expect(arrow.types).toEqual(TYPES);
    sameRows(arrow, json.rows as Record<string, unknown>[]);
    await expect406(await api("/query", jsonInit("POST", { query: QUERY }), "application/xml"));
    const bad = await api("/query", jsonInit("POST", { query: { ...QUERY, dimensions: ["nope"] } }), ARROW);
    expect([bad.status, (await jsonOf(bad)).error.code]).toEqual([400, "UNKNOWN_FIELD"]);
  });
});

describe("Arrow on cdc's pull and read routes", () => {
  const EVENT_TYPES = {
    id: "Utf8",
    op: "Utf8",
    tenant: "Utf8",
    table: "Utf8",
    lsn: "Int64",
    txId: "Int64",
    schemaVersion: "Int64",
    source_ts_ms: "Timestamp<MILLISECOND, UTC>",
    ts_ms: "Timestamp<MILLISECOND, UTC>",
    key: "Utf8",
    before: "Utf8",
    after: "Utf8",
  };

  /** A JSON event flattened the way the Arrow columns are. */
  function flat(e: Record<string, unknown>) {
    const s = e.source as Record<string, unknown>;
    return {
      id: e.id,
      op: e.op,
      tenant: s.tenant,
      table: s.table,
      lsn: s.lsn,
      txId: s.txId,
      schemaVersion: s.schemaVersion,
      source_ts_ms: s.ts_ms,
      key: e.key,
      before: e.before,
      after: e.after,
    };
  }

  it("pull: events with typed columns, nextLsn and hasMore in headers and metadata; read: the cursor", async () => {
    const { api } = await tenantWithEvents(0);
    expect((await api("/cdc/tables", jsonInit("POST", { table: "events" }))).status).toBe(201);
    expect((await api("/cdc/consumers", jsonInit("POST", { name: "c", sink: { type: "pull" } }))).status).toBe(201);
    const rows = Array.from({ length: 8 }, (_, i) => row(i + 1));
    expect((await api("/tables/events/rows", jsonInit("POST", { rows }))).status).toBe(200);
    const update = await api("/tables/events/rows/2", jsonInit("PATCH", { set: { kind: "changed" } }));
    expect(update.status).toBe(200);

    const json = await jsonOf(await api("/cdc/consumers/c/events?limit=5"));
    const pulled = await arrowOf(await api("/cdc/consumers/c/events?limit=5", {}, ARROW));
    expect(pulled.types).toEqual(EVENT_TYPES);
    expect([pulled.headers.get("x-next-lsn"), pulled.headers.get("x-has-more")]).toEqual([
      String(json.nextLsn),
      "true",
    ]);
    expect(pulled.metadata).toEqual({ nextLsn: String(json.nextLsn), hasMore: "true" });
    const events = json.events as Record<string, unknown>[];
    const { ts_ms: _readTime, ...jsonTypes } = EVENT_TYPES;
    sameRows(
      {
        ...pulled,
        types: jsonTypes,
        rows: pulled.rows.map(({ ts_ms: _t, ...r }) => r),
      },
      events.map(flat),
    );

    const read = await jsonOf(await api("/cdc/events?since=0&limit=6"));
    const readArrow = await arrowOf(await api("/cdc/events?since=0&limit=6", {}, ARROW));
    expect(readArrow.types).toEqual(EVENT_TYPES);
    expect([readArrow.headers.get("x-cursor"), readArrow.metadata.cursor]).toEqual([
      String(read.next),
      String(read.next),
    ]);
    const all = (read.events as Record<string, unknown>[]).map(flat);
    expect(readArrow.rows.map((r) => Number(r.lsn))).toEqual(all.map((e) => e.lsn));
    const last = await arrowOf(await api(`/cdc/events?since=${String(read.next)}`, {}, ARROW));
    expect(last.rows.map((r) => r.op)).toEqual(["c", "c", "u"]);
    expect(JSON.parse(String(last.rows[2]?.before))).toMatchObject({ id: 2, kind: "k2" });
    expect(JSON.parse(String(last.rows[2]?.after))).toMatchObject({ id: 2, kind: "changed" });
    expect(last.headers.has("x-cursor")).toBe(false);

    await expect406(await api("/cdc/events", {}, "text/csv"));
    await expect406(await api("/cdc/consumers/c/events", {}, "text/csv"));
    const missing = await api("/cdc/consumers/nope/events", {}, ARROW);
    expect([missing.status, (await jsonOf(missing)).error.code]).toEqual([404, "CONSUMER_NOT_FOUND"]);
  });
});
