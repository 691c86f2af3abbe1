/**
 * Fixture DOs of the rate-limit tests (exported by test/worker.ts):
 * - `TestLimiterDO`: the limiter DO another Worker builds for the package's `rateLimit()`
 *   middleware: DOBase with the scheduler (its sweep) and the rate-limit capability, reached
 *   through its RPC target `capability("rate-limit", name)`.
 * - `TestThrowingLimiterDO`: a limiter DO whose check always throws a non-coded error: the
 *   middleware must fail closed.
 * - `TestBadPlansDO`: the real TenantDO under a bad `PLANS`: its quota must fail closed.
 */
import { DurableObject, RpcTarget } from "cloudflare:workers";
import { rateLimitCapability } from "@durable/rate-limit";
import { platformScheduler } from "../src/capabilities/scheduler.ts";
import { DOBase, TenantDO } from "../src/index.ts";
import { RATE_LIMIT_TEST_PLANS } from "./rate-limit-plans.ts";

/** The example limiter DO of docs/rate-limit.md. */
export class TestLimiterDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.use(platformScheduler());
    this.use(rateLimitCapability({ plans: RATE_LIMIT_TEST_PLANS, defaultPlan: "tiny" }));
  }
}

class ThrowingTarget extends RpcTarget {
  async check(): Promise<never> {
    throw new Error("limiter storage is unavailable");
  }
}

/** A limiter DO that always throws an error without a code. */
export class TestThrowingLimiterDO extends DurableObject {
  async capability(): Promise<ThrowingTarget> {
    return new ThrowingTarget();
  }
}

/** TenantDO with a `PLANS` that is not JSON. */
export class TestBadPlansDO extends TenantDO {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, { ...env, PLANS: "{not json" } as unknown as Env);
  }
}
