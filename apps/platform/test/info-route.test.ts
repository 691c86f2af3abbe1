/**
 * Proves `GET /v1/tenants/:tenant/info` through the real Worker and TenantDO: the tenant, the
 * composed capabilities by name (in composition order) and the DO's SQLite size, which grows as
 * rows are written; read scope suffices and is required; another tenant's token is refused;
 * the call passes the quota gate like any route (the console's budget depends on it).
 */
import { describe, expect, it } from "vitest";
import { signToken } from "../src/auth.ts";
import { call, jsonInit, jsonOf, SECRET, tokenFor, uniqueTenant } from "./helpers.ts";

interface Info {
  tenant: string;
  capabilities: string[];
  storageBytes: number;
}

async function scoped(tenant: string, scopes: string[]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signToken(SECRET, { sub: `t:${tenant}`, tenant, role: "tenant", scopes, iat: now, exp: now + 600 });
}

describe("GET /info", () => {
  it("names the tenant, every composed capability and a storage size that grows with rows", async () => {
    const tenant = uniqueTenant("info");
    const token = await tokenFor(tenant);
    const first = await call(`/v1/tenants/${tenant}/info`, { token });
    expect(first.status).toBe(200);
    const info = (await first.json()) as Info;
    expect(info.tenant).toBe(tenant);
    expect(info.capabilities.slice(0, 3)).toEqual(["scheduler", "quota", "tables"]);
    expect(info.capabilities).toEqual(expect.arrayContaining(["cdc", "estimator", "meta", "rate-limit", "checkpoint"]));
    expect(new Set(info.capabilities).size).toBe(info.capabilities.length);
    expect(Number.isInteger(info.storageBytes) && info.storageBytes > 0).toBe(true);

    const table = {
      name: "notes",
      columns: [
        { name: "id", type: "integer" },
        { name: "body", type: "text" },
      ],
      primaryKey: ["id"],
    };
    expect((await call(`/v1/tenants/${tenant}/tables`, jsonInit("POST", table, token))).status).toBe(201);
    const rows = Array.from({ length: 400 }, (_, i) => ({ id: i, body: "x".repeat(500) }));
    expect((await call(`/v1/tenants/${tenant}/tables/notes/rows`, jsonInit("POST", { rows }, token))).status).toBe(200);
    const after = (await (await call(`/v1/tenants/${tenant}/info`, { token })).json()) as Info;
    expect(after.storageBytes).toBeGreaterThan(info.storageBytes + 150_000);
  });

  it("takes a read-only token, refuses one without read, another tenant's and none", async () => {
    const tenant = uniqueTenant("info");
    expect((await call(`/v1/tenants/${tenant}/info`, { token: await scoped(tenant, ["read"]) })).status).toBe(200);
    const noRead = await call(`/v1/tenants/${tenant}/info`, { token: await scoped(tenant, ["write"]) });
    expect(noRead.status).toBe(403);
    expect((await jsonOf(noRead)).error.code).toBe("FORBIDDEN");
    const other = await call(`/v1/tenants/${tenant}/info`, { token: await tokenFor(uniqueTenant("other")) });
    expect(other.status).toBe(403);
    expect((await jsonOf(other)).error.message).toMatch(/not valid for tenant/);
    const none = await call(`/v1/tenants/${tenant}/info`);
    expect(none.status).toBe(401);
    expect((await jsonOf(none)).error.code).toBe("UNAUTHORIZED");
    const post = await call(`/v1/tenants/${tenant}/info`, jsonInit("POST", {}, await tokenFor(tenant)));
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
  });

  it("an operator token for * reads any tenant's info", async () => {
    const tenant = uniqueTenant("info");
    const res = await call(`/v1/tenants/${tenant}/info`, { token: await tokenFor("*", "operator") });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Info).tenant).toBe(tenant);
  });

  it("spends the tenant's quota like any gated route: 429 once the plan is spent", async () => {
    const tenant = uniqueTenant("info");
    const token = await tokenFor(tenant);
    const operator = await tokenFor("*", "operator");
    const plan = await call(`/v1/tenants/${tenant}/rate-limit/plan`, jsonInit("PUT", { plan: "tiny" }, operator));
    expect(plan.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await call(`/v1/tenants/${tenant}/info`, { token })).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    const throttled = await call(`/v1/tenants/${tenant}/info`, { token });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    // The plan route is not gated: the console can still show the plan and its quota.
    const status = await call(`/v1/tenants/${tenant}/rate-limit/plan`, { token });
    expect(status.status).toBe(200);
    expect(await jsonOf(status)).toMatchObject({ plan: { name: "tiny" }, status: { remaining: 0 } });
  });
});
