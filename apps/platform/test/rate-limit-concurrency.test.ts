/**
 * Proves exactness under concurrency in workerd: 32 concurrent requests on one gate key with a
 * limit of L = 10 admit exactly 10 (the limiter DO serialises them), and the same for 32
 * concurrent `POST /rate-limit/check` calls on one key of the tenant's own limiter.
 * Does not prove cross-colo behaviour (one local workerd).
 */
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

describe("32 concurrent callers on one key", () => {
  it("the gate admits exactly L", async () => {
    const tenant = uniqueTenant("rlc");
    const put = await call(
      `/v1/tenants/${tenant}/rate-limit/plan`,
      jsonInit("PUT", { plan: "tiny" }, await tokenFor("*", "operator")),
    );
    expect(put.status).toBe(200);
    const token = await tokenFor(tenant);
    const responses = await Promise.all(
      Array.from({ length: 32 }, () => call(`/v1/tenants/${tenant}/rate-limit/plans`, { token })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(22);
    const remaining = responses
      .filter((r) => r.status === 200)
      .map((r) => Number(r.headers.get("X-RateLimit-Remaining")));
    expect(remaining.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("the tenant's own limiter admits exactly L", async () => {
    const tenant = uniqueTenant("rlc");
    const token = await tokenFor(tenant);
    const o = await call(
      `/v1/tenants/${tenant}/rate-limit/keys/user%3A1/override`,
      jsonInit("PUT", { limits: [{ name: "burst", algorithm: "slidingLog", limit: 10, windowMs: 60_000 }] }, token),
    );
    expect(o.status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 32 }, async () => {
        const res = await call(`/v1/tenants/${tenant}/rate-limit/check`, jsonInit("POST", { key: "user:1" }, token));
        expect(res.status).toBe(200);
        return (await jsonOf(res)).success as boolean;
      }),
    );
    expect(results.filter(Boolean)).toHaveLength(10);
  });
});
