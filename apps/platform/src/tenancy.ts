/**
 * Tenant ids and the request paths that carry them.
 * @module
 */
import { PlatformError } from "@durable/core";

/** A lower-case DNS label, 1–63 characters. */
const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Path prefix of every tenant route. */
export const TENANT_PREFIX = "/v1/tenants/";

/** True for a valid tenant id. */
export function isTenantId(id: string): boolean {
  return TENANT_ID.test(id);
}

/** A tenant route split into its tenant and the capability path below it. */
export interface TenantPath {
  tenant: string;
  /** The rest, starting with `/` (e.g. `/meta/color`). */
  rest: string;
}

/**
 * Splits `/v1/tenants/:tenant/...` (raw, still URL-encoded) into its parts.
 * @returns null when the path is not a tenant route
 * @throws {INVALID_TENANT} 400 when the tenant segment is not a valid tenant id
 */
export function parseTenantPath(pathname: string): TenantPath | null {
  if (!pathname.startsWith(TENANT_PREFIX) && pathname !== "/v1/tenants") return null;
  const after = pathname.slice(TENANT_PREFIX.length);
  const slash = after.indexOf("/");
  const raw = slash === -1 ? after : after.slice(0, slash);
  let tenant: string;
  try {
    tenant = decodeURIComponent(raw);
  } catch {
    tenant = raw;
  }
  if (!isTenantId(tenant)) {
    throw new PlatformError("INVALID_TENANT", "tenant id must be a lower-case DNS label of 1–63 characters", {
      status: 400,
    });
  }
  return { tenant, rest: slash === -1 ? "/" : after.slice(slash) };
}
