/**
 * @durable/platform: the deployable Worker and its Durable Object class.
 * @module
 */
import { handleRequest } from "./worker.ts";

export { type BaseEnv, DOBase } from "./do-base.ts";
export { type TenantApis, TenantDO, type TenantStub, tenantApi } from "./tenant-do.ts";

export default {
  fetch: (request, env) => handleRequest(request, env),
} satisfies ExportedHandler<Env>;
