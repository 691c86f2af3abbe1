/**
 * Proves tenant isolation and durability of tables in workerd: two tenants with a table of the
 * same name never see each other's rows (nor each other's catalog), and tables and rows survive
 * the DO being evicted. vitest-pool-workers 0.15.1 has no `evictDurableObject` (its
 * cloudflare:test types declare only `abortAllDurableObjects`, `reset`, …), so eviction is
 * `abortAllDurableObjects()`: every instance is dropped and storage kept. Does not prove
 * natural idle eviction timing.
 */
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const TABLE = {
  name: "orders",
  columns: [
    { name: "id", type: "integer" },
    { name: "who", type: "text" },
  ],
  primaryKey: "id",
};

describe("tables across tenants and evictions", () => {
  it("two tenants with a table of the same name never see each other's rows", async () => {
    const a = uniqueTenant("ta");
    const b = uniqueTenant("tb");
    const ta = await tokenFor(a);
    const tb = await tokenFor(b);
    for (const [tenant, token] of [
      [a, ta],
      [b, tb],
    ] as const) {
      expect((await call(`/v1/tenants/${tenant}/tables`, jsonInit("POST", TABLE, token))).status).toBe(201);
    }
    await call(
      `/v1/tenants/${a}/tables/orders/rows`,
      jsonInit(
        "POST",
        {
          rows: [
            { id: 1, who: "a" },
            { id: 2, who: "a" },
          ],
        },
        ta,
      ),
    );
    await call(`/v1/tenants/${b}/tables/orders/rows`, jsonInit("POST", { rows: [{ id: 1, who: "b" }] }, tb));
    const rowsA = await jsonOf(await call(`/v1/tenants/${a}/tables/orders/rows`, { token: ta }));
    const rowsB = await jsonOf(await call(`/v1/tenants/${b}/tables/orders/rows`, { token: tb }));
    expect(rowsA.rows).toEqual([
      { id: 1, who: "a" },
      { id: 2, who: "a" },
    ]);
    expect(rowsB.rows).toEqual([{ id: 1, who: "b" }]);
    // A token of tenant a cannot read tenant b's table.
    expect((await call(`/v1/tenants/${b}/tables/orders/rows`, { token: ta })).status).toBe(403);
    await call(`/v1/tenants/${b}/tables/orders`, { method: "DELETE", token: tb });
    expect((await call(`/v1/tenants/${a}/tables/orders/rows/2`, { token: ta })).status).toBe(200);
  });

  it("keeps tables, indexes and rows across eviction", async () => {
    const tenant = uniqueTenant("te");
    const token = await tokenFor(tenant);
    const base = `/v1/tenants/${tenant}/tables`;
    await call(base, jsonInit("POST", { ...TABLE, indexes: [{ name: "by_who", columns: ["who"] }] }, token));
    const rows = Array.from({ length: 500 }, (_, i) => ({ id: i, who: `w${i % 5}` }));
    await call(`${base}/orders/rows`, jsonInit("POST", { rows }, token));
    await abortAllDurableObjects();
    const info = await jsonOf(await call(`${base}/orders`, { token }));
    expect(info.indexes).toEqual([{ name: "by_who", columns: ["who"], unique: false }]);
    const count = await jsonOf(
      await call(`${base}/orders/count`, jsonInit("POST", { where: { col: "who", op: "=", value: "w3" } }, token)),
    );
    expect(count).toEqual({ count: 100 });
    await call(`${base}/orders/rows`, jsonInit("POST", { rows: [{ id: 1000, who: "after" }] }, token));
    expect(await jsonOf(await call(`${base}/orders/rows/1000`, { token }))).toEqual({ id: 1000, who: "after" });
  });
});
