/**
 * Proves DOBase's one RPC accessor on the real TenantDO: another Worker reaches a capability's
 * API with `stub.capability(name, tenant).<method>(...)` (pipelined, typed by `tenantApi`), for
 * tables (create, write, read, page, update, count, delete) and meta; errors cross RPC with
 * their `[CODE]` (`errorCodeOf` reads it), a bug surfaces as INTERNAL without its message; a
 * call for another tenant is refused (TENANT_MISMATCH), also as the first event of a DO, whose
 * tenant comes from its name; an unknown capability is CAPABILITY_NOT_FOUND; the tenant is
 * recorded on an RPC-only DO. Does not prove service bindings between two deployed Workers
 * (the stub is the same one a service would hold).
 */
import { runInDurableObject } from "cloudflare:test";
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { type TenantStub, tenantApi } from "../src/index.ts";
import { env, uniqueTenant } from "./helpers.ts";

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return errorCodeOf(err);
  }
  return "no error";
}

describe("capability RPC targets", () => {
  it("serve the tables API through one pipelined accessor", async () => {
    const tenant = uniqueTenant("rpc");
    const tables = tenantApi(env.TENANT, tenant, "tables");
    const info = await tables.createTable({
      name: "events",
      columns: [
        { name: "id", type: "text" },
        { name: "at", type: "timestamp" },
        { name: "payload", type: "json" },
        { name: "raw", type: "blob" },
      ],
      primaryKey: "id",
    });
    expect(info.version).toBe(1);
    expect(
      await tables.writeRows("events", [
        { id: "a", at: "2024-03-10T09:00:00Z", payload: { n: 1 }, raw: new Uint8Array([1, 2]) },
        { id: "b", at: 5, payload: [1, 2] },
      ]),
    ).toEqual({ inserted: 2, updated: 0 });
    expect(await tables.getRow("events", "a")).toEqual({
      id: "a",
      at: Date.UTC(2024, 2, 10, 9),
      payload: { n: 1 },
      raw: "AQI=",
    });
    expect(await tables.updateRow("events", "b", { payload: { n: 2 } })).toMatchObject({ payload: { n: 2 } });
    const page = await tables.scanRows("events", { limit: 1 });
    expect(page.rows.map((r) => r.id)).toEqual(["a"]);
    expect((await tables.scanRows("events", { limit: 1, cursor: page.cursor ?? "" })).rows.map((r) => r.id)).toEqual([
      "b",
    ]);
    expect(await tables.countRows("events", { col: "at", op: ">", value: 5 })).toBe(1);
    expect(await tables.deleteRows("events", ["a"])).toEqual({ deleted: 1 });
    expect((await tables.listTables()).map((t) => t.name)).toEqual(["events"]);
    const meta = tenantApi(env.TENANT, tenant, "meta");
    expect(await meta.put("color", "blue")).toMatchObject({ key: "color", value: "blue" });
    expect((await meta.get("color")).value).toBe("blue");
  });

  it("carry error codes across RPC", async () => {
    const tenant = uniqueTenant("rpc");
    const tables = tenantApi(env.TENANT, tenant, "tables");
    await tables.createTable({ name: "t1", columns: [{ name: "id", type: "integer" }], primaryKey: "id" });
    await tables.writeRows("t1", [{ id: 1 }]);
    expect(
      await codeOf(tables.createTable({ name: "t1", columns: [{ name: "id", type: "integer" }], primaryKey: "id" })),
    ).toBe("TABLE_EXISTS");
    expect(await codeOf(tables.createTable({ name: "t_bad", columns: [], primaryKey: "id" }))).toBe("INVALID_SCHEMA");
    expect(await codeOf(tables.writeRows("t1", [{ id: 1 }]))).toBe("DUPLICATE_KEY");
    expect(await codeOf(tables.writeRows("t1", [{ id: "x" }]))).toBe("INVALID_ROW");
    expect(await codeOf(tables.getRow("t1", 9))).toBe("ROW_NOT_FOUND");
    expect(await codeOf(tables.describeTable("zzz"))).toBe("TABLE_NOT_FOUND");
    expect(await codeOf(tables.scanRows("t1", { cursor: "bad" }))).toBe("INVALID_CURSOR");
    const meta = tenantApi(env.TENANT, tenant, "meta");
    expect(await codeOf(meta.get("no such key"))).toBe("INVALID_KEY");
    expect(await codeOf(meta.get("missing"))).toBe("NOT_FOUND");
    expect(await tables.countRows("t1")).toBe(1);
  });

  it("refuse another tenant, also on the first event of a DO (its tenant comes from its name)", async () => {
    const tenant = uniqueTenant("rpc");
    const other = uniqueTenant("evil");
    const stub = env.TENANT.getByName(tenant) as unknown as TenantStub;
    expect(await codeOf(stub.capability("tables", other).listTables())).toBe("TENANT_MISMATCH");
    expect(await codeOf(stub.capability("tables", "Not A Tenant").listTables())).toBe("INVALID_TENANT");
    expect(await stub.capability("tables", tenant).listTables()).toEqual([]);
    expect(await codeOf(stub.capability("meta", other).get("x"))).toBe("TENANT_MISMATCH");
    const recorded = await runInDurableObject(env.TENANT.getByName(tenant), (_i, state) =>
      state.storage.sql.exec("SELECT value FROM platform_identity WHERE key = 'tenant'").one(),
    );
    expect(recorded).toEqual({ value: tenant });
  });

  it("answer CAPABILITY_NOT_FOUND for a capability without an API", async () => {
    const tenant = uniqueTenant("rpc");
    const stub = env.TENANT.getByName(tenant) as unknown as {
      capability(name: string, tenant: string): Promise<unknown>;
    };
    expect(await codeOf(stub.capability("nope", tenant))).toBe("CAPABILITY_NOT_FOUND");
    expect(await codeOf(stub.capability("quota", tenant))).toBe("CAPABILITY_NOT_FOUND");
  });
});
