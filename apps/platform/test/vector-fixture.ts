/** Helpers of the vector workerd tests: index routes, seeded vectors, error codes over RPC. */
import { errorCodeOf } from "@durable/core";
import { seededRandom } from "@durable/vector";
import { claimsFor, signToken } from "../src/auth.ts";
import { call, jsonInit, jsonOf, SECRET, tokenFor, uniqueTenant } from "./helpers.ts";

/** A tenant with a full token and a read-only one. */
export async function vectorTenant(prefix = "vec") {
  const tenant = uniqueTenant(prefix);
  const token = await tokenFor(tenant);
  const reader = await signToken(SECRET, { ...claimsFor(tenant, "tenant", 600), scopes: ["read"] });
  const base = `/v1/tenants/${tenant}/vector`;
  const post = async (path: string, body: unknown, t = token) => {
    const res = await call(`${base}${path}`, jsonInit("POST", body, t));
    return { status: res.status, body: await jsonOf(res) };
  };
  const get = async (path: string, method = "GET") => {
    const res = await call(`${base}${path}`, { method, token });
    return { status: res.status, body: await jsonOf(res) };
  };
  return { tenant, token, reader, base, post, get };
}

/** `n` seeded vectors of `d` dimensions in [-1, 1). */
export function seededVectors(n: number, d: number, seed: number): Float32Array[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: d }, () => r() * 2 - 1));
}

/** The `[CODE]` of a rejected RPC call. */
export async function rpcCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return errorCodeOf(err);
  }
  return undefined;
}
