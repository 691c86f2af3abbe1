/**
 * The platform's consent list, kept by the registry DO (`_platform`) in `qr_consent`: each
 * tenant DO reports its `platformAggregation` flag here when it changes. A platform query fans
 * out only to listed tenants, and each of them re-checks its own flag on every call, so a
 * stale list can never expose a tenant that withdrew.
 * @module
 */
import type { Clock, Sql } from "@durable/core";
import { qrError } from "./errors.ts";

const TENANT = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The consent list over `qr_consent`. */
export class ConsentRegistry {
  readonly #sql: Sql;
  readonly #clock: Clock;

  constructor(sql: Sql, clock: Clock) {
    this.#sql = sql;
    this.#clock = clock;
  }

  /** Records `tenant`'s flag. */
  report(tenant: string, consented: boolean): void {
    if (!TENANT.test(tenant)) throw qrError("INVALID_SETTINGS", `tenant: not a tenant id: ${tenant}`);
    this.#sql.exec(
      `INSERT INTO qr_consent (tenant, consented, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (tenant) DO UPDATE SET consented = excluded.consented, updated_at = excluded.updated_at`,
      tenant,
      consented ? 1 : 0,
      this.#clock.now(),
    );
  }

  /** The tenants that consented, in id order (at most `limit`). */
  consenting(limit = 1_000): string[] {
    return this.#sql
      .exec<{ tenant: string }>("SELECT tenant FROM qr_consent WHERE consented = 1 ORDER BY tenant LIMIT ?", limit)
      .toArray()
      .map((r) => r.tenant);
  }
}
