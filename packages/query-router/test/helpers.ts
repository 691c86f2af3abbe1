/**
 * Node fixtures: the router composed as TenantDO composes it (core's TestHost: tables, the
 * estimator, pre-agg priced by the estimator's constants, then `query`), over the better-sqlite3
 * adapter, with a manual clock, a collecting background and recorded wake-ups.
 */
import { ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { type EstimatorCapability, estimatorCapability } from "@durable/cost-estimator";
import { type PreAggCapability, preAggCapability } from "@durable/pre-agg";
import { tablesCapability } from "@durable/tables";
import { type QueryRouterDefinitionOptions, queryRouterCapability } from "../src/capability.ts";

/** 2026-12-04T00:00:00Z: the fixtures' "now". */
export const NOW = Date.UTC(2026, 11, 4);

/** A composed router over a fresh in-memory SQLite. */
export async function routerHost(o: QueryRouterDefinitionOptions & { tenant?: string } = {}) {
  const db = openSqlite();
  const clock = new ManualClock(NOW);
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock, tenant: o.tenant ?? "acme" });
  const tables = host.use(tablesCapability()).tables;
  let estimator: EstimatorCapability | undefined;
  estimator = host.use(estimatorCapability());
  const preAgg: PreAggCapability = host.use(preAggCapability({ costs: () => estimator?.estimator }));
  const { tenant: _t, ...options } = o;
  const query = host.use(queryRouterCapability(options));
  await host.start();
  return {
    db,
    clock,
    host,
    tables,
    estimator: estimator.estimator,
    preAgg: preAgg.preAgg,
    cap: query,
    router: query.router,
  };
}

/** The `events` table: id, kind (text), region (text), amount (integer), price (real), at (timestamp). */
export function createEvents(tables: { createTable(spec: unknown): unknown }): void {
  tables.createTable({
    name: "events",
    columns: [
      { name: "id", type: "integer", nullable: false },
      { name: "kind", type: "text" },
      { name: "region", type: "text" },
      { name: "amount", type: "integer" },
      { name: "price", type: "real" },
      { name: "at", type: "timestamp", nullable: false },
    ],
    primaryKey: "id",
    indexes: [{ columns: ["at"] }],
  });
}

/** `n` deterministic event rows starting at id `from`. */
export function eventRows(n: number, from = 0): Record<string, unknown>[] {
  const kinds = ["click", "view", "buy", "share"];
  const regions = ["eu", "us", "ap"];
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      id: i,
      kind: kinds[i % kinds.length],
      region: regions[(i * 7) % regions.length],
      amount: (i * 13) % 100,
      price: ((i * 17) % 1000) / 10,
      at: Date.UTC(2026, 10, 1) + i * 60_000,
    };
  });
}

/** A dashboard query: count and sum of amount per kind. */
export const BY_KIND = {
  table: "events",
  measures: [{ agg: "count" }, { agg: "sum", column: "amount" }],
  dimensions: ["kind"],
} as const;
