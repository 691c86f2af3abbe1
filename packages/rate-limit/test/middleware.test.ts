/**
 * Proves `rateLimit()` against `localLimiterNamespace` (the /testing subpath): shards that are
 * real rate-limit capabilities, each over its own SQLite database, whose errors arrive as
 * Workers RPC delivers them (a plain Error with `[CODE]` in the message). Stable FNV-1a shard
 * mapping, 429 with exact headers and body, headers on admitted responses, fail-closed 503
 * RATE_LIMIT_UNAVAILABLE with `Retry-After: 5` (also for a coded error that is not the
 * limiter's client error), failOpen, bad input as the code's status, and `rateLimitHeaders`
 * units. Real RPC is exercised in apps/platform's workerd tests.
 */
import { errorCodeOf, fnv1a32, ManualClock, PlatformError } from "@durable/core";
import { describe, expect, it } from "vitest";
import { hashKey, type Plan, type RateLimiterNamespace, rateLimit, rateLimitHeaders, shardName } from "../src/index.ts";
import { localLimiterNamespace } from "../src/testing.ts";
import { MINUTE_DAY, T0 } from "./helpers.ts";

function fakeNamespace(clock: ManualClock) {
  const namespace = localLimiterNamespace(MINUTE_DAY, clock);
  return { namespace, calls: namespace.calls };
}

/** A namespace whose `check` always throws `err` (as an RPC stub would rethrow it). */
function throwing(err: unknown): RateLimiterNamespace {
  return {
    getByName: () => ({
      check: async () => {
        throw err;
      },
    }),
  };
}

const ok = async () => new Response("hello", { status: 200, headers: { "x-app": "1" } });

describe("shardName", () => {
  it("is FNV-1a-32 mod shards, stable across runs", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
    expect(shardName("foobar", 16)).toBe(`rl-${0xbf9cf968 % 16}`);
    expect(shardName("tenant:acme", 1)).toBe("rl-0");
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[Number(shardName(`user:${i}`, 16).slice(3))]++;
    for (const c of counts) expect(c).toBeGreaterThan(700);
  });

  it("sends each key to exactly one DO", async () => {
    const clock = new ManualClock(T0);
    const { namespace, calls } = fakeNamespace(clock);
    const rl = rateLimit({ namespace, key: () => "user:7", shards: 8 });
    for (let i = 0; i < 3; i++) await rl.check("user:7");
    expect(new Set(calls)).toEqual(new Set([shardName("user:7", 8)]));
  });

  it("rejects shards outside 1–1024", () => {
    const { namespace } = fakeNamespace(new ManualClock(T0));
    for (const shards of [0, 1025, 1.5]) {
      expect(() => rateLimit({ namespace, key: () => "k", shards })).toThrow(/CONFIG_INVALID/);
    }
  });
});

describe("middleware", () => {
  it("passes with headers, then answers 429 with exact headers and body", async () => {
    const clock = new ManualClock(T0);
    const { namespace } = fakeNamespace(clock);
    const rl = rateLimit({ namespace, key: (r) => `ip:${r.headers.get("x-ip")}` });
    const req = () => new Request("https://x/", { headers: { "x-ip": "1.2.3.4" } });
    for (let i = 0; i < 5; i++) {
      const res = await rl.middleware(req(), ok);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("hello");
      expect(res.headers.get("x-app")).toBe("1");
      expect(res.headers.get("X-RateLimit-Remaining")).toBe(String(4 - i));
    }
    const res = await rl.middleware(req(), ok);
    expect(res.status).toBe(429);
    // 1 token at 5/60 per s: 12 s.
    expect(res.headers.get("Retry-After")).toBe("12");
    expect(res.headers.get("X-RateLimit-Limit")).toBe("5");
    expect(res.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(res.headers.get("RateLimit-Policy")).toBe('"minute";q=5;w=60, "day";q=8;w=86400');
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: "RATE_LIMITED", retryAfter: 12, retryAfterMs: 12_000, policy: "minute" });
  });

  it("fails closed with 503 RATE_LIMIT_UNAVAILABLE and Retry-After: 5 when the limiter throws", async () => {
    const errors: unknown[] = [];
    const namespace: RateLimiterNamespace = {
      getByName: () => ({
        check: async () => {
          throw new Error("Durable Object reset because its code was updated.");
        },
      }),
    };
    let called = false;
    const rl = rateLimit({ namespace, key: () => "k", onError: (e) => errors.push(e) });
    const res = await rl.middleware(new Request("https://x/"), async () => {
      called = true;
      return new Response("no");
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMIT_UNAVAILABLE");
    expect(called).toBe(false);
    expect(errors).toHaveLength(1);
    expect(rl.stats()).toEqual({ failedOpen: 0, failedClosed: 1 });
  });

  it("with failOpen the request passes, and is counted", async () => {
    const namespace: RateLimiterNamespace = {
      getByName: () => {
        throw new Error("unreachable");
      },
    };
    const rl = rateLimit({ namespace, key: () => "k", failOpen: true });
    const res = await rl.middleware(new Request("https://x/"), ok);
    expect(res.status).toBe(200);
    expect(rl.stats()).toEqual({ failedOpen: 1, failedClosed: 0 });
  });

  it("bad input from the key function is a 400, not a 503 and not a pass", async () => {
    const { namespace } = fakeNamespace(new ManualClock(T0));
    const rl = rateLimit({ namespace, key: () => "bad\u0000key", failOpen: true });
    const res = await rl.middleware(new Request("https://x/"), ok);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_KEY");
    const rl2 = rateLimit({ namespace, key: () => "k", cost: 0 });
    expect((await rl2.middleware(new Request("https://x/"), ok)).status).toBe(400);
  });

  it("keeps the rate-limit headers a handler set itself", async () => {
    const { namespace } = fakeNamespace(new ManualClock(T0));
    const rl = rateLimit({ namespace, key: () => "k" });
    const own = async () => new Response("x", { headers: { RateLimit: '"own";r=1;t=1', "X-RateLimit-Limit": "7" } });
    const res = await rl.middleware(new Request("https://x/"), own);
    expect(res.headers.get("RateLimit")).toBe('"own";r=1;t=1');
    expect(res.headers.get("X-RateLimit-Limit")).toBe("7");
  });

  it("a cost function spends that many units", async () => {
    const { namespace } = fakeNamespace(new ManualClock(T0));
    const rl = rateLimit({ namespace, key: () => "k", cost: () => 3 });
    const res = await rl.middleware(new Request("https://x/"), ok);
    expect(res.headers.get("X-RateLimit-Remaining")).toBe("2");
  });
});

describe("rateLimitHeaders", () => {
  const plan: Plan = {
    name: "p",
    limits: [
      { name: "minute", algorithm: "fixedWindow", limit: 60, windowMs: 60_000 },
      { name: "day", algorithm: "gcra", limit: 1000, periodMs: 86_400_000, burst: 10 },
    ],
  };
  it("uses whole seconds, rounded up, and Retry-After ≥ 1 only on rejection", () => {
    const now = 1_700_000_000_000;
    const base = { limit: 60, remaining: 12, reset: now + 47_001, policy: "minute", policies: [] };
    const h = rateLimitHeaders({ ...base, success: true, retryAfter: 0 }, plan, now);
    expect(h.get("RateLimit")).toBe('"minute";r=12;t=48');
    expect(h.get("RateLimit-Policy")).toBe('"minute";q=60;w=60, "day";q=1000;w=86400');
    expect(h.get("X-RateLimit-Reset")).toBe(String(Math.ceil((now + 47_001) / 1000)));
    expect(h.get("Retry-After")).toBeNull();
    const r = rateLimitHeaders({ ...base, success: false, retryAfter: 1 }, plan, now);
    expect(r.get("Retry-After")).toBe("1");
    expect(rateLimitHeaders({ ...base, success: false, retryAfter: 1001 }, plan, now).get("Retry-After")).toBe("2");
  });
});

describe("hashKey", () => {
  it("is hex SHA-256 of the JSON parts: fixed length, parts kept apart", async () => {
    const h = await hashKey("login", "a@b.c", "1.2.3.4");
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashKey("a:b", "c")).not.toBe(await hashKey("a", "b:c"));
    expect(await hashKey("x".repeat(10_000))).toHaveLength(64);
    // SHA-256 of '["abc"]'
    expect(await hashKey("abc")).toBe("02f393ea9358560882c1fe797bf99d600aa4643a68276d8e3d714d1c4f19aecc");
  });
});

describe("one error convention over RPC", () => {
  it("a limiter's client error crossing RPC keeps its code and detail, and gets its status", async () => {
    const { namespace } = fakeNamespace(new ManualClock(T0));
    const rl = rateLimit({ namespace, key: () => "k" });
    let caught: unknown;
    try {
      await rl.check("k", { limits: ["hour"] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PlatformError);
    expect(errorCodeOf(caught)).toBe("UNKNOWN_LIMIT");
    expect((caught as PlatformError).status).toBe(400);
    expect((caught as PlatformError).detail).toBe('limits[0]: plan free has no limit "hour"');
  });

  it.each([
    [
      "a plan conflict, as RPC delivers it",
      409,
      "PLAN_IN_USE",
      new Error("PlatformError [PLAN_IN_USE]: [PLAN_IN_USE] in use"),
    ],
    ["an error without a code", 503, "RATE_LIMIT_UNAVAILABLE", new Error("Network connection lost.")],
    ["another package's code", 503, "RATE_LIMIT_UNAVAILABLE", new Error("[TENANT_MISMATCH] wrong tenant")],
    ["the limiter's own 503", 503, "RATE_LIMIT_UNAVAILABLE", new Error("[RATE_LIMIT_UNAVAILABLE] overloaded")],
    ["a thrown non-error", 503, "RATE_LIMIT_UNAVAILABLE", "boom"],
  ] as const)("%s → %s %s", async (_, status, code, err) => {
    const errors: unknown[] = [];
    const rl = rateLimit({ namespace: throwing(err), key: () => "k", onError: (e) => errors.push(e) });
    const res = await rl.middleware(new Request("https://x/"), ok);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(res.headers.get("Retry-After")).toBe(status === 503 ? "5" : null);
    // Only an unavailable limiter is reported, and only it counts as failed closed.
    expect(errors).toHaveLength(status === 503 ? 1 : 0);
    expect(rl.stats().failedClosed).toBe(status === 503 ? 1 : 0);
  });

  it("failOpen lets an unavailable limiter pass, never a client error", async () => {
    const down = rateLimit({ namespace: throwing(new Error("overloaded")), key: () => "k", failOpen: true });
    expect((await down.middleware(new Request("https://x/"), ok)).status).toBe(200);
    const bad = rateLimit({
      namespace: throwing(new Error("[INVALID_COST] cost: no")),
      key: () => "k",
      failOpen: true,
    });
    expect((await bad.middleware(new Request("https://x/"), ok)).status).toBe(400);
    expect(bad.stats()).toEqual({ failedOpen: 0, failedClosed: 0 });
  });
});
