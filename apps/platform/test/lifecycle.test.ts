/**
 * Proves DOBase's lifecycle in workerd: tenant isolation, data and migrations across a restart
 * (abortAllDurableObjects drops every instance; storage stays), the alarm seam, a capability that
 * throws (500 INTERNAL with a request id, no stack, and the next request is served), the tenant
 * recorded on first contact, and no `use()` after start.
 * Does not prove natural idle eviction timing or production alarm retries.
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";
import type { TestProbeDO } from "./worker.ts";

const probes = (env as unknown as { PROBE: DurableObjectNamespace<TestProbeDO> }).PROBE;

async function probeFetch(name: string, path: string, init: RequestInit = {}, tenant = name): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${await tokenFor(tenant)}`);
  return probes.getByName(name).fetch(`https://probe.test/v1/tenants/${tenant}${path}`, { ...init, headers });
}

describe("tenant isolation", () => {
  it("two tenants never see each other's data", async () => {
    const a = uniqueTenant("a");
    const b = uniqueTenant("b");
    await call(`/v1/tenants/${a}/meta/secret`, jsonInit("PUT", { value: "of-a" }, await tokenFor(a)));
    const fromB = await call(`/v1/tenants/${b}/meta/secret`, { token: await tokenFor(b) });
    expect(fromB.status).toBe(404);
    await call(`/v1/tenants/${b}/meta/secret`, jsonInit("PUT", { value: "of-b" }, await tokenFor(b)));
    const fromA = await call(`/v1/tenants/${a}/meta/secret`, { token: await tokenFor(a) });
    expect((await jsonOf(fromA)).value).toBe("of-a");
  });

  it("knows its tenant from its name before any capability starts, and for an unnamed DO from the first request", async () => {
    const name = uniqueTenant("n");
    expect(await jsonOf(await probeFetch(name, "/probe/start-tenant"))).toEqual({ tenantAtStart: name });
    const unnamed = probes.get(probes.newUniqueId());
    const tenant = uniqueTenant("u");
    const headers = { authorization: `Bearer ${await tokenFor(tenant)}` };
    const first = await unnamed.fetch(`https://probe.test/v1/tenants/${tenant}/probe/start-tenant`, { headers });
    expect(await jsonOf(first)).toEqual({ tenantAtStart: null });
    const other = uniqueTenant("o");
    const refused = await unnamed.fetch(`https://probe.test/v1/tenants/${other}/probe/start-tenant`, {
      headers: { authorization: `Bearer ${await tokenFor(other)}` },
    });
    expect((await jsonOf(refused)).error.code).toBe("TENANT_MISMATCH");
  });

  it("a DO records its tenant on first contact and refuses another tenant afterwards", async () => {
    const name = uniqueTenant("p");
    expect((await probeFetch(name, "/meta/x")).status).toBe(404);
    const other = uniqueTenant("q");
    const res = await probeFetch(name, "/meta/x", {}, other);
    expect(res.status).toBe(403);
    expect((await jsonOf(res)).error.code).toBe("TENANT_MISMATCH");
  });
});

describe("restart", () => {
  it("keeps data and runs migrations once across restarts", async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    await call(`/v1/tenants/${tenant}/meta/k`, jsonInit("PUT", { value: 42 }, token));
    const stub = env.TENANT.getByName(tenant);
    const before = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec("SELECT owner, version, applied_at FROM core_migrations ORDER BY owner").toArray(),
    );
    // Other capabilities (rate-limit, …) add their own owners.
    expect(before.map((r) => r.owner)).toEqual(expect.arrayContaining(["meta", "platform", "scheduler", "tables"]));
    await abortAllDurableObjects();
    const after = await call(`/v1/tenants/${tenant}/meta/k`, { token });
    expect((await jsonOf(after)).value).toBe(42);
    const again = await runInDurableObject(env.TENANT.getByName(tenant), (_instance, state) =>
      state.storage.sql.exec("SELECT owner, version, applied_at FROM core_migrations ORDER BY owner").toArray(),
    );
    expect(again).toEqual(before);
  });
});

describe("alarm seam", () => {
  it("an alarm reaches the registered handler", async () => {
    const name = uniqueTenant("alarm");
    expect((await probeFetch(name, "/probe/alarm", { method: "POST" })).status).toBe(200);
    const stub = probes.getByName(name);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const res = await probeFetch(name, "/probe/alarms");
    expect(await jsonOf(res)).toEqual({ fired: 1 });
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });
});

describe("faults", () => {
  it("an exception inside a capability is a 500 INTERNAL with a request id and no stack; the DO keeps serving", async () => {
    const name = uniqueTenant("fault");
    const res = await probeFetch(name, "/probe/throw", { method: "POST", headers: { "x-request-id": "req-fault-1" } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).error).toMatchObject({ code: "INTERNAL", requestId: "req-fault-1" });
    expect(text).not.toMatch(/secret internal detail|at .*\.ts/);
    const put = await probeFetch(name, "/meta/after", { method: "PUT", body: JSON.stringify({ value: 1 }) });
    expect(put.status).toBe(200);
  });

  it("use() after start throws", async () => {
    const message = await probes.getByName(uniqueTenant("late")).lateUse();
    expect(message).toMatch(/after start/);
  });
});
