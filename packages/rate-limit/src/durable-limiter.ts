/**
 * A limiter for a Durable Object of the host's own (not DOBase): the DO's storage in, the RPC
 * surface the `rateLimit()` middleware calls out. DOBase runs a capability's migrations and hands
 * it ports; a plain DO has neither, and a limiter created without its tables fails on the first
 * check, so this runs the package's migrations and takes the clock from the system.
 * @module
 */
import { type Clock, parseOrThrow, runMigrations, type Sql, systemClock, type Wake } from "@durable/core";
import { limiterOf } from "./limiter.ts";
import { rateLimitMigrations } from "./migrations.ts";
import { type RateLimitApi, rateLimitApi } from "./rpc.ts";
import { type RateLimitConfigInput, RateLimitConfigSchema } from "./schemas.ts";
import { RATE_LIMIT_OWNER, type RateLimiter } from "./types.ts";

/** What a DO's `ctx.storage` offers the limiter (`DurableObjectStorage` fits as it is). */
export interface LimiterStorage {
  readonly sql: Sql;
  transactionSync<T>(fn: () => T): T;
}

/** Options of {@link createDurableLimiter}. */
export interface DurableLimiterOptions {
  /** Default: the system clock. */
  clock?: Clock;
  /**
   * The limiter's own wake-ups for its hourly sweep (e.g. a `@durable/scheduler` on the DO's
   * alarm, which then calls `limiter.onSweepWake()`). Without it, admitted checks sweep inline.
   */
  wake?: Wake;
}

/** The middleware's RPC surface (`check`, `checkBatch`, `peek`, …) and the limiter behind it. */
export interface DurableLimiter extends RateLimitApi {
  readonly limiter: RateLimiter;
}

/**
 * Creates the limiter of one shard DO: runs the rate-limit migrations on the DO's SQLite (a no-op
 * once applied) and builds the limiter over it.
 * @param storage the DO's `ctx.storage`
 * @param config plans, the default plan, cache size and table prefix (as `createRateLimiter`)
 * @throws {CONFIG_INVALID} a config outside the bounds, naming the zod path
 * @example
 * export class Limiter extends DurableObject<Env> {
 *   #limiter = createDurableLimiter(this.ctx.storage, { plans: [ip], defaultPlan: "ip" });
 *   check(key: string, options?: CheckOptions) {
 *     return this.#limiter.check(key, options);
 *   }
 * }
 */
export function createDurableLimiter(
  storage: LimiterStorage,
  config: RateLimitConfigInput,
  options: DurableLimiterOptions = {},
): DurableLimiter {
  const parsed = parseOrThrow(RateLimitConfigSchema, config, "CONFIG_INVALID");
  const sql = storage.sql;
  const transactionSync = <T>(fn: () => T): T => storage.transactionSync(fn);
  runMigrations(sql, transactionSync, rateLimitMigrations({ owner: RATE_LIMIT_OWNER, prefix: parsed.tablePrefix }));
  const clock = options.clock ?? systemClock;
  const limiter = limiterOf({ sql, transactionSync, clock, ...(options.wake ? { wake: options.wake } : {}) }, parsed);
  return { ...rateLimitApi(limiter), limiter };
}
