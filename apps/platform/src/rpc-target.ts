/**
 * A capability's `api` object served as its own Workers RPC target. Every method goes through
 * one wrapper: it awaits the DO's start first, and turns any error into one that carries a
 * stable `[CODE]` across RPC (a `PlatformError` as it is; anything else as `INTERNAL`, logged
 * here with its stack, which never reaches the caller).
 * @module
 */
import { RpcTarget } from "cloudflare:workers";
import { PlatformError } from "@durable/core";

/** The callable members of `api`: own function properties, and methods of its class. */
function methodNames(api: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = api; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key !== "constructor" && typeof (api as Record<string, unknown>)[key] === "function") names.add(key);
    }
  }
  return [...names];
}

/** The error a caller receives: the same `PlatformError`, or `INTERNAL` without details. */
export function rpcError(err: unknown, capability: string, method: string): PlatformError {
  if (err instanceof PlatformError) return err;
  console.error(
    JSON.stringify({
      level: "error",
      rpc: `${capability}.${method}`,
      error: err instanceof Error ? err.stack : String(err),
    }),
  );
  return new PlatformError("INTERNAL", `${capability}.${method} failed`, { status: 500 });
}

/**
 * Builds the RPC target of one capability.
 * @param capability the capability's name (for errors and logs)
 * @param api its API object
 * @param before awaited before each call (DOBase's start)
 */
export function capabilityTarget(capability: string, api: object, before: () => Promise<void>): RpcTarget {
  // A class per capability: RPC exposes prototype methods of an RpcTarget, not own properties.
  class CapabilityTarget extends RpcTarget {}
  for (const method of methodNames(api)) {
    const fn = (api as Record<string, (...args: unknown[]) => unknown>)[method] as (...args: unknown[]) => unknown;
    Object.defineProperty(CapabilityTarget.prototype, method, {
      value: async (...args: unknown[]) => {
        await before();
        try {
          return await fn.apply(api, args);
        } catch (err) {
          throw rpcError(err, capability, method);
        }
      },
    });
  }
  return new CapabilityTarget();
}
