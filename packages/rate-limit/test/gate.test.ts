/**
 * Proves `rateLimitGate` (the capability's `gate` option): a pass carries the rate-limit
 * headers, a rejection is the 429 with `Retry-After`, a null key passes unchecked (the operator
 * route), a bad key is a 400 (never a pass, even with failOpen), and a limiter that fails is a
 * 503 RATE_LIMIT_UNAVAILABLE with `Retry-After: 5` (fail closed) or a pass with failOpen. The
 * order of gates and routes in DOBase is covered in apps/platform.
 */
import { type GateDecision, type GateRequest, ManualClock, type Route } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { type RateLimiter, type RateLimitGateOptions, rateLimitCapability, rateLimitGate } from "../src/index.ts";
import { T0 } from "./helpers.ts";

const PLANS = {
  plans: [{ name: "free", limits: [{ name: "minute", capacity: 2, refillPerSecond: 2 / 60 }] }],
  defaultPlan: "free",
};

const route: Route = { method: "GET", path: "/meta", handle: () => null };
const req = (owner = "meta"): GateRequest => ({
  request: new Request("https://x/v1/tenants/acme/meta"),
  tenant: "acme",
  route,
  owner,
});

async function gated(gate: Omit<RateLimitGateOptions, "key"> & Partial<Pick<RateLimitGateOptions, "key">> = {}) {
  const db = openSqlite();
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock: new ManualClock(T0) });
  const cap = host.use(
    rateLimitCapability({
      ...PLANS,
      name: "rate-limit-gate",
      tablePrefix: "rl_gate_",
      routes: false,
      gate: { key: ({ tenant, owner }) => (owner === "plan" ? null : `tenant:${tenant}`), ...gate },
    }),
  );
  await host.start();
  if (cap.gate === undefined) throw new Error("no gate");
  return { gate: cap.gate, limiter: cap.limiter };
}

const refused = (d: GateDecision): Response => {
  if (d.pass) throw new Error("passed");
  return d.response;
};

describe("rateLimitGate", () => {
  it("passes with headers, then answers 429 with Retry-After; a null key passes unchecked", async () => {
    const { gate } = await gated();
    const first = await gate.admit(req());
    expect(first).toMatchObject({ pass: true, headers: { "x-ratelimit-remaining": "1" } });
    await gate.admit(req());
    const no = refused(await gate.admit(req()));
    expect(no.status).toBe(429);
    expect(no.headers.get("Retry-After")).toBe("30");
    expect(((await no.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    expect(await gate.admit(req("plan"))).toEqual({ pass: true, headers: {} });
  });

  it("a bad key is a 400, never a pass", async () => {
    const { gate } = await gated({ key: () => "bad\u0000key", failOpen: true });
    const res = refused(await gate.admit(req()));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_KEY");
  });

  it("a failing limiter fails closed with 503 and Retry-After: 5, or open with failOpen", async () => {
    const broken = {
      limit: () => {
        throw new Error("SQLITE_FULL");
      },
    } as unknown as RateLimiter;
    const errors: unknown[] = [];
    const closed = rateLimitGate(broken, { key: () => "k", onError: (e) => errors.push(e) });
    const res = refused(await closed.admit(req()));
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMIT_UNAVAILABLE");
    expect(errors).toHaveLength(1);
    const open = rateLimitGate(broken, { key: () => "k", failOpen: true });
    expect(await open.admit(req())).toEqual({ pass: true, headers: {} });
  });

  it("a cost function spends that many units", async () => {
    const { gate, limiter } = await gated({ cost: () => 2 });
    await gate.admit(req());
    expect(limiter.peek("tenant:acme").remaining).toBe(0);
  });
});
