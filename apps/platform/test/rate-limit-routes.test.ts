/**
 * Proves the tenant's rate-limit routes over HTTP (tenant token, state in the tenant's own DO):
 * check (success false is a 200, with headers), peek, reset, overrides, plans, and every bad
 * input with its stable code: INVALID_COST, INVALID_KEY, UNKNOWN_LIMIT, INVALID_JSON,
 * CONFIG_INVALID (with the zod path), UNKNOWN_PLAN, PLAN_READ_ONLY, PLAN_IN_USE; a tenant token
 * for another tenant gets 403. Algorithm details are proved in the package's Node tests.
 */
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

async function setup() {
  const tenant = uniqueTenant("rlr");
  const token = await tokenFor(tenant);
  const base = `/v1/tenants/${tenant}/rate-limit`;
  const send = (method: string, path: string, body?: unknown) =>
    call(`${base}${path}`, body === undefined ? { method, token } : jsonInit(method, body, token));
  return { tenant, token, base, send };
}

describe("tenant rate-limit routes", () => {
  it("check, peek and reset", async () => {
    const { send } = await setup();
    const ok = await send("POST", "/check", { key: "user:42", cost: 59 });
    expect(ok.status).toBe(200);
    expect(await jsonOf(ok)).toMatchObject({ success: true, limit: 60, remaining: 1, policy: "default" });
    expect(ok.headers.get("RateLimit-Policy")).toBe('"default";q=60;w=60');
    expect(ok.headers.get("X-RateLimit-Remaining")).toBe("1");
    const no = await send("POST", "/check", { key: "user:42", cost: 2 });
    expect(no.status).toBe(200);
    const body = await jsonOf(no);
    expect(body).toMatchObject({ success: false, remaining: 1 });
    expect(no.headers.get("Retry-After")).toBe(String(Math.ceil((body.retryAfter as number) / 1000)));
    const peek = await send("GET", "/keys/user%3A42");
    expect(await jsonOf(peek)).toMatchObject({ success: true, remaining: 1 });
    expect((await send("DELETE", "/keys/user%3A42")).status).toBe(204);
    expect(await jsonOf(await send("GET", "/keys/user%3A42"))).toMatchObject({ remaining: 60 });
  });

  it("overrides and plans", async () => {
    const { send } = await setup();
    const plan = await send("PUT", "/plans/gold", {
      limits: [
        { name: "second", algorithm: "gcra", limit: 5, periodMs: 1000, burst: 5 },
        { name: "hour", algorithm: "fixedWindow", limit: 2, windowMs: 3_600_000 },
      ],
    });
    expect(plan.status).toBe(200);
    const o = await send("PUT", "/keys/vip/override", { plan: "gold" });
    expect(await jsonOf(o)).toMatchObject({ key: "vip", override: { plan: "gold" }, plan: { name: "gold" } });
    expect(await jsonOf(await send("POST", "/check", { key: "vip" }))).toMatchObject({ success: true });
    expect(await jsonOf(await send("POST", "/check", { key: "vip" }))).toMatchObject({ success: true, remaining: 0 });
    // The second limit rejects: the first keeps its remaining (nothing consumed).
    const third = await jsonOf(await send("POST", "/check", { key: "vip" }));
    expect(third).toMatchObject({ success: false, policy: "hour" });
    const policies = third.policies as { policy: string; remaining: number; success: boolean }[];
    expect(policies.find((p) => p.policy === "second")).toMatchObject({ success: true });
    const peek = (await jsonOf(await send("GET", "/keys/vip?limit=second"))) as unknown as { remaining: number };
    expect(peek.remaining).toBe((policies.find((p) => p.policy === "second") as { remaining: number }).remaining);

    const inUse = await send("DELETE", "/plans/gold");
    expect(inUse.status).toBe(409);
    expect((await jsonOf(inUse)).error.code).toBe("PLAN_IN_USE");
    expect((await send("DELETE", "/keys/vip/override")).status).toBe(204);
    expect((await send("DELETE", "/plans/gold")).status).toBe(204);
    const list = await jsonOf(await send("GET", "/plans"));
    expect(list.plans).toEqual([
      {
        name: "default",
        readOnly: true,
        limits: [{ name: "default", algorithm: "tokenBucket", capacity: 60, refillPerSecond: 1 }],
      },
    ]);
  });

  it("bad input gets a 4xx with a stable code and changes nothing", async () => {
    const { send, base, token } = await setup();
    const code = async (res: Response) => (await jsonOf(res)).error;
    for (const cost of [0, -1, 1.5, "2", null, 61]) {
      const res = await send("POST", "/check", { key: "k", cost });
      expect(res.status).toBe(400);
      expect((await code(res)).code).toBe("INVALID_COST");
    }
    expect(await jsonOf(await send("GET", "/keys/k"))).toMatchObject({ remaining: 60 });
    for (const key of ["", "x".repeat(513), "a\u0001b"]) {
      expect((await code(await send("POST", "/check", { key }))).code).toBe("INVALID_KEY");
    }
    expect((await code(await send("POST", "/check", { key: "k", limits: ["nope"] }))).code).toBe("UNKNOWN_LIMIT");
    const notJson = await call(`${base}/check`, { method: "POST", body: "{oops", token });
    expect(notJson.status).toBe(400);
    expect((await code(notJson)).code).toBe("INVALID_JSON");
    const badPlan = await code(
      await send("PUT", "/plans/p", {
        limits: [{ name: "m", algorithm: "slidingLog", limit: 10_001, windowMs: 1000 }],
      }),
    );
    expect(badPlan.code).toBe("CONFIG_INVALID");
    expect(badPlan.message).toContain("limits[0].limit");
    const nine = Array.from({ length: 9 }, (_, i) => ({ name: `l${i}`, capacity: 1, refillPerSecond: 1 }));
    expect((await code(await send("PUT", "/plans/p", { limits: nine }))).code).toBe("CONFIG_INVALID");
    expect((await code(await send("PUT", "/plans/default", { limits: [nine[0]] }))).code).toBe("PLAN_READ_ONLY");
    expect((await code(await send("PUT", "/keys/k/override", { plan: "missing" }))).code).toBe("UNKNOWN_PLAN");
    expect((await send("GET", "/plans/whatever")).status).toBe(405);
  });

  it("a token for another tenant gets 403", async () => {
    const { base } = await setup();
    const res = await call(`${base}/check`, jsonInit("POST", { key: "k" }, await tokenFor(uniqueTenant("x"))));
    expect(res.status).toBe(403);
  });
});
