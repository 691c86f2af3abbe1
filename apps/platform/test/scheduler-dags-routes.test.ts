/**
 * Proves the scheduler's DAG listings over HTTP through the real Worker and TenantDO:
 * `GET /scheduler/dags` (latest definitions with `dependsOn`, paged by id) and
 * `GET /scheduler/dags/:id/runs` (newest first, paged), their error codes (404 unknown DAG, 400
 * bad cursor or limit), read-scope access and tenant isolation. Paging edge cases are the
 * package's Node tests (packages/scheduler/test/dag-lists.test.ts).
 */
import { describe, expect, it } from "vitest";
import { signToken } from "../src/auth.ts";
import { call, jsonInit, jsonOf, SECRET, tokenFor, uniqueTenant } from "./helpers.ts";

interface Page<T> {
  items: T[];
  cursor?: string;
}

const noop = (id: string, dependsOn: string[] = []) => ({ id, handler: "platform.noop", dependsOn });

async function setup() {
  const tenant = uniqueTenant("sd");
  const token = await tokenFor(tenant);
  const base = `/v1/tenants/${tenant}/scheduler`;
  return {
    tenant,
    token,
    base,
    get: (path: string, t = token) => call(`${base}${path}`, { token: t }),
    put: (path: string, body: unknown) => call(`${base}${path}`, jsonInit("PUT", body, token)),
    post: (path: string, body: unknown) => call(`${base}${path}`, jsonInit("POST", body, token)),
  };
}

describe("GET /scheduler/dags", () => {
  it("lists latest definitions with dependencies, paged by id; a read-only token may list", async () => {
    const s = await setup();
    expect((await s.put("/dags/etl", { tasks: [noop("extract")] })).status).toBe(201);
    expect((await s.put("/dags/etl", { tasks: [noop("extract"), noop("load", ["extract"])] })).status).toBe(201);
    expect((await s.put("/dags/audit", { tasks: [noop("scan")], maxParallel: 2 })).status).toBe(201);
    const page = (await (await s.get("/dags")).json()) as Page<{ id: string; version: number; tasks: unknown[] }>;
    expect(page.items.map((d) => [d.id, d.version])).toEqual([
      ["audit", 1],
      ["etl", 2],
    ]);
    expect(page.items[1]?.tasks).toEqual([
      { id: "extract", handler: "platform.noop", dependsOn: [] },
      { id: "load", handler: "platform.noop", dependsOn: ["extract"] },
    ]);
    const first = (await (await s.get("/dags?limit=1")).json()) as Page<{ id: string }>;
    expect(first.items.map((d) => d.id)).toEqual(["audit"]);
    const next = (await (await s.get(`/dags?limit=1&cursor=${first.cursor}`)).json()) as Page<{ id: string }>;
    expect(next).toEqual({ items: [expect.objectContaining({ id: "etl" })] });
    const now = Math.floor(Date.now() / 1000);
    const readOnly = await signToken(SECRET, {
      sub: "ro",
      tenant: s.tenant,
      role: "tenant",
      scopes: ["read"],
      iat: now,
      exp: now + 600,
    });
    expect((await s.get("/dags", readOnly)).status).toBe(200);
    const bad = await s.get("/dags?limit=1000");
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).error.code).toBe("INVALID_SCHEDULE");
  });

  it("another tenant's token sees nothing of this tenant (403)", async () => {
    const s = await setup();
    await s.put("/dags/etl", { tasks: [noop("a")] });
    const res = await s.get("/dags", await tokenFor(uniqueTenant("other")));
    expect(res.status).toBe(403);
    expect((await jsonOf(res)).error.code).toBe("FORBIDDEN");
  });
});

describe("GET /scheduler/dags/:id/runs", () => {
  it("lists runs newest first and pages; 404 for an unknown DAG; 400 for a forged cursor", async () => {
    const s = await setup();
    await s.put("/dags/etl", { tasks: [noop("a"), noop("b", ["a"])] });
    const ids: string[] = [];
    for (const key of ["k1", "k2", "k3"]) {
      const run = await s.post("/dags/etl/runs", { key });
      expect(run.status).toBe(200);
      ids.push(((await run.json()) as { id: string }).id);
      await new Promise((r) => setTimeout(r, 3));
    }
    const page = (await (await s.get("/dags/etl/runs")).json()) as Page<{ id: string; key: string; remaining: number }>;
    expect(page.items.map((r) => r.key)).toEqual(["k3", "k2", "k1"]);
    expect(page.items.map((r) => r.id)).toEqual([...ids].reverse());
    const one = (await (await s.get("/dags/etl/runs?limit=2")).json()) as Page<{ key: string }>;
    expect(one.items.map((r) => r.key)).toEqual(["k3", "k2"]);
    const rest = (await (await s.get(`/dags/etl/runs?limit=2&cursor=${one.cursor}`)).json()) as Page<{ key: string }>;
    expect(rest.items.map((r) => r.key)).toEqual(["k1"]);
    expect(rest.cursor).toBeUndefined();
    const missing = await s.get("/dags/nope/runs");
    expect(missing.status).toBe(404);
    expect((await jsonOf(missing)).error.code).toBe("NOT_FOUND");
    const forged = await s.get("/dags/etl/runs?cursor=drop%20table");
    expect(forged.status).toBe(400);
    expect((await jsonOf(forged)).error.code).toBe("INVALID_SCHEDULE");
    // The run detail route still wins over the listing for a run id.
    expect((await s.get(`/dags/etl/runs/${ids[0]}`)).status).toBe(200);
  });
});
