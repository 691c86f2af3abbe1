/**
 * Proves two limiters in one DO: the shipped `rl_` migration is unchanged (pinned checksum),
 * `rateLimitMigrations` moves every object to another `rl_…_` prefix, a bad prefix or name is
 * CONFIG_INVALID, and two capabilities composed in one host (the tenant's `rl_` limiter and a
 * `rl_gate_` quota limiter without routes) keep separate state, plans, migrations and wake-ups,
 * so the tenant's routes cannot change the gate's plans. It does not run in workerd.
 */
import { checksum, ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import {
  createRateLimiter,
  RATE_LIMIT_MIGRATIONS,
  type RateLimitConfigInput,
  rateLimitCapability,
  rateLimitMigrations,
} from "../src/index.ts";
import { codeOf, MINUTE_DAY, openDb, T0 } from "./helpers.ts";

const GATE: RateLimitConfigInput = {
  plans: [{ name: "free", limits: [{ name: "minute", capacity: 2, refillPerSecond: 2 / 60 }] }],
  defaultPlan: "free",
};

describe("migrations per prefix", () => {
  it("the shipped rl_ migration is byte for byte what shipped", () => {
    expect(RATE_LIMIT_MIGRATIONS.owner).toBe("rate-limit");
    expect(RATE_LIMIT_MIGRATIONS.prefix).toBe("rl_");
    expect(RATE_LIMIT_MIGRATIONS.migrations.map((m) => checksum(m.sql))).toEqual(["0d1082cda0a0ad"]);
    expect(rateLimitMigrations({ owner: "rate-limit", prefix: "rl_" })).toBe(RATE_LIMIT_MIGRATIONS);
  });

  it("another prefix creates only its own objects", () => {
    const set = rateLimitMigrations({ owner: "rate-limit-gate", prefix: "rl_gate_" });
    expect(set).toMatchObject({ owner: "rate-limit-gate", prefix: "rl_gate_" });
    const db = openDb("rl_gate_");
    const names = db.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name LIKE 'rl%' ORDER BY name")
      .toArray()
      .map((r) => r.name);
    expect(names).toEqual([
      "rl_gate_log",
      "rl_gate_log_key_ts",
      "rl_gate_overrides",
      "rl_gate_overrides_expires",
      "rl_gate_overrides_plan",
      "rl_gate_plans",
      "rl_gate_state",
    ]);
  });

  it.each(["gate_", "rl", "rl_gate", "rl_Gate_", "rl_a;drop_", `rl_${"x".repeat(30)}_`, "rl__"])(
    "prefix %j → CONFIG_INVALID",
    (prefix) => {
      expect(codeOf(() => rateLimitMigrations({ owner: "x", prefix }))).toBe("CONFIG_INVALID");
      expect(codeOf(() => createRateLimiter({} as never, { ...MINUTE_DAY, tablePrefix: prefix }))).toBe(
        "CONFIG_INVALID",
      );
      expect(codeOf(() => rateLimitCapability({ ...MINUTE_DAY, tablePrefix: prefix }))).toBe("CONFIG_INVALID");
    },
  );

  it("a bad capability name or config is CONFIG_INVALID at composition", () => {
    expect(codeOf(() => rateLimitCapability({ ...MINUTE_DAY, name: "Rate Limit" }))).toBe("CONFIG_INVALID");
    expect(codeOf(() => rateLimitCapability({ ...MINUTE_DAY, defaultPlan: "gold" }))).toBe("CONFIG_INVALID");
  });
});

describe("two limiters in one DO", () => {
  async function host() {
    const db = openSqlite();
    const clock = new ManualClock(T0);
    const h = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock, tenant: "acme" });
    const own = h.use(rateLimitCapability(MINUTE_DAY));
    const gate = h.use(
      rateLimitCapability({ ...GATE, name: "rate-limit-gate", tablePrefix: "rl_gate_", routes: false }),
    );
    await h.start();
    return { db, clock, h, own, gate };
  }

  it("keep separate state, plans and migration rows", async () => {
    const { db, own, gate } = await host();
    expect(own.limiter.tablePrefix).toBe("rl_");
    expect(gate.limiter.tablePrefix).toBe("rl_gate_");
    expect(gate.limiter.limit("tenant:acme").remaining).toBe(1);
    expect(own.limiter.peek("tenant:acme").remaining).toBe(5);
    expect(gate.limiter.limit("tenant:acme").remaining).toBe(0);
    expect(gate.limiter.limit("tenant:acme").success).toBe(false);
    expect(own.limiter.limit("tenant:acme").success).toBe(true);
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_gate_state").one()).toEqual({ n: 1 });
    expect(db.sql.exec("SELECT count(*) AS n FROM rl_state").one()).toEqual({ n: 2 });
    expect(own.limiter.listPlans().map((p) => p.name)).toEqual(["free", "log", "pro"]);
    expect(gate.limiter.listPlans().map((p) => p.name)).toEqual(["free"]);
    const owners = db.sql
      .exec<{ owner: string }>("SELECT owner FROM core_migrations ORDER BY owner")
      .toArray()
      .map((r) => r.owner);
    expect(owners).toEqual(["rate-limit", "rate-limit-gate"]);
  });

  it("only the tenant's limiter has routes: its plan routes never reach the gate's plans", async () => {
    const { own, gate } = await host();
    expect(gate.routes).toEqual([]);
    const put = own.routes.find((r) => r.method === "PUT" && r.path === "/rate-limit/plans/:name");
    await put?.handle({
      params: { name: "huge" },
      query: new URLSearchParams(),
      body: { limits: [{ name: "minute", capacity: 1_000_000, refillPerSecond: 1000 }] },
      tenant: "acme",
      requestId: "r",
      request: new Request("https://x/"),
    });
    expect(own.limiter.listPlans().map((p) => p.name)).toContain("huge");
    expect(gate.limiter.listPlans().map((p) => p.name)).toEqual(["free"]);
  });

  it("each asks for its sweep under its own name, and each wake reaches only its owner", async () => {
    const { h, clock, own, gate } = await host();
    expect(
      h.wakes
        .pending()
        .map((w) => `${w.owner}/${w.key}`)
        .sort(),
    ).toEqual(["rate-limit-gate/sweep", "rate-limit/sweep"]);
    gate.limiter.limit("g");
    own.limiter.limit("o", { limits: ["minute"] });
    clock.advance(3_600_000);
    const fired = await h.fireDueWakes();
    expect(fired.map((e) => e.owner).sort()).toEqual(["rate-limit", "rate-limit-gate"]);
    expect(gate.limiter.stats().cached).toBe(0);
    expect(own.limiter.stats().cached).toBe(0);
  });
});
