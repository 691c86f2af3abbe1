/**
 * Proves, in real DO SQLite through the Worker, that the tables stay inside DO SQLite's
 * statement and value limits where the input is large rather than many: a 100-column table of
 * long text values (statements bind far more than 100 KB), a row at the 2 MiB cap, a scan page
 * cut at 8 MiB, 1,000
 * upserted and deleted rows whose text keys add up to 3 MB (bound as JSON key lists), an `in`
 * list too large to bind (400, not 500), and 100 multi-byte column defaults (400 before the
 * DDL could pass 100 KB). Does not prove throughput (spikes/tables) or the Node adapter's
 * emulation of these limits (packages/tables/test/limits.test.ts).
 */

import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { tenantApi } from "../src/index.ts";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

async function tenant() {
  return (await tenantNamed()).req;
}

async function tenantNamed() {
  const name = uniqueTenant("tlim");
  const token = await tokenFor(name);
  const base = `/v1/tenants/${name}/tables`;
  const req = (path: string, method = "GET", body?: unknown) =>
    call(`${base}${path}`, body === undefined ? { method, token } : jsonInit(method, body, token));
  return { name, req };
}

const colName = (i: number) => `column_with_a_rather_long_name_${String(i).padStart(3, "0")}`;

describe("large values within DO SQLite's limits", () => {
  it("writes, upserts and pages a 100-column table of 4 KB text values", async () => {
    const req = await tenant();
    const columns = [
      { name: "id", type: "integer" },
      ...Array.from({ length: 99 }, (_, i) => ({ name: colName(i), type: "text" })),
    ];
    expect((await req("", "POST", { name: "wide", columns, primaryKey: "id" })).status).toBe(201);
    const row = (id: number) => {
      const r: Record<string, unknown> = { id };
      for (let i = 0; i < 99; i++) r[colName(i)] = `${id}:${i}:${"v".repeat(4000)}`;
      return r;
    };
    const rows = Array.from({ length: 10 }, (_, i) => row(i));
    expect(await jsonOf(await req("/wide/rows", "POST", { rows }))).toEqual({ inserted: 10, updated: 0 });
    expect(await jsonOf(await req("/wide/rows", "POST", { rows, mode: "upsert" }))).toEqual({
      inserted: 0,
      updated: 0,
    });
    const changed = rows.map((r) => ({ ...r, [colName(0)]: `changed ${r.id}` }));
    expect(await jsonOf(await req("/wide/rows", "POST", { rows: changed, mode: "upsert" }))).toEqual({
      inserted: 0,
      updated: 10,
    });
    const page = await jsonOf(await req("/wide/rows?limit=3"));
    expect((page.rows as Record<string, unknown>[]).map((r) => r[colName(98)])).toEqual(
      [0, 1, 2].map((id) => `${id}:98:${"v".repeat(4000)}`),
    );
  });

  it("stores a row of exactly 2 MiB (as counted) and reads it back; one byte more is 413 ROW_TOO_LARGE", async () => {
    const req = await tenant();
    const columns = [
      { name: "id", type: "integer" },
      { name: "body", type: "text" },
      ...Array.from({ length: 98 }, (_, i) => ({ name: `n${i}`, type: "integer" })),
    ];
    expect((await req("", "POST", { name: "big", columns, primaryKey: "id" })).status).toBe(201);
    const numbers = Object.fromEntries(Array.from({ length: 98 }, (_, i) => [`n${i}`, Number.MAX_SAFE_INTEGER - i]));
    // 99 integers count 8 bytes each: the text takes the rest of 2 MiB.
    const room = 2 * 1024 * 1024 - 99 * 8;
    const ok = await req("/big/rows", "POST", { rows: [{ id: 1, body: "b".repeat(room), ...numbers }] });
    expect(await jsonOf(ok)).toEqual({ inserted: 1, updated: 0 });
    const back = await jsonOf(await req("/big/rows/1"));
    expect((back.body as unknown as string).length).toBe(room);
    const over = await req("/big/rows", "POST", { rows: [{ id: 2, body: "b".repeat(room + 1), ...numbers }] });
    expect({ status: over.status, code: (await jsonOf(over)).error.code }).toEqual({
      status: 413,
      code: "ROW_TOO_LARGE",
    });
  });

  it("ends a page of 1.5 MB rows at 8 MiB with a cursor, and the next page holds the rest", async () => {
    const req = await tenant();
    const columns = [
      { name: "k", type: "integer" },
      { name: "body", type: "text" },
    ];
    expect((await req("", "POST", { name: "docs", columns, primaryKey: "k" })).status).toBe(201);
    for (const ks of [
      [0, 1, 2, 3],
      [4, 5, 6],
    ]) {
      const rows = ks.map((k) => ({ k, body: `${k}`.padEnd(1_500_000, "b") }));
      expect((await req("/docs/rows", "POST", { rows })).status).toBe(200);
    }
    const first = await jsonOf(await req("/docs/rows?limit=1000"));
    expect((first.rows as { k: number }[]).map((r) => r.k)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(typeof first.cursor).toBe("string");
    const second = await jsonOf(await req(`/docs/rows?limit=1000&cursor=${first.cursor}`));
    expect((second.rows as { k: number }[]).map((r) => r.k)).toEqual([6]);
    expect(second.cursor).toBeNull();
  });

  it("upserts and deletes 1,000 rows whose 3 KB text keys add up to 3 MB", async () => {
    const req = await tenant();
    const columns = [
      { name: "k", type: "text" },
      { name: "v", type: "integer" },
    ];
    expect((await req("", "POST", { name: "docs", columns, primaryKey: "k" })).status).toBe(201);
    const key = (i: number) => `${String(i).padStart(4, "0")}${"k".repeat(3000)}`;
    const rows = Array.from({ length: 1000 }, (_, i) => ({ k: key(i), v: i }));
    expect(await jsonOf(await req("/docs/rows", "POST", { rows, mode: "upsert" }))).toEqual({
      inserted: 1000,
      updated: 0,
    });
    expect(await jsonOf(await req("/docs/rows", "POST", { rows, mode: "upsert" }))).toEqual({
      inserted: 0,
      updated: 0,
    });
    const changed = rows.map((r) => ({ ...r, v: r.v + 1 }));
    expect(await jsonOf(await req("/docs/rows", "POST", { rows: changed, mode: "upsert" }))).toEqual({
      inserted: 0,
      updated: 1000,
    });
    expect(await jsonOf(await req("/docs/rows", "DELETE", { keys: rows.map((r) => r.k) }))).toEqual({ deleted: 1000 });
    expect(await jsonOf(await req("/docs/count", "POST", {}))).toEqual({ count: 0 });
  });

  it("answers INVALID_PREDICATE for an in list too large to bind (over RPC: HTTP bodies cap it first) and 400 for 100 multi-byte defaults", async () => {
    const { name, req } = await tenantNamed();
    const values = Array.from({ length: 1000 }, (_, i) => `${i}${"x".repeat(3000)}`);
    const columns = [{ name: "k", type: "text" }];
    expect((await req("", "POST", { name: "docs", columns, primaryKey: "k" })).status).toBe(201);
    let code: string | undefined = "no error";
    try {
      await tenantApi(env.TENANT, name, "tables").countRows("docs", { col: "k", op: "in", values });
    } catch (err) {
      code = errorCodeOf(err);
    }
    expect(code).toBe("INVALID_PREDICATE");
    const wide = [
      { name: "id", type: "integer" },
      ...Array.from({ length: 99 }, (_, i) => ({ name: `c${i}`, type: "text", default: "€".repeat(500) })),
    ];
    const ddl = await req("", "POST", { name: "wide", columns: wide, primaryKey: "id" });
    expect({ status: ddl.status, code: (await jsonOf(ddl)).error.code }).toEqual({
      status: 400,
      code: "INVALID_SCHEMA",
    });
    expect(((await jsonOf(await req(""))).tables as { name: string }[]).map((t) => t.name)).toEqual(["docs"]);
  });
});
