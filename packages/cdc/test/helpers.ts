/** Shared setup of the cdc Node tests: a TestHost with tables and cdc over better-sqlite3. */
import { ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { type TablesCapability, tablesCapability } from "@durable/tables";
import { type CdcCapabilityOptions, cdcCapability } from "../src/index.ts";

/** A started host with `tables` and `cdc`, the clock at real time (triggers stamp real time). */
export async function setup(options: CdcCapabilityOptions = {}, tenant = "acme") {
  const db = openSqlite();
  const clock = new ManualClock(Date.now());
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock, tenant });
  const tablesCap = host.use(tablesCapability()) as TablesCapability;
  const cap = host.use(cdcCapability(options));
  await host.start();
  return { db, host, clock, tables: tablesCap.tables, cdc: cap.cdc, cap, sql: db.sql };
}

/** A table of every column type, keyed by an integer. */
export const ALL_TYPES = {
  name: "things",
  columns: [
    { name: "id", type: "integer" },
    { name: "price", type: "real" },
    { name: "label", type: "text" },
    { name: "data", type: "blob" },
    { name: "ok", type: "boolean" },
    { name: "at", type: "timestamp" },
    { name: "doc", type: "json" },
  ],
  primaryKey: "id",
};

/** The orders table of the spike. */
export const ORDERS = {
  name: "orders",
  columns: [
    { name: "id", type: "integer" },
    { name: "customer", type: "text" },
    { name: "amount", type: "real" },
    { name: "status", type: "text" },
  ],
  primaryKey: "id",
};

/** Every event after `since` through `read` (all pages). */
export function readAll(
  cdc: { read(o: { since?: number; limit?: number }): { events: unknown[]; next: number | null } },
  since = 1,
) {
  const out: unknown[] = [];
  let next: number | null = since;
  while (next !== null) {
    const page = cdc.read({ since: next, limit: 1000 });
    out.push(...page.events);
    next = page.next;
  }
  return out;
}

/** The code of what `fn` throws. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
  return undefined;
}
