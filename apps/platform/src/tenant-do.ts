/**
 * `TenantDO`: one SQLite-backed Durable Object per tenant, named by the tenant id.
 * Each capability is one `use()` line; the order is the order their hooks run in.
 * @module
 */

import type { Predicate } from "@durable/core";
import { createRateLimiter, rateLimitCapability } from "@durable/rate-limit";
import {
  createTablesCapability,
  jsonSafe,
  type ScanOptions,
  type TableInfo,
  type TablesCapability,
  type WriteMode,
  type WriteResult,
} from "@durable/tables";
import { metaCapability } from "./capabilities/meta.ts";
import { platformScheduler } from "./capabilities/scheduler.ts";
import { DOBase } from "./do-base.ts";
import { TENANT_DEFAULT_PLAN } from "./rate-limiter-do.ts";

/** A row as RPC returns it: JSON values, blobs as base64 (as over HTTP). */
export type RpcRow = Record<string, string | number | boolean | null | object>;

/** The tenant's DO: every capability of the platform, composed. */
export class TenantDO extends DOBase<Env> {
  /** The tenant's tables; the one write path fans out to every capability's `onRowsWritten`. */
  readonly #tables: TablesCapability;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The scheduler first: it owns the alarm and the wake-ups of every other capability.
    this.useAlarmOwner(platformScheduler(this.ports));
    this.#tables = createTablesCapability(this.ports, { observers: [this.rowsWritten] });
    this.use(metaCapability(this.ports)).use(this.#tables);
    // The tenant's own limiter (for its users' keys); its hourly sweep is a scheduler wake-up.
    const { sql, transactionSync, clock, wake } = this.ports;
    this.use(
      rateLimitCapability(
        createRateLimiter(
          { sql, transactionSync, clock, wake },
          { plans: [TENANT_DEFAULT_PLAN], defaultPlan: "default" },
        ),
      ),
    );
  }

  // RPC surface of the tables capability, for other Workers (errors carry `[CODE]` in the message).

  /** Creates a table (see `POST /tables`). */
  async createTable(spec: unknown): Promise<TableInfo> {
    await this.ready();
    return this.#tables.tables.createTable(spec);
  }

  /** Every table of the tenant. */
  async listTables(): Promise<TableInfo[]> {
    await this.ready();
    return this.#tables.tables.listTables();
  }

  /** One table. */
  async describeTable(name: string): Promise<TableInfo> {
    await this.ready();
    return this.#tables.tables.describeTable(name);
  }

  /** Drops a table (`force` drops it even while a capability uses it). */
  async dropTable(name: string, force = false): Promise<void> {
    await this.ready();
    this.#tables.tables.dropTable(name, force);
  }

  /** Inserts or upserts 1–10,000 rows, all or nothing. */
  async writeRows(table: string, rows: unknown[], mode: WriteMode = "insert"): Promise<WriteResult> {
    await this.ready();
    return this.#tables.tables.write(table, rows, mode);
  }

  /** Deletes rows by key. */
  async deleteRows(table: string, keys: unknown[]): Promise<{ deleted: number }> {
    await this.ready();
    return this.#tables.tables.delete(table, keys);
  }

  /** Reads one row by key (a value, an array in key order, or an object). */
  async getRow(table: string, key: string | number | (string | number)[]): Promise<RpcRow> {
    await this.ready();
    return jsonSafe(this.#tables.tables.get(table, key)) as RpcRow;
  }

  /** Changes columns of one row. */
  async updateRow(
    table: string,
    key: string | number | (string | number)[],
    set: Record<string, unknown>,
  ): Promise<RpcRow> {
    await this.ready();
    return jsonSafe(this.#tables.tables.update(table, key, set)) as RpcRow;
  }

  /** One keyset page. */
  async scanRows(table: string, options: ScanOptions = {}): Promise<{ rows: RpcRow[]; cursor: string | null }> {
    await this.ready();
    const page = this.#tables.tables.scan(table, options);
    return { rows: page.rows.map((r) => jsonSafe(r) as RpcRow), cursor: page.cursor };
  }

  /** Counts rows matching `where`. */
  async countRows(table: string, where?: Predicate): Promise<number> {
    await this.ready();
    return this.#tables.tables.count(table, where);
  }
}
