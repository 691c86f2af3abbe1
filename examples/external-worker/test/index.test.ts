/**
 * The example in workerd (real DO SQLite and alarms): the middleware answers 200 with the
 * rate-limit headers until a client's 10 requests are spent, then 429; an hour later the
 * scheduler's alarm runs the limiter's sweep, which deletes the state of a key that is idle
 * (its bucket full again). Time travel fakes only `Date`, which the DO's `systemClock` reads.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { shardName } from "@durable/rate-limit";
import { afterEach, describe, expect, it, vi } from "vitest";

/** A request from one client IP through the Worker. */
const fromIp = (ip: string) =>
  exports.default.fetch(new Request("https://example.test/", { headers: { "cf-connecting-ip": ip } }));

/** The shard DO that owns a key (the middleware's default of 16 shards). */
const shardOf = (key: string) => env.LIMITER.getByName(shardName(key, 16));

/** Rows of `rl_state` (the limiter's table) for a key, read inside its DO. */
const stateRows = (key: string) =>
  runInDurableObject(
    shardOf(key),
    (_instance, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM rl_state WHERE key = ?", key).one().n,
  );

afterEach(() => {
  vi.useRealTimers();
});

describe("rateLimit() middleware", () => {
  it("10 requests pass with the rate-limit headers, the 11th is 429 with Retry-After", async () => {
    const ip = "198.51.100.7";
    for (let i = 0; i < 10; i++) {
      const res = await fromIp(ip);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("hello");
      expect(res.headers.get("RateLimit-Policy")).toBe('"minute";q=10;w=60');
      expect(res.headers.get("X-RateLimit-Remaining")).toBe(String(9 - i));
    }
    const refused = await fromIp(ip);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("Retry-After"))).toBeLessThanOrEqual(6);
    const body = await refused.json<{ error: { code: string } }>();
    expect(body.error.code).toBe("RATE_LIMITED");
    // Another client is not affected.
    expect((await fromIp("198.51.100.8")).status).toBe(200);
  });
});

describe("the scheduler's alarm runs the limiter's sweep", () => {
  it("an hour later, the alarm deletes the state of an idle key and books the next sweep", async () => {
    const key = "ip:203.0.113.9";
    expect((await fromIp("203.0.113.9")).status).toBe(200);
    expect(await stateRows(key)).toBe(1);

    // Before the sweep is due, the alarm leaves the state alone.
    await runDurableObjectAlarm(shardOf(key));
    expect(await stateRows(key)).toBe(1);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61 * 60_000);
    expect(await runDurableObjectAlarm(shardOf(key))).toBe(true);
    expect(await stateRows(key)).toBe(0);
    const alarm = await runInDurableObject(shardOf(key), (_i, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 59 * 60_000);
  });
});
