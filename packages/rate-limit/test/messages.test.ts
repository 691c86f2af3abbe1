/**
 * Pins the exact CONFIG_INVALID messages of bad configs, plans, overrides and route bodies, so
 * that a change of zod flavour (full zod → zod/mini with the English locale) cannot change what
 * clients read.
 */
import { PlatformError } from "@durable/core";
import { describe, expect, it } from "vitest";
import { createRateLimiter, type RateLimitConfigInput, rateLimitCapability } from "../src/index.ts";
import { rateLimitRoutes } from "../src/routes.ts";
import { setup } from "./helpers.ts";

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlatformError) return `${err.code} ${err.status} ${err.detail}`;
    throw err;
  }
  return "no error";
}

const ok = { name: "a", capacity: 1, refillPerSecond: 1 };
const base = (limits: unknown[], extra: object = {}) => ({
  plans: [{ name: "p", limits }],
  defaultPlan: "p",
  ...extra,
});

describe("config messages", () => {
  it.each([
    [
      "limit < 0",
      base([{ name: "a", algorithm: "fixedWindow", limit: -1, windowMs: 1000 }]),
      "plans[0].limits[0].limit: Too small: expected number to be >=0",
    ],
    [
      "window > 30 days",
      base([{ name: "a", algorithm: "slidingWindow", limit: 1, windowMs: 30 * 86_400_000 + 1 }]),
      "plans[0].limits[0].windowMs: Too big: expected number to be <=2592000000",
    ],
    [
      "refill 0",
      base([{ name: "a", capacity: 1, refillPerSecond: 0 }]),
      "plans[0].limits[0].refillPerSecond: Too small: expected number to be >0",
    ],
    [
      "9 limits",
      base(Array.from({ length: 9 }, (_, i) => ({ ...ok, name: `l${i}` }))),
      "plans[0].limits: Too big: expected array to have <=8 items",
    ],
    ["0 limits", base([]), "plans[0].limits: Too small: expected array to have >=1 items"],
    [
      "fractional gcra limit",
      base([{ name: "a", algorithm: "gcra", limit: 1.5, periodMs: 1000 }]),
      "plans[0].limits[0].limit: Invalid input: expected int, received number; plans[0].limits[0].burst: Invalid input: expected int, received number",
    ],
    ["bad name", base([{ ...ok, name: "A B" }]), "plans[0].limits[0].name: must match [a-z0-9_-]{1,64}"],
    [
      "unknown algorithm",
      base([{ name: "a", algorithm: "leaky", capacity: 1 }]),
      "plans[0].limits[0].algorithm: Invalid discriminator value. Expected 'tokenBucket' | 'gcra' | 'slidingWindow' | 'slidingLog' | 'fixedWindow'",
    ],
    ["duplicate limits", base([ok, ok]), "plans[0].limits: limit names must be distinct"],
    ["a limit not an object", base([5]), "plans[0].limits[0]: Invalid input: expected object, received number"],
    [
      "duplicate plans",
      { plans: [base([ok]).plans[0], base([ok]).plans[0]], defaultPlan: "p" },
      "(root): plan names must be distinct",
    ],
    ["a missing default plan", base([ok], { defaultPlan: "gold" }), "defaultPlan: defaultPlan must name one of plans"],
    [
      "a bad prefix",
      base([ok], { tablePrefix: "x_" }),
      "tablePrefix: must be rl_ or start with rl_ and end with _ (lowercase letters, digits, _)",
    ],
    [
      "a long prefix",
      base([ok], { tablePrefix: `rl_${"a".repeat(40)}_` }),
      "tablePrefix: Too big: expected string to have <=32 characters",
    ],
    [
      "a string cache size",
      base([ok], { cacheSize: "x" }),
      "cacheSize: Invalid input: expected number, received string",
    ],
    ["cache size 0", base([ok], { cacheSize: 0 }), "cacheSize: Too small: expected number to be >=1"],
    [
      "extra keys",
      base([{ ...ok, extra: 1 }], { x: 1 }),
      'plans[0].limits[0]: Unrecognized key: "extra"; (root): Unrecognized key: "x"',
    ],
    [
      "no plans",
      { plans: [], defaultPlan: "p" },
      "plans: Too small: expected array to have >=1 items; defaultPlan: defaultPlan must name one of plans",
    ],
    ["null", null, "(root): Invalid input: expected object, received null"],
    [
      "a missing capacity",
      base([{ name: "a", refillPerSecond: 1 }]),
      "plans[0].limits[0].capacity: Invalid input: expected number, received undefined",
    ],
  ])("%s", (_, config, detail) => {
    expect(failure(() => createRateLimiter({} as never, config as RateLimitConfigInput))).toBe(
      `CONFIG_INVALID 400 ${detail}`,
    );
    if (config !== null) {
      expect(failure(() => rateLimitCapability(config as RateLimitConfigInput))).toBe(`CONFIG_INVALID 400 ${detail}`);
    }
  });

  it("a bad capability name", () => {
    expect(failure(() => rateLimitCapability({ ...base([ok]), name: "A" } as never))).toBe(
      'CONFIG_INVALID 400 name: "A" must match [a-z0-9_-]{1,64}',
    );
  });
});

describe("runtime plan, override and route body messages", () => {
  it("upsertPlan, setOverride and the PUT routes", () => {
    const { limiter } = setup();
    expect(failure(() => limiter.upsertPlan({ name: "g", limits: [{ ...ok, capacity: -1 }] } as never))).toBe(
      "CONFIG_INVALID 400 limits[0].capacity: Too small: expected number to be >=0",
    );
    expect(failure(() => limiter.setOverride("k", { plan: "Gold" } as never))).toBe(
      "CONFIG_INVALID 400 plan: must match [a-z0-9_-]{1,64}",
    );
    expect(failure(() => limiter.setOverride("k", { limits: [ok, ok] } as never))).toBe(
      "CONFIG_INVALID 400 limits: limit names must be distinct",
    );
    expect(failure(() => limiter.setOverride("k", { plan: "free", limits: [ok] } as never))).toBe(
      "CONFIG_INVALID 400 (root): Invalid input",
    );
    const routes = rateLimitRoutes(limiter);
    const put = (path: string, params: Record<string, string>, body: unknown) => {
      const route = routes.find((r) => r.method === "PUT" && r.path === path);
      if (!route) throw new Error(`no route ${path}`);
      return failure(() =>
        route.handle({
          params,
          query: new URLSearchParams(),
          body,
          tenant: "t",
          requestId: "r",
          request: new Request("http://x/"),
        }),
      );
    };
    expect(put("/rate-limit/plans/:name", { name: "g" }, { limits: [{ ...ok, windowMs: 5 }] })).toBe(
      'CONFIG_INVALID 400 limits[0]: Unrecognized key: "windowMs"',
    );
    expect(put("/rate-limit/keys/:key/override", { key: "k" }, { plan: "free", expiresAt: 1.5 })).toBe(
      "CONFIG_INVALID 400 (root): Invalid input",
    );
    expect(put("/rate-limit/keys/:key/override", { key: "k" }, { limits: [], expiresAt: -1 })).toBe(
      "CONFIG_INVALID 400 limits: Too small: expected array to have >=1 items; expiresAt: Too small: expected number to be >0",
    );
  });
});
