/**
 * The tenant a DO belongs to, on every event. It is derived from the DO's name where the
 * runtime gives it (`<tenant>` or `<tenant>:<label>`), otherwise from the first event that
 * carries it (a request path, an RPC call), and stored: alarms can wake a DO without its name,
 * so the stored row is the truth afterwards.
 * @module
 */
import { type MigrationSet, PlatformError, type Sql } from "@durable/core";
import { isTenantId } from "./tenancy.ts";

/** DOBase's own table. */
export const identityMigrations: MigrationSet = {
  owner: "platform",
  prefix: "platform_",
  migrations: [
    {
      version: 1,
      name: "identity",
      sql: "CREATE TABLE platform_identity (key TEXT PRIMARY KEY, value TEXT NOT NULL, set_at INTEGER NOT NULL) STRICT",
    },
  ],
};

/**
 * The tenant of a DO name: `acme` → acme, `acme:shard-3` → acme; null for a name that names no
 * tenant (or none at all).
 */
export function tenantOfName(name: string | undefined): string | null {
  if (!name) return null;
  const colon = name.indexOf(":");
  const tenant = colon === -1 ? name : name.slice(0, colon);
  return isTenantId(tenant) ? tenant : null;
}

/** Reads and records the DO's tenant id (cached in memory as a copy of the row). */
export class TenantIdentity {
  readonly #sql: Sql;
  #cached: string | null | undefined;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The recorded tenant, or null before first contact. Call only after the migrations ran. */
  tenant(): string | null {
    if (this.#cached === undefined) {
      const row = this.#sql
        .exec<{ value: string }>("SELECT value FROM platform_identity WHERE key = 'tenant'")
        .toArray()[0];
      this.#cached = row?.value ?? null;
    }
    return this.#cached;
  }

  /** The cached tenant without reading storage (null before start). */
  cached(): string | null {
    return this.#cached ?? null;
  }

  /**
   * Records `tenant` on first contact; afterwards refuses any other tenant.
   * @throws {TENANT_MISMATCH} 403 when this DO belongs to another tenant
   */
  claim(tenant: string, nowMs: number): void {
    const current = this.tenant();
    if (current === tenant) return;
    if (current !== null) {
      throw new PlatformError("TENANT_MISMATCH", "this object belongs to another tenant", { status: 403 });
    }
    this.#sql.exec("INSERT INTO platform_identity (key, value, set_at) VALUES ('tenant', ?, ?)", tenant, nowMs);
    this.#cached = tenant;
  }
}
