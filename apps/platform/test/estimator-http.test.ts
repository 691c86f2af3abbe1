/**
 * Proves the estimator capability inside the real TenantDO: its routes refuse a missing or
 * foreign token (401/403) and answer every bad input with its code (TABLE_NOT_FOUND,
 * UNKNOWN_COLUMN, INVALID_PREDICATE, INVALID_FEEDBACK, INVALID_CALIBRATION, INVALID_SKETCH-free
 * paths), writes over `POST /tables/:name/rows` move its estimates through the table-events
 * seam, an automatic ANALYZE runs on a scheduler wake-up (`runDurableObjectAlarm`), the row
 * count survives eviction, a forced drop leaves no statistics behind for a table recreated under
 * the name, and `ParquetStatsProvider` reads footers from the real `BLOBS` R2 binding.
 * Does not prove accuracy on real data (spikes/cost-estimator does).
 */
import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { r2BlobStore } from "@durable/core";
import { ParquetStatsProvider } from "@durable/cost-estimator";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const ORIGINS = ["SFO", "LAX", "JFK", "SEA", "ORD"];
const TABLE = {
  name: "flights",
  columns: [
    { name: "id", type: "integer" },
    { name: "origin", type: "text" },
    { name: "delay", type: "integer" },
  ],
  primaryKey: "id",
};
const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, origin: ORIGINS[(from + i) % 5], delay: (from + i) % 60 }));

async function tenantWithFlights(n: number) {
  const tenant = uniqueTenant("est");
  const token = await tokenFor(tenant);
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    call(`/v1/tenants/${tenant}${path}`, { ...init, token });
  expect((await api("/tables", jsonInit("POST", TABLE))).status).toBe(201);
  for (let i = 0; i < n; i += 1000) {
    const res = await api("/tables/flights/rows", jsonInit("POST", { rows: rows(i, Math.min(1000, n - i)) }));
    expect(res.status).toBe(200);
  }
  return { tenant, token, api };
}

const sfo = { table: "flights", where: { col: "origin", op: "=", value: "SFO" } };

describe("estimator routes", () => {
  it("refuse a missing or foreign token and answer each bad input with its code", async () => {
    const { tenant, api } = await tenantWithFlights(100);
    expect((await call(`/v1/tenants/${tenant}/estimator/estimate`, jsonInit("POST", sfo))).status).toBe(401);
    const foreign = await call(
      `/v1/tenants/${tenant}/estimator/estimate`,
      jsonInit("POST", sfo, await tokenFor(uniqueTenant("x"))),
    );
    expect(foreign.status).toBe(403);
    const code = async (path: string, init: RequestInit) => {
      const res = await api(path, init);
      return `${res.status} ${(await jsonOf(res)).error?.code}`;
    };
    expect(await code("/estimator/estimate", jsonInit("POST", { table: "nope" }))).toBe("404 TABLE_NOT_FOUND");
    expect(await code("/estimator/estimate", jsonInit("POST", { table: "flights", groupBy: ["carrier"] }))).toBe(
      "400 UNKNOWN_COLUMN",
    );
    expect(
      await code(
        "/estimator/estimate",
        jsonInit("POST", { table: "flights", where: { col: "delay", op: "=", value: "x" } }),
      ),
    ).toBe("400 INVALID_PREDICATE");
    expect(
      await code("/estimator/feedback", jsonInit("POST", { fingerprint: "abc", estimatedRows: 10, actualRows: -1 })),
    ).toBe("400 INVALID_FEEDBACK");
    expect(await code("/estimator/calibration", jsonInit("PUT", { constants: { sqliteScanRowUs: 0 } }))).toBe(
      "400 INVALID_CALIBRATION",
    );
    // The old constants are kept.
    const constants = (await jsonOf(await api("/estimator/calibration"))).constants as Record<string, number>;
    expect(constants.sqliteScanRowUs).toBeGreaterThan(0);
    expect(await code("/estimator/tables/nope/stats", {})).toBe("404 TABLE_NOT_FOUND");
  });
});

describe("statistics in the tenant DO", () => {
  it("follow writes, ANALYZE on a wake-up, survive eviction, and vanish with a forced drop", async () => {
    const { tenant, api } = await tenantWithFlights(2000);
    const stats = async () => jsonOf(await api("/estimator/tables/flights/stats"));
    expect((await stats()).rows).toBe(2000);
    // 2,000 modifications > 50 + 10% of the rows: an automatic ANALYZE is a due wake-up.
    const stub = env.TENANT.getByName(tenant);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const analyzed = await stats();
    expect(analyzed.analyzedAt).not.toBeNull();
    expect(analyzed.modificationsSinceAnalyze).toBe(0);
    const estimate = await jsonOf(await api("/estimator/estimate", jsonInit("POST", sfo)));
    const exact = await jsonOf(await api("/tables/flights/count", jsonInit("POST", { where: sfo.where })));
    expect(exact.count).toBe(400);
    expect(estimate.rows as number).toBeGreaterThanOrEqual(200);
    expect(estimate.rows as number).toBeLessThanOrEqual(800);
    expect(estimate.low as number).toBeLessThanOrEqual(estimate.rows as number);
    expect(estimate.high as number).toBeGreaterThanOrEqual(estimate.rows as number);
    // Deletes move the count in the same transaction as the write.
    await api("/tables/flights/rows", jsonInit("DELETE", { keys: [0, 1, 2, 3, 4] }));
    expect((await stats()).rows).toBe(1995);
    await abortAllDurableObjects();
    expect((await stats()).rows).toBe(1995);
    // A table dropped with force and recreated under its name inherits nothing.
    expect((await api("/tables/flights?force=true", { method: "DELETE" })).status).toBe(204);
    expect((await api("/tables", jsonInit("POST", TABLE))).status).toBe(201);
    const fresh = await stats();
    expect(fresh.rows).toBe(0);
    expect(fresh.analyzedAt).toBeNull();
    expect((await jsonOf(await api("/estimator/estimate", jsonInit("POST", sfo)))).rows).toBe(0);
  });
});

describe("ParquetStatsProvider on the BLOBS binding", () => {
  it("sums row counts, nulls and min/max from the footers of every file below a prefix", async () => {
    const prefix = `est-test/${uniqueTenant("pq")}/`;
    const file = (ids: number[], delays: (number | null)[]) =>
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "id", data: ids, type: "INT32" },
            { name: "delay", data: delays, type: "INT32" },
          ],
        }),
      );
    await env.BLOBS.put(`${prefix}part-0.parquet`, file([1, 2, 3], [5, null, 9]));
    await env.BLOBS.put(`${prefix}part-1.parquet`, file([4, 5], [-2, 40]));
    await env.BLOBS.put(`${prefix}notes.txt`, "not parquet");
    const provider = new ParquetStatsProvider(r2BlobStore(env.BLOBS));
    const stats = await provider.load("flights", prefix);
    expect(stats.rowCount).toBe(5);
    expect(stats.columns.delay).toMatchObject({ nullCount: 1, min: -2, max: 40 });
    expect(stats.columns.id).toMatchObject({ nullCount: 0, min: 1, max: 5 });
    expect(provider.stats("flights")).toBe(stats);
  });
});
