/**
 * `RateLimiterDO`: the request gate's limiter, one DO per shard (`rl-<n>`, n = FNV-1a-32 of the
 * key mod `RL_SHARDS`). It is DOBase with the scheduler (the alarm owner: the limiter's hourly
 * sweep is one of its wake-ups) and the rate-limit capability, and answers RPC from the Worker.
 * @module
 */
import {
  type CheckOptions,
  createRateLimiter,
  type LimiterReply,
  type Plan,
  PlansSchema,
  type RateLimitCapability,
  type RateLimitResult,
  rateLimitCapability,
  replyOf,
} from "@durable/rate-limit";
import { platformScheduler } from "./capabilities/scheduler.ts";
import { DOBase } from "./do-base.ts";
import { gatePlans } from "./rate-limit-gate.ts";

/** What the operator plan route gets back over RPC (errors as values, as RPC drops their fields). */
export type PlanReply =
  | { ok: true; plan: Plan; overridden: boolean; status: RateLimitResult }
  | { ok: false; error: { code: string; message: string; status: number } };

/** The plan every tenant DO's own limiter starts with: a token bucket of 60 refilling 1/s. */
export const TENANT_DEFAULT_PLAN: Plan = PlansSchema.parse([
  { name: "default", limits: [{ name: "default", algorithm: "tokenBucket", capacity: 60, refillPerSecond: 1 }] },
])[0] as Plan;

/** The gate's limiter DO. */
export class RateLimiterDO extends DOBase<Env> {
  readonly #rateLimit: RateLimitCapability;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The scheduler first (the alarm owner); the limiter's hourly sweep is one of its wake-ups,
    // delivered to the rate-limit capability's `onWake`.
    this.useAlarmOwner(platformScheduler(this.ports));
    const { sql, transactionSync, clock, wake } = this.ports;
    const limiter = createRateLimiter(
      { sql, transactionSync, clock, wake },
      { plans: gatePlans(env.PLANS), defaultPlan: "free" },
    );
    this.#rateLimit = rateLimitCapability(limiter);
    this.use(this.#rateLimit);
  }

  /** Decides one request for `key` (the gate's key is `tenant:<id>`). */
  async check(key: string, options?: CheckOptions): Promise<LimiterReply> {
    await this.ready();
    return this.#rateLimit.check(key, options);
  }

  /** Puts `key` on `plan` from its next check (the operator route). */
  async setPlan(key: string, plan: string): Promise<PlanReply> {
    await this.ready();
    return this.#planReply(key, () => this.#rateLimit.limiter.setOverride(key, { plan }));
  }

  /** The plan of `key` and a peek at its quota. */
  async planStatus(key: string): Promise<PlanReply> {
    await this.ready();
    return this.#planReply(key, () => undefined);
  }

  #planReply(key: string, change: () => void): PlanReply {
    const limiter = this.#rateLimit.limiter;
    const reply = replyOf(() => {
      change();
      return { result: limiter.peek(key), plan: limiter.planFor(key) };
    });
    if (!reply.ok) return reply;
    return { ok: true, plan: reply.plan, overridden: limiter.getOverride(key) !== null, status: reply.result };
  }
}
