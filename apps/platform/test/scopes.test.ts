/**
 * Proves that scopes are decided where the route is: the Worker checks only the token's
 * signature, expiry and tenant; the DO checks the route's declared scope. A read-only token can
 * call a read route sent as POST (`POST /tables/:name/count`) and GET routes, but not a write
 * route (403 FORBIDDEN from the DO, nothing written). Does not prove scope names of future routes.
 */
import { describe, expect, it } from "vitest";
import { claimsFor, signToken } from "../src/auth.ts";
import { call, jsonInit, jsonOf, SECRET, tokenFor, uniqueTenant } from "./helpers.ts";

describe("route scopes", () => {
  it("a read-only token may POST a read route but not a write route", async () => {
    const tenant = uniqueTenant("sc");
    const writer = await tokenFor(tenant);
    const table = { name: "items", columns: [{ name: "id", type: "integer" }], primaryKey: "id" };
    expect((await call(`/v1/tenants/${tenant}/tables`, jsonInit("POST", table, writer))).status).toBe(201);
    await call(`/v1/tenants/${tenant}/tables/items/rows`, jsonInit("POST", { rows: [{ id: 1 }, { id: 2 }] }, writer));
    const reader = await signToken(SECRET, { ...claimsFor(tenant, "tenant", 600), scopes: ["read"] });
    const count = await call(
      `/v1/tenants/${tenant}/tables/items/count`,
      jsonInit("POST", { where: { col: "id", op: ">", value: 1 } }, reader),
    );
    expect(count.status).toBe(200);
    expect(await jsonOf(count)).toEqual({ count: 1 });
    expect((await call(`/v1/tenants/${tenant}/tables/items/rows`, { token: reader })).status).toBe(200);
    const write = await call(
      `/v1/tenants/${tenant}/tables/items/rows`,
      jsonInit("POST", { rows: [{ id: 3 }] }, reader),
    );
    expect(write.status).toBe(403);
    expect((await jsonOf(write)).error).toMatchObject({ code: "FORBIDDEN", message: "token lacks the scope write" });
    const after = await call(`/v1/tenants/${tenant}/tables/items/count`, jsonInit("POST", {}, reader));
    expect(await jsonOf(after)).toEqual({ count: 2 });
  });

  it("a token without read is refused by the DO on GET, and another tenant's token by the Worker", async () => {
    const tenant = uniqueTenant("sc");
    const none = await signToken(SECRET, { ...claimsFor(tenant, "tenant", 600), scopes: [] });
    const res = await call(`/v1/tenants/${tenant}/tables`, { token: none });
    expect(res.status).toBe(403);
    const foreign = await call(`/v1/tenants/${tenant}/tables`, { token: await tokenFor(uniqueTenant("x")) });
    expect(foreign.status).toBe(403);
    expect((await jsonOf(foreign)).error.message).toMatch(/not valid for tenant/);
  });
});
