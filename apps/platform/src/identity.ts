/**
 * The tenant a DO belongs to, stored on first contact. Alarms wake a DO without its name, so
 * the tenant id is read from storage, never from `ctx.id.name`.
 * @module
 */
import { type MigrationSet, PlatformError, type Sql } from "@durable/core";

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

/** Reads and records the DO's tenant id (cached in memory as a copy of the row). */
export class TenantIdentity {
  readonly #sql: Sql;
  #cached: string | null | undefined;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The recorded tenant, or null before first contact. */
  tenant(): string | null {
    if (this.#cached === undefined) {
      const row = this.#sql
        .exec<{ value: string }>("SELECT value FROM platform_identity WHERE key = 'tenant'")
        .toArray()[0];
      this.#cached = row?.value ?? null;
    }
    return this.#cached;
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
