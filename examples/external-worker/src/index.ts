/**
 * A Worker that limits each client IP to 10 requests a minute with @durable/rate-limit, in a
 * Durable Object of its own (no DOBase): `Limiter` keeps exact counts in its SQLite, and a
 * @durable/scheduler on its alarm runs the limiter's hourly sweep of idle keys. The README's
 * example is this file without the scheduler (the limiter then sweeps inline, after a check).
 */
import { DurableObject } from "cloudflare:workers";
import { runMigrations, scopedWake, systemClock } from "@durable/core";
import { type CheckOptions, createDurableLimiter, RATE_LIMIT_OWNER, rateLimit } from "@durable/rate-limit";
import { createScheduler, SCHEDULER_MIGRATIONS } from "@durable/scheduler";

const ip = {
  name: "ip",
  limits: [{ name: "minute", algorithm: "tokenBucket" as const, capacity: 10, refillPerSecond: 1 / 6 }],
};

/** One shard of the limiter: `rateLimit()` sends each key to the shard that owns it. */
export class Limiter extends DurableObject<Env> {
  readonly #scheduler;
  readonly #limiter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { storage } = ctx;
    const ports = {
      sql: storage.sql,
      transactionSync: <T>(fn: () => T) => storage.transactionSync(fn),
      clock: systemClock,
    };
    const alarm = {
      get: () => storage.getAlarm(),
      set: (at: number) => storage.setAlarm(at),
      delete: () => storage.deleteAlarm(),
    };
    // The scheduler owns the DO's one alarm; the limiter asks it for its sweep through a wake-up.
    // Without DOBase, the DO runs the scheduler's migrations itself (a no-op once applied);
    // createDurableLimiter runs the limiter's.
    runMigrations(ports.sql, ports.transactionSync, SCHEDULER_MIGRATIONS);
    this.#scheduler = createScheduler({ ...ports, alarm });
    const wake = scopedWake(() => this.#scheduler.wakes, RATE_LIMIT_OWNER);
    this.#limiter = createDurableLimiter(storage, { plans: [ip], defaultPlan: "ip" }, { wake });
    this.#scheduler.onWake(RATE_LIMIT_OWNER, () => {
      this.#limiter.limiter.onSweepWake();
    });
    ctx.blockConcurrencyWhile(() => this.#scheduler.start());
  }

  /** What `rateLimit()` calls: the decision and the plan it was checked against. */
  check(key: string, options?: CheckOptions) {
    return this.#limiter.check(key, options);
  }

  override async alarm(): Promise<void> {
    await this.#scheduler.onAlarm();
  }
}

export default {
  fetch(request, env) {
    const limiter = rateLimit({ namespace: env.LIMITER, key: (r) => `ip:${r.headers.get("cf-connecting-ip")}` });
    return limiter.middleware(request, async () => new Response("hello"));
  },
} satisfies ExportedHandler<Env>;
