/**
 * @durable/rate-limit/testing: a stand-in for a namespace of limiter DOs, for Node tests of a
 * Worker that uses `rateLimit()`. Each shard is a real rate-limit capability over its own
 * in-memory SQLite database, composed by core's `TestHost` as DOBase composes it, and its errors
 * reach the caller as Workers RPC delivers them (a plain `Error` whose message carries
 * `[CODE]`), so a test sees what production sees. Needs better-sqlite3 (a dev dependency).
 * @module
 */
import { type Clock, ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { type RateLimitCapability, type RateLimitCapabilityOptions, rateLimitCapability } from "./capability.ts";
import type { RateLimiterNamespace } from "./middleware.ts";

/** A namespace of in-process limiter shards, with what the test may inspect. */
export interface LocalLimiterNamespace extends RateLimiterNamespace {
  /** The shard names asked for, in order. */
  readonly calls: string[];
  /** A shard's capability (built and started on first use). */
  shard(name: string): Promise<RateLimitCapability>;
}

/**
 * Rethrows an error the way Workers RPC delivers it: only the message survives, prefixed with
 * the error's name when that is not a standard one.
 */
function overRpc(err: unknown): unknown {
  if (!(err instanceof Error) || err.constructor === Error) return err;
  return new Error(`${err.name}: ${err.message}`);
}

/**
 * A {@link RateLimiterNamespace} whose shards are real limiters in this process.
 * @param options the capability options every shard is built with
 * @param clock the shards' clock (default a `ManualClock` at 2026-01-01)
 * @example
 * const namespace = localLimiterNamespace({ plans, defaultPlan: "free" });
 * const limiter = rateLimit({ namespace, key: () => "ip:1.2.3.4" });
 */
export function localLimiterNamespace(
  options: RateLimitCapabilityOptions,
  clock: Clock = new ManualClock(Date.UTC(2026, 0, 1)),
): LocalLimiterNamespace {
  const definition = rateLimitCapability(options);
  const shards = new Map<string, Promise<RateLimitCapability>>();
  const calls: string[] = [];
  const shard = (name: string): Promise<RateLimitCapability> => {
    let built = shards.get(name);
    if (built === undefined) {
      const db = openSqlite();
      const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock, tenant: name });
      const capability = host.use(definition);
      built = host.start().then(() => capability);
      shards.set(name, built);
    }
    return built;
  };
  return {
    calls,
    shard,
    getByName(name) {
      calls.push(name);
      return {
        async check(key, checkOptions) {
          const { api } = await shard(name);
          try {
            return api.check(key, checkOptions);
          } catch (err) {
            throw overRpc(err);
          }
        },
      };
    },
  };
}
