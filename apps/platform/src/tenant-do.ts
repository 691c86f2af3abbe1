/**
 * `TenantDO`: one SQLite-backed Durable Object per tenant, named by the tenant id.
 * Each capability is one `use()` line; the order is the order their hooks run in.
 * @module
 */
import { createRateLimiter, rateLimitCapability } from "@durable/rate-limit";
import { metaCapability } from "./capabilities/meta.ts";
import { DOBase } from "./do-base.ts";
import { TENANT_DEFAULT_PLAN } from "./rate-limiter-do.ts";

/** The tenant's DO: every capability of the platform, composed. */
export class TenantDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.use(metaCapability(this.ports));
    // The tenant's own limiter (for its users' keys); SCHEDULER SEAM: pass the scheduler's `wake`.
    const { sql, transactionSync, clock } = this.ports;
    this.use(
      rateLimitCapability(
        createRateLimiter({ sql, transactionSync, clock }, { plans: [TENANT_DEFAULT_PLAN], defaultPlan: "default" }),
      ),
    );
  }
}
