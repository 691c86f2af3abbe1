/**
 * Proves that another Worker can use a tenant's tables over DO RPC: create a table, write rows,
 * read, page, update, count and delete them, and that errors cross RPC with their `[CODE]`
 * message prefix (read back with `errorCodeOf`). Does not prove service bindings between two
 * deployed Workers (the stub is the same one a service would hold).
 */
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { env, uniqueTenant } from "./helpers.ts";

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return errorCodeOf(err);
  }
  return "no error";
}

describe("tables over RPC", () => {
  it("creates a table and writes and reads rows through the TenantDO stub", async () => {
    const stub = env.TENANT.getByName(uniqueTenant("rpc"));
    const info = await stub.createTable({
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
      await stub.writeRows("events", [
        { id: "a", at: "2024-03-10T09:00:00Z", payload: { n: 1 }, raw: new Uint8Array([1, 2]) },
        { id: "b", at: 5, payload: [1, 2] },
      ]),
    ).toEqual({ inserted: 2, updated: 0 });
    expect(await stub.getRow("events", "a")).toEqual({
      id: "a",
      at: Date.UTC(2024, 2, 10, 9),
      payload: { n: 1 },
      raw: "AQI=",
    });
    expect(await stub.updateRow("events", "b", { payload: { n: 2 } })).toMatchObject({ payload: { n: 2 } });
    const page = await stub.scanRows("events", { limit: 1 });
    expect(page.rows.map((r) => r.id)).toEqual(["a"]);
    expect((await stub.scanRows("events", { limit: 1, cursor: page.cursor ?? "" })).rows.map((r) => r.id)).toEqual([
      "b",
    ]);
    expect(await stub.countRows("events", { col: "at", op: ">", value: 5 })).toBe(1);
    expect(await stub.deleteRows("events", ["a"])).toEqual({ deleted: 1 });
    expect((await stub.listTables()).map((t) => t.name)).toEqual(["events"]);
  });

  it("carries error codes across RPC in the message prefix", async () => {
    const stub = env.TENANT.getByName(uniqueTenant("rpc"));
    await stub.createTable({ name: "t1", columns: [{ name: "id", type: "integer" }], primaryKey: "id" });
    await stub.writeRows("t1", [{ id: 1 }]);
    expect(
      await codeOf(stub.createTable({ name: "t1", columns: [{ name: "id", type: "integer" }], primaryKey: "id" })),
    ).toBe("TABLE_EXISTS");
    expect(await codeOf(stub.createTable({ name: "t_bad", columns: [], primaryKey: "id" }))).toBe("INVALID_SCHEMA");
    expect(await codeOf(stub.writeRows("t1", [{ id: 1 }]))).toBe("DUPLICATE_KEY");
    expect(await codeOf(stub.writeRows("t1", [{ id: "x" }]))).toBe("INVALID_ROW");
    expect(await codeOf(stub.getRow("t1", 9))).toBe("ROW_NOT_FOUND");
    expect(await codeOf(stub.describeTable("zzz"))).toBe("TABLE_NOT_FOUND");
    expect(await codeOf(stub.scanRows("t1", { cursor: "bad" }))).toBe("INVALID_CURSOR");
    expect(await stub.countRows("t1")).toBe(1);
  });
});
