/**
 * Fixtures of the query router's workerd tests: a tenant with an `events` table written over
 * HTTP, shard DOs (`<tenant>:shard-<i>`, real TenantDOs) filled over RPC, and a typed `query`
 * RPC target.
 */
import type { Remote } from "@durable/core";
import type { QueryRouterApi } from "@durable/query-router";
import { expect } from "vitest";
import type { TenantStub } from "../src/tenant-do.ts";
import { call, env, jsonInit, tokenFor, uniqueTenant } from "./helpers.ts";

export const EVENTS = {
  name: "events",
  columns: [
    { name: "id", type: "integer", nullable: false },
    { name: "kind", type: "text" },
    { name: "amount", type: "integer" },
    { name: "at", type: "timestamp", nullable: false },
  ],
  primaryKey: "id",
};

export const KINDS = ["click", "view", "buy"];

/** `n` event rows from id `from`. */
export function events(from: number, n: number) {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { id: i, kind: KINDS[i % 3], amount: i % 50, at: Date.UTC(2026, 10, 1) + i * 60_000 };
  });
}

/** Count and sum of amount per kind. */
export const BY_KIND = {
  table: "events",
  measures: [{ agg: "count" }, { agg: "sum", column: "amount" }],
  dimensions: ["kind"],
};

/** A TenantDO stub by DO name. */
export function stub(name: string): TenantStub {
  return env.TENANT.getByName(name) as unknown as TenantStub;
}

/** The `query` RPC target of DO `name` for `tenant`. */
export function queryTarget(name: string, tenant: string): Remote<QueryRouterApi> {
  return stub(name).capability("query", tenant);
}

/** A tenant with `n` events written over HTTP, and its API caller. */
export async function tenantWithEvents(n: number, prefix = "qr") {
  const tenant = uniqueTenant(prefix);
  const token = await tokenFor(tenant);
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    call(`/v1/tenants/${tenant}${path}`, { ...init, token });
  expect((await api("/tables", jsonInit("POST", EVENTS))).status).toBe(201);
  if (n > 0) expect((await api("/tables/events/rows", jsonInit("POST", { rows: events(0, n) }))).status).toBe(200);
  return { tenant, token, api };
}

/** Creates `events` in shards 0..n-1 (except `skip`) of `tenant`, `per` rows each. */
export async function fillShards(tenant: string, n: number, per: number, skip: number[] = []): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      if (skip.includes(i)) return;
      const tables = stub(`${tenant}:shard-${i}`).capability("tables", tenant);
      await tables.createTable(EVENTS);
      await tables.writeRows("events", events(i * per, per));
    }),
  );
}
