/**
 * Proves the tenant quota end to end through the real Worker and TenantDO (one hop; the quota
 * is decided inside the tenant's DO on real DO SQLite): 429 after the plan limit with exact header values and body, headers on
 * every gated response (success or error), the production `free` plan's headers, a spoofed
 * `x-rate-limit-tier` ignored, an operator plan change applying on the next request, the
 * operator route's 401/403/400 cases, and `/health` not gated.
 * Does not prove production timing: local workerd clocks advance during CPU work.
 */
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const operator = () => tokenFor("*", "operator");

async function setPlan(tenant: string, plan: string): Promise<Response> {
  return call(`/v1/tenants/${tenant}/rate-limit/plan`, jsonInit("PUT", { plan }, await operator()));
}

/** A cheap gated request (the tenant's plan list). */
async function gated(tenant: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(`/v1/tenants/${tenant}/rate-limit/plans`, { token, headers });
}

describe("the gate", () => {
  it("answers 429 after the plan limit, with exact headers and body", async () => {
    const tenant = uniqueTenant("rl");
    expect((await setPlan(tenant, "tiny")).status).toBe(200);
    const token = await tokenFor(tenant);
    for (let i = 0; i < 10; i++) {
      const res = await gated(tenant, token);
      expect(res.status).toBe(200);
      expect(res.headers.get("X-RateLimit-Limit")).toBe("10");
      expect(res.headers.get("X-RateLimit-Remaining")).toBe(String(9 - i));
      expect(res.headers.get("RateLimit-Policy")).toBe('"minute";q=10;w=60');
      expect(res.headers.get("RateLimit")).toMatch(new RegExp(`^"minute";r=${9 - i};t=\\d+$`));
      expect(res.headers.get("Retry-After")).toBeNull();
    }
    const before = Date.now();
    const res = await gated(tenant, token);
    expect(res.status).toBe(429);
    const body = await jsonOf(res);
    const retryAfterMs = (body.error as unknown as { retryAfterMs: number }).retryAfterMs;
    // One token refills in 6 s; only the test's own run time has passed since the first request.
    expect(retryAfterMs).toBeGreaterThan(3000);
    expect(retryAfterMs).toBeLessThanOrEqual(6000);
    expect(body.error).toMatchObject({
      code: "RATE_LIMITED",
      policy: "minute",
      retryAfter: Math.ceil(retryAfterMs / 1000),
    });
    expect(res.headers.get("Retry-After")).toBe(String(Math.ceil(retryAfterMs / 1000)));
    expect(res.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(res.headers.get("X-RateLimit-Limit")).toBe("10");
    const reset = Number(res.headers.get("X-RateLimit-Reset"));
    // Full again in at most 60 s (10 tokens at 1 per 6 s), in epoch seconds rounded up.
    expect(reset).toBeGreaterThanOrEqual(Math.ceil(before / 1000) + 50);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    const t = Number(/t=(\d+)$/.exec(res.headers.get("RateLimit") ?? "")?.[1]);
    // t counts from the gate's clock reading, a few ms before this one: allow both roundings.
    expect(Math.abs(reset - Math.ceil(Date.now() / 1000) - t)).toBeLessThanOrEqual(2);
  });

  it("lets the operator plan route answer while the tenant is throttled", async () => {
    const tenant = uniqueTenant("rl");
    await setPlan(tenant, "tiny");
    const token = await tokenFor(tenant);
    for (let i = 0; i < 10; i++) await gated(tenant, token);
    expect((await gated(tenant, token)).status).toBe(429);
    const status = await call(`/v1/tenants/${tenant}/rate-limit/plan`, { token });
    expect(status.status).toBe(200);
    expect(await jsonOf(status)).toMatchObject({ plan: { name: "tiny" }, status: { remaining: 0 } });
    const upgrade = await setPlan(tenant, "enterprise");
    expect(upgrade.status).toBe(200);
    expect(await jsonOf(upgrade)).toMatchObject({ plan: { name: "enterprise" } });
  });

  it("puts a tenant without an override on `free` and reports every limit of its plan", async () => {
    const tenant = uniqueTenant("rl");
    const res = await gated(tenant, await tokenFor(tenant));
    expect(res.status).toBe(200);
    expect(res.headers.get("X-RateLimit-Limit")).toBe("1000000");
    expect((await setPlan(tenant, "starter")).status).toBe(200);
    const next = await gated(tenant, await tokenFor(tenant));
    // The production free plan's shape: 60 per minute and 10,000 per day.
    expect(next.headers.get("RateLimit-Policy")).toBe('"minute";q=60;w=60, "day";q=10000;w=86400');
    expect(next.headers.get("X-RateLimit-Limit")).toBe("60");
    expect(next.headers.get("X-RateLimit-Remaining")).toBe("59");
  });

  it("carries the headers on error responses of the tenant DO too", async () => {
    const tenant = uniqueTenant("rl");
    const res = await call(`/v1/tenants/${tenant}/meta/missing`, { token: await tokenFor(tenant) });
    expect(res.status).toBe(404);
    expect(res.headers.get("X-RateLimit-Remaining")).toBe("999999");
  });

  it("ignores a spoofed x-rate-limit-tier header", async () => {
    const tenant = uniqueTenant("rl");
    await setPlan(tenant, "tiny");
    const token = await tokenFor(tenant);
    const spoof = { "x-rate-limit-tier": "enterprise", "x-plan": "enterprise" };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await gated(tenant, token, spoof);
      statuses.push(res.status);
      expect(res.headers.get("X-RateLimit-Limit")).toBe("10");
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses[10]).toBe(429);
  });

  it("applies an operator plan change on the next request", async () => {
    const tenant = uniqueTenant("rl");
    const token = await tokenFor(tenant);
    for (let i = 0; i < 3; i++) expect((await gated(tenant, token)).status).toBe(200);
    const put = await setPlan(tenant, "tiny");
    expect(put.status).toBe(200);
    expect(await jsonOf(put)).toMatchObject({ tenant, plan: { name: "tiny" }, overridden: true });
    // Same limit name and algorithm: the bucket keeps its state, clamped to the new capacity.
    const next = await gated(tenant, token);
    expect(next.headers.get("X-RateLimit-Limit")).toBe("10");
    expect(next.headers.get("X-RateLimit-Remaining")).toBe("9");
    const status = await call(`/v1/tenants/${tenant}/rate-limit/plan`, { token });
    expect(status.status).toBe(200);
    expect(await jsonOf(status)).toMatchObject({ plan: { name: "tiny" }, status: { remaining: 9, limit: 10 } });
    expect((await setPlan(tenant, "enterprise")).status).toBe(200);
    expect((await gated(tenant, token)).headers.get("X-RateLimit-Limit")).toBe("1000");
  });

  it("operator route: 401 without a token, 403 for a tenant token, 400 for bad plans", async () => {
    const tenant = uniqueTenant("rl");
    const path = `/v1/tenants/${tenant}/rate-limit/plan`;
    expect((await call(path, jsonInit("PUT", { plan: "enterprise" }))).status).toBe(401);
    const asTenant = await call(path, jsonInit("PUT", { plan: "enterprise" }, await tokenFor(tenant)));
    expect(asTenant.status).toBe(403);
    expect((await jsonOf(asTenant)).error.code).toBe("FORBIDDEN");
    const other = await call(path, { token: await tokenFor(uniqueTenant("other")) });
    expect(other.status).toBe(403);
    const platform = await call(path, jsonInit("PUT", { plan: "tiny" }, await tokenFor("*", "platform")));
    expect(platform.status).toBe(200);
    const unknown = await call(path, jsonInit("PUT", { plan: "gold" }, await operator()));
    expect(unknown.status).toBe(400);
    expect((await jsonOf(unknown)).error.code).toBe("UNKNOWN_PLAN");
    const bad = await call(path, jsonInit("PUT", { plan: "Gold!" }, await operator()));
    expect((await jsonOf(bad)).error.code).toBe("CONFIG_INVALID");
    const notJson = await call(path, { method: "PUT", body: "{", token: await operator() });
    expect((await jsonOf(notJson)).error.code).toBe("INVALID_JSON");
    // The tenant is still on the plan the platform token set.
    const st = await call(path, { token: await tokenFor(tenant) });
    expect((await jsonOf(st)).plan).toMatchObject({ name: "tiny" });
  });

  it("does not gate /health or unauthenticated requests", async () => {
    const health = await call("/health");
    expect(health.status).toBe(200);
    expect(health.headers.get("RateLimit")).toBeNull();
    const tenant = uniqueTenant("rl");
    const res = await call(`/v1/tenants/${tenant}/rate-limit/plans`);
    expect(res.status).toBe(401);
    expect(res.headers.get("RateLimit")).toBeNull();
  });
});

describe("quota configuration", () => {
  it("defaults to the issue's plans when PLANS is unset", async () => {
    const { DEFAULT_PLANS, quotaPlans } = await import("../src/capabilities/quota.ts");
    expect(quotaPlans(undefined)).toBe(DEFAULT_PLANS);
    const minute = (n: number) => ({ name: "minute", algorithm: "tokenBucket", capacity: n, refillPerSecond: n / 60 });
    const day = (n: number) => ({ name: "day", algorithm: "slidingWindow", limit: n, windowMs: 86_400_000 });
    expect(DEFAULT_PLANS).toEqual([
      { name: "free", limits: [minute(60), day(10_000)] },
      { name: "pro", limits: [minute(300), day(100_000)] },
      { name: "enterprise", limits: [minute(1_000), day(500_000)] },
    ]);
  });

  it("refuses PLANS that are not JSON, invalid, or without free (503 CONFIG_INVALID)", async () => {
    const { quotaPlans } = await import("../src/capabilities/quota.ts");
    for (const raw of [
      "{not json",
      JSON.stringify([{ name: "pro", limits: [{ name: "m", capacity: 1, refillPerSecond: 1 }] }]),
      JSON.stringify([{ name: "free", limits: [{ name: "m", capacity: -1, refillPerSecond: 1 }] }]),
    ]) {
      expect(() => quotaPlans(raw)).toThrow(/CONFIG_INVALID/);
    }
  });
});
