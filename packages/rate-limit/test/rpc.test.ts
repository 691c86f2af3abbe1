/**
 * Proves the capability's RPC `api` (what DOBase serves as its RPC target), called as plain
 * functions: plain data in and out, and every bad input thrown as a PlatformError whose
 * `[CODE]` is in the message (what survives Workers RPC), never returned as a value. Real RPC
 * (DOBase's target, the tenant check) is covered in apps/platform.
 */
import { errorCodeOf, ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { type RateLimitApi, rateLimitCapability } from "../src/index.ts";
import { MINUTE_DAY, T0 } from "./helpers.ts";

async function composed(): Promise<{ api: RateLimitApi; clock: ManualClock }> {
  const db = openSqlite();
  const clock = new ManualClock(T0);
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock });
  const cap = host.use(rateLimitCapability(MINUTE_DAY));
  await host.start();
  return { api: cap.api, clock };
}

/** The message of what `fn` threw (and that it was thrown, not returned). */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return "no error";
}

describe("rate-limit RPC api", () => {
  it("check returns { result, plan } as plain data", async () => {
    const { api } = await composed();
    const reply = api.check("u1", { cost: 2 });
    expect(reply.result).toMatchObject({ success: true, remaining: 3, policy: "minute" });
    expect(reply.plan.name).toBe("free");
    expect(structuredClone(reply)).toEqual(reply);
    expect(api.check("u1", { cost: 3 }).result.remaining).toBe(0);
    expect(api.check("u1").result).toMatchObject({ success: false, retryAfter: 12_000 });
  });

  it.each([
    [
      "cost -1",
      (a: RateLimitApi) => a.check("k", { cost: -1 }),
      "[INVALID_COST] cost: must be a positive safe integer, got -1",
    ],
    ["an empty key", (a: RateLimitApi) => a.check(""), "[INVALID_KEY] key: must be a non-empty string"],
    [
      "a key that is not a string",
      (a: RateLimitApi) => a.check(42 as never),
      "[INVALID_KEY] key: must be a non-empty string",
    ],
    [
      "an unknown limit",
      (a: RateLimitApi) => a.peek("k", { limits: ["hour"] }),
      '[UNKNOWN_LIMIT] limits[0]: plan free has no limit "hour"',
    ],
    [
      "options that are not an object",
      (a: RateLimitApi) => a.check("k", "x" as never),
      "[CONFIG_INVALID] options: must be an object",
    ],
    [
      "101 checks",
      (a: RateLimitApi) => a.checkBatch(Array.from({ length: 101 }, () => ({ key: "k" }))),
      "[BATCH_TOO_LARGE] checks: 101 checks, at most 100 per batch",
    ],
    [
      "a batch that is not an array",
      (a: RateLimitApi) => a.checkBatch("x" as never),
      "[CONFIG_INVALID] checks: must be an array",
    ],
    [
      "a limit name that is not a string",
      (a: RateLimitApi) => a.reset("k", 3 as never),
      "[UNKNOWN_LIMIT] limit: must be a limit name",
    ],
    [
      "an override naming no plan",
      (a: RateLimitApi) => a.setOverride("k", { plan: "gold" }),
      '[UNKNOWN_PLAN] plan: no plan named "gold"',
    ],
    [
      "a config plan",
      (a: RateLimitApi) => a.deletePlan("free"),
      "[PLAN_READ_ONLY] plan free comes from config and cannot change at runtime",
    ],
    ["a missing plan", (a: RateLimitApi) => a.deletePlan("gold"), '[PLAN_NOT_FOUND] no plan named "gold"'],
  ])("%s throws with its [CODE]", async (_, call, message) => {
    const { api: a } = await composed();
    expect(thrown(() => call(a))).toBe(message);
  });

  it("a malformed plan or override is CONFIG_INVALID naming the path", async () => {
    const { api: a } = await composed();
    const m = thrown(() => a.upsertPlan({ name: "x", limits: [{ name: "m", capacity: -1 }] } as never));
    expect(errorCodeOf(new Error(m))).toBe("CONFIG_INVALID");
    expect(m).toContain("limits[0]");
    expect(errorCodeOf(new Error(thrown(() => a.setOverride("k", { plan: "pro", expiresAt: T0 }))))).toBe(
      "CONFIG_INVALID",
    );
  });

  it("overrides, plans, peek and reset round-trip as plain data", async () => {
    const { api: a } = await composed();
    expect(
      a.upsertPlan({
        name: "gold",
        limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 100, refillPerSecond: 2 }],
      }),
    ).toMatchObject({
      name: "gold",
      readOnly: false,
    });
    const o = a.setOverride("vip", { plan: "gold", expiresAt: T0 + 60_000 });
    expect(o).toEqual({ override: { plan: "gold", expiresAt: T0 + 60_000 }, plan: a.planFor("vip") });
    expect(o.plan.name).toBe("gold");
    expect(a.getOverride("vip")).toEqual({ plan: "gold", expiresAt: T0 + 60_000 });
    expect(a.check("vip").result.limit).toBe(100);
    expect(thrown(() => a.deletePlan("gold"))).toMatch(/^\[PLAN_IN_USE\]/);
    a.clearOverride("vip");
    expect(a.getOverride("vip")).toBeNull();
    a.deletePlan("gold");
    expect(a.listPlans().map((p) => p.name)).toEqual(["free", "log", "pro"]);
    a.check("k", { cost: 4 });
    expect(a.peek("k").result.remaining).toBe(1);
    a.reset("k");
    expect(a.peek("k")).toMatchObject({ result: { remaining: 5 }, plan: { name: "free" } });
    expect(a.checkBatch([{ key: "b" }, { key: "b", cost: 4 }]).map((r) => r.remaining)).toEqual([4, 0]);
  });

  it("its methods are own properties (a host can serve them without walking a prototype)", async () => {
    const { api: a } = await composed();
    expect(Object.keys(a).sort()).toEqual([
      "check",
      "checkBatch",
      "clearOverride",
      "deletePlan",
      "getOverride",
      "listPlans",
      "peek",
      "planFor",
      "reset",
      "setOverride",
      "upsertPlan",
    ]);
  });
});
