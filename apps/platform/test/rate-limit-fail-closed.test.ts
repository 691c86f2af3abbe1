/**
 * Proves failing closed, in both places a limiter decides:
 * - the tenant's quota inside TenantDO: when its limiter's storage fails, the request gets 503
 *   RATE_LIMIT_UNAVAILABLE with `Retry-After: 5` and its route never runs; a bad `PLANS` is a
 *   503 CONFIG_INVALID for every request, the operator route included, never a pass;
 * - the package's `rateLimit()` middleware for other Workers, over real limiter DOs reached
 *   through their RPC target: a limiter that throws without a code → 503, a limiter's client
 *   error (a bad key) → its own status and code, and a working limiter admits exactly its plan.
 * Does not prove network partitions between colos.
 */
import { runInDurableObject } from "cloudflare:test";
import { errorCodeOf } from "@durable/core";
import { type RateLimiterNamespace, rateLimit } from "@durable/rate-limit";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

interface FixtureEnv {
  TENANT: DurableObjectNamespace;
  BAD_PLANS: DurableObjectNamespace;
  LIMITER: DurableObjectNamespace<import("./rate-limit-fixtures.ts").TestLimiterDO>;
  THROWING_LIMITER: DurableObjectNamespace<import("./rate-limit-fixtures.ts").TestThrowingLimiterDO>;
}
const fixtures = env as unknown as FixtureEnv;

describe("the tenant quota fails closed", () => {
  it("a failing quota store → 503 RATE_LIMIT_UNAVAILABLE, Retry-After 5, the route never runs", async () => {
    const tenant = uniqueTenant("rlf");
    const token = await tokenFor(tenant);
    expect((await call(`/v1/tenants/${tenant}/rate-limit/plan`, { token })).status).toBe(200);
    await runInDurableObject(fixtures.TENANT.getByName(tenant), (_instance, state) => {
      state.storage.sql.exec("DROP TABLE rl_gate_state");
    });
    const res = await call(`/v1/tenants/${tenant}/meta/leak`, jsonInit("PUT", { value: "must not be written" }, token));
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect((await jsonOf(res)).error.code).toBe("RATE_LIMIT_UNAVAILABLE");
    const stored = await runInDurableObject(fixtures.TENANT.getByName(tenant), (_i, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM meta_kv").one(),
    );
    expect(stored).toEqual({ n: 0 });
  });

  it("a bad PLANS → 503 CONFIG_INVALID on every route, the plan route too", async () => {
    const tenant = uniqueTenant("rlf");
    const token = await tokenFor(tenant);
    const stub = fixtures.BAD_PLANS.getByName(tenant);
    for (const [path, init] of [
      ["/meta/x", jsonInit("PUT", { value: 1 }, token)],
      ["/tables", { token }],
      ["/rate-limit/plan", { token }],
    ] as const) {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${init.token}`);
      const res = await stub.fetch(`https://platform.test/v1/tenants/${tenant}${path}`, { ...init, headers });
      expect(res.status).toBe(503);
      expect((await jsonOf(res)).error.code).toBe("CONFIG_INVALID");
    }
  });
});

describe("rateLimit() middleware over limiter DOs", () => {
  const namespace = (ns: FixtureEnv["LIMITER"] | FixtureEnv["THROWING_LIMITER"]): RateLimiterNamespace => ({
    getByName: (name) => {
      const target = (ns.getByName(name) as unknown as { capability(n: string, t: string): unknown }).capability(
        "rate-limit",
        name,
      ) as { check(key: string, options?: unknown): Promise<never> };
      return { check: (key, options) => target.check(key, options) };
    },
  });
  const ok = async () => new Response("ok");

  it("a limiter that throws without a code → 503 RATE_LIMIT_UNAVAILABLE, Retry-After 5, next not called", async () => {
    let reached = false;
    const gate = rateLimit({ namespace: namespace(fixtures.THROWING_LIMITER), key: () => `ip:${uniqueTenant()}` });
    const res = await gate.middleware(new Request("https://w.test/"), async () => {
      reached = true;
      return new Response("ok");
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect((await jsonOf(res)).error.code).toBe("RATE_LIMIT_UNAVAILABLE");
    expect(reached).toBe(false);
  });

  it("admits exactly the plan through real limiter DOs, then 429", async () => {
    const key = `ip:${uniqueTenant()}`;
    const gate = rateLimit({ namespace: namespace(fixtures.LIMITER), key: () => key, shards: 4 });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await gate.middleware(new Request("https://w.test/"), ok)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses[10]).toBe(429);
  });

  it("a limiter's client error keeps its code and status (not a 503)", async () => {
    const gate = rateLimit({ namespace: namespace(fixtures.LIMITER), key: () => "" });
    const res = await gate.middleware(new Request("https://w.test/"), ok);
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).error.code).toBe("INVALID_KEY");
  });

  it("the RPC target throws coded errors that errorCodeOf reads", async () => {
    const name = uniqueTenant("rl");
    const target = (
      fixtures.LIMITER.getByName(name) as unknown as {
        capability(n: string, t: string): { check(key: string): Promise<unknown> };
      }
    ).capability("rate-limit", name);
    const err = await target.check("").catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("INVALID_KEY");
  });
});
