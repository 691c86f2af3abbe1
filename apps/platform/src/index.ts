/**
 * @durable/platform: the deployable Worker and its Durable Object classes.
 * @module
 */
import { handleRequest } from "./worker.ts";

export { type AlarmOwner, DOBase, type DOPorts } from "./do-base.ts";
export { RateLimiterDO } from "./rate-limiter-do.ts";
export { TenantDO } from "./tenant-do.ts";

export default {
  fetch: (request, env) => handleRequest(request, env),
} satisfies ExportedHandler<Env>;
