/** Shared helpers of the workerd tests: tokens, requests through the real Worker. */
import { env, exports } from "cloudflare:workers";
import { claimsFor, type Role, signToken } from "../src/auth.ts";

/** The test secret (set in vitest.config.ts). */
export const SECRET = "test-secret-0123456789";

/** A token for `tenant` with `role`. */
export function tokenFor(tenant: string, role: Role = "tenant", ttlSeconds = 3600): Promise<string> {
  return signToken(SECRET, claimsFor(tenant, role, ttlSeconds));
}

/** A unique tenant id for one test. */
export function uniqueTenant(prefix = "t"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Sends a request through the real Worker entry (`exports.default`). */
export function call(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  return exports.default.fetch(new Request(`https://platform.test${path}`, { ...init, headers }));
}

/** JSON body with content-type, for `call`. */
export function jsonInit(method: string, body: unknown, token?: string): RequestInit & { token?: string } {
  return {
    method,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    ...(token ? { token } : {}),
  };
}

export { env };

/** A parsed response body: any JSON object, with the error shape typed. */
export type JsonBody = Record<string, unknown> & { error: { code: string; message: string; requestId?: string } };

/** The response's JSON body. */
export async function jsonOf(res: Response): Promise<JsonBody> {
  return (await res.json()) as JsonBody;
}
