/**
 * Proves that counts survive eviction: after `abortAllDurableObjects` (every instance dropped,
 * storage kept) the gate's next decision equals the one without eviction, and so does the
 * tenant's own limiter. Does not prove natural idle eviction timing.
 */
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

describe("eviction", () => {
  it("keeps the gate's counts and the tenant limiter's counts", async () => {
    const tenant = uniqueTenant("rle");
    await call(
      `/v1/tenants/${tenant}/rate-limit/plan`,
      jsonInit("PUT", { plan: "tiny" }, await tokenFor("*", "operator")),
    );
    const token = await tokenFor(tenant);
    const check = () => call(`/v1/tenants/${tenant}/rate-limit/check`, jsonInit("POST", { key: "k", cost: 7 }, token));
    const first = await check();
    expect(first.headers.get("X-RateLimit-Remaining")).toBe("53");
    expect(await jsonOf(first)).toMatchObject({ success: true, remaining: 53 });
    // The check route reports the tenant key's limit; the gate's own count is seen on other routes.
    const plans = await call(`/v1/tenants/${tenant}/rate-limit/plans`, { token });
    expect(plans.headers.get("X-RateLimit-Remaining")).toBe("8");

    await abortAllDurableObjects();

    const after = await call(`/v1/tenants/${tenant}/rate-limit/plans`, { token });
    expect(after.status).toBe(200);
    expect(after.headers.get("X-RateLimit-Remaining")).toBe("7");
    const again = await check();
    expect(await jsonOf(again)).toMatchObject({ success: true, remaining: 46 });
    const peek = await call(`/v1/tenants/${tenant}/rate-limit/keys/k`, { token });
    expect(await jsonOf(peek)).toMatchObject({ remaining: 46, limit: 60, policy: "default" });
  });
});
