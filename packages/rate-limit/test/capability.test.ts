/**
 * Proves the capability's route handlers over a real limiter (called as DOBase would call them,
 * without HTTP parsing): check with headers, peek, reset, overrides, plans, and their error
 * codes; and that onStart/onWake drive start and the sweep. HTTP, auth and JSON parsing are
 * covered in apps/platform.
 */
import { ManualClock, PlatformError, type Route, type RouteRequest } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { type RateLimitCapabilityOptions, rateLimitCapability } from "../src/index.ts";
import { MINUTE_DAY, T0 } from "./helpers.ts";

/** A started host (migrations, onStart) with the capability composed as DOBase composes it. */
async function make(options: Partial<RateLimitCapabilityOptions> = {}) {
  const db = openSqlite();
  const clock = new ManualClock(T0);
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock });
  const cap = host.use(rateLimitCapability({ ...MINUTE_DAY, ...options }));
  await host.start();
  const sweepAt = () => host.wakes.pending().find((w) => w.owner === cap.name && w.key === "sweep")?.atMs;
  const call = async (method: string, path: string, body?: unknown, query = "") => {
    for (const route of cap.routes ?? []) {
      const params = match(route, method, path);
      if (params === null) continue;
      const req: RouteRequest = {
        params,
        query: new URLSearchParams(query),
        body,
        tenant: "acme",
        requestId: "r1",
        request: new Request(`https://x/v1/tenants/acme${path}`, { method }),
      };
      try {
        const out = await route.handle(req);
        if (out instanceof Response) {
          return { status: out.status, headers: out.headers, body: out.status === 204 ? null : await out.json() };
        }
        return { status: 200, headers: new Headers(), body: out as Record<string, unknown> };
      } catch (err) {
        if (err instanceof PlatformError) return { status: err.status, headers: new Headers(), body: err.toBody() };
        throw err;
      }
    }
    throw new Error(`no route ${method} ${path}`);
  };
  return { cap, call, host, sweepAt, clock, db };
}

function match(route: Route, method: string, path: string): Record<string, string> | null {
  if (route.method !== method) return null;
  const a = route.path.split("/");
  const b = path.split("/");
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const p = a[i] as string;
    if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(b[i] as string);
    else if (p !== b[i]) return null;
  }
  return params;
}

describe("rate-limit routes", () => {
  it("POST /rate-limit/check returns the result with headers, success false included", async () => {
    const { call } = await make();
    const ok = await call("POST", "/rate-limit/check", { key: "u1", cost: 5 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ success: true, remaining: 0, policy: "minute" });
    expect(ok.headers.get("X-RateLimit-Remaining")).toBe("0");
    const no = await call("POST", "/rate-limit/check", { key: "u1" });
    expect(no.status).toBe(200);
    expect(no.body).toMatchObject({ success: false, retryAfter: 12_000 });
    expect(no.headers.get("Retry-After")).toBe("12");
  });

  it("rejects bad bodies with stable codes", async () => {
    const { call } = await make();
    const codes = async (body: unknown) =>
      ((await call("POST", "/rate-limit/check", body)).body as { error: { code: string } }).error.code;
    expect(await codes({ key: "u", cost: 0 })).toBe("INVALID_COST");
    expect(await codes({ key: "u", cost: "2" })).toBe("INVALID_COST");
    expect(await codes({ key: "" })).toBe("INVALID_KEY");
    expect(await codes({ cost: 1 })).toBe("INVALID_KEY");
    expect(await codes({ key: "u", limits: ["hour"] })).toBe("UNKNOWN_LIMIT");
    expect(await codes("not an object")).toBe("INVALID_JSON");
    expect(await codes(undefined)).toBe("INVALID_JSON");
  });

  it("peek, reset, override and plans", async () => {
    const { call } = await make();
    await call("POST", "/rate-limit/check", { key: "a/b", cost: 3 });
    expect((await call("GET", "/rate-limit/keys/a%2Fb")).body).toMatchObject({ remaining: 2 });
    expect((await call("DELETE", "/rate-limit/keys/a%2Fb")).status).toBe(204);
    expect((await call("GET", "/rate-limit/keys/a%2Fb")).body).toMatchObject({ remaining: 5 });

    const put = await call("PUT", "/rate-limit/plans/gold", {
      limits: [{ name: "minute", capacity: 100, refillPerSecond: 2 }],
    });
    expect(put.body).toMatchObject({ plan: { name: "gold", readOnly: false } });
    const o = await call("PUT", "/rate-limit/keys/vip/override", { plan: "gold", expiresAt: T0 + 3_600_000 });
    expect(o.body).toMatchObject({ key: "vip", override: { plan: "gold", expiresAt: T0 + 3_600_000 } });
    expect((await call("POST", "/rate-limit/check", { key: "vip" })).body).toMatchObject({ limit: 100 });
    const inUse = await call("DELETE", "/rate-limit/plans/gold");
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ error: { code: "PLAN_IN_USE" } });
    expect((await call("DELETE", "/rate-limit/keys/vip/override")).status).toBe(204);
    expect((await call("DELETE", "/rate-limit/plans/gold")).status).toBe(204);
    const plans = (await call("GET", "/rate-limit/plans")).body as { plans: { name: string }[] };
    expect(plans.plans.map((p) => p.name)).toEqual(["free", "log", "pro"]);
  });

  it("override and plan errors", async () => {
    const { call } = await make();
    const code = async (m: string, p: string, b: unknown) =>
      ((await call(m, p, b)).body as { error: { code: string; message: string } }).error;
    expect((await code("PUT", "/rate-limit/keys/k/override", { plan: "nope" })).code).toBe("UNKNOWN_PLAN");
    expect((await code("PUT", "/rate-limit/keys/k/override", { plan: "pro", extra: 1 })).code).toBe("CONFIG_INVALID");
    expect(
      (await code("PUT", "/rate-limit/plans/free", { limits: [{ name: "m", capacity: 1, refillPerSecond: 1 }] })).code,
    ).toBe("PLAN_READ_ONLY");
    const bad = await code("PUT", "/rate-limit/plans/x", {
      limits: [{ name: "m", algorithm: "slidingWindow", limit: 5, windowMs: 10 }],
    });
    expect(bad.code).toBe("CONFIG_INVALID");
    expect(bad.message).toContain("limits[0].windowMs");
    expect(
      (await code("PUT", "/rate-limit/plans/Bad Name", { limits: [{ name: "m", capacity: 1, refillPerSecond: 1 }] }))
        .code,
    ).toBe("CONFIG_INVALID");
  });

  it("onStart asks for the sweep through its own wake-ups and onWake runs it", async () => {
    const { sweepAt, host, clock, call, db } = await make();
    expect(sweepAt()).toBe(T0 + 3_600_000);
    await call("POST", "/rate-limit/check", { key: "k", limits: ["minute"] });
    clock.advance(3_600_000);
    const fired = await host.fireDueWakes();
    expect(fired.map((e) => `${e.owner}/${e.key}`)).toEqual(["rate-limit/sweep"]);
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_state").one()).toEqual({ n: 0 });
    expect(sweepAt()).toBe(T0 + 7_200_000);
  });
});
