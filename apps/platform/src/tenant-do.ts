/**
 * `TenantDO`: one SQLite-backed Durable Object per tenant, named by the tenant id.
 * Each capability is one `use()` line; the order is the order their hooks run in.
 * @module
 */
import { metaCapability } from "./capabilities/meta.ts";
import { DOBase } from "./do-base.ts";

/** The tenant's DO: every capability of the platform, composed. */
export class TenantDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.use(metaCapability(this.ports));
  }
}
