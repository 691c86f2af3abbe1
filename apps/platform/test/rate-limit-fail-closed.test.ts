/**
 * Proves the gate fails closed: when the limiter DO throws (a fixture DO bound in place of
 * RATE_LIMITER), the Worker answers 503 RATE_LIMIT_UNAVAILABLE with `Retry-After: 5` and the
 * request never reaches the tenant's DO. Also a bad `PLANS` or `RL_SHARDS` is a 503
 * CONFIG_INVALID, not a pass. Does not prove network partitions between colos.
 */
import { describe, expect, it } from "vitest";
import { handleRequest } from "../src/worker.ts";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const brokenEnv = (patch: Partial<Record<string, unknown>>): Env => {
  const out = Object.create(env) as Env;
  for (const [k, v] of Object.entries(patch)) Object.defineProperty(out, k, { value: v });
  return out;
};

describe("fail closed", () => {
  it("a throwing limiter DO → 503 RATE_LIMIT_UNAVAILABLE, Retry-After 5, tenant DO untouched", async () => {
    const tenant = uniqueTenant("rlf");
    const token = await tokenFor(tenant);
    const throwing = (env as unknown as { THROWING_LIMITER: unknown }).THROWING_LIMITER;
    const req = new Request(`https://platform.test/v1/tenants/${tenant}/meta/leak`, {
      ...jsonInit("PUT", { value: "must not be written" }),
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
    const res = await handleRequest(req, brokenEnv({ RATE_LIMITER: throwing }));
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect((await jsonOf(res)).error.code).toBe("RATE_LIMIT_UNAVAILABLE");
    const read = await call(`/v1/tenants/${tenant}/meta/leak`, { token });
    expect(read.status).toBe(404);
  });

  it("a bad PLANS or RL_SHARDS → 503 CONFIG_INVALID", async () => {
    const tenant = uniqueTenant("rlf");
    const token = await tokenFor(tenant);
    const make = () =>
      new Request(`https://platform.test/v1/tenants/${tenant}/rate-limit/plans`, {
        headers: { authorization: `Bearer ${token}` },
      });
    for (const patch of [
      { PLANS: "{not json" },
      { PLANS: JSON.stringify([{ name: "pro", limits: [{ name: "m", capacity: 1, refillPerSecond: 1 }] }]) },
      { PLANS: JSON.stringify([{ name: "free", limits: [{ name: "m", capacity: -1, refillPerSecond: 1 }] }]) },
      { RL_SHARDS: "0" },
    ]) {
      const res = await handleRequest(make(), brokenEnv(patch));
      expect(res.status).toBe(503);
      expect((await jsonOf(res)).error.code).toBe("CONFIG_INVALID");
    }
  });
});
