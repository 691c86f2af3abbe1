/**
 * @durable/platform: the deployable Worker and its Durable Object classes.
 * @module
 */
import { handleRequest } from "./worker.ts";

export { DOBase, type DOPorts } from "./do-base.ts";
export { TenantDO } from "./tenant-do.ts";

export default {
  fetch: (request, env) => handleRequest(request, env),
} satisfies ExportedHandler<Env>;
