/**
 * Proves pre-agg inside the real TenantDO: its routes refuse a missing or foreign token
 * (401/403) and answer each bad input with its code; a rollup is backfilled, kept up to date by
 * `POST /tables/:name/rows` and deletes (a deleted min rebuilt on a wake-up) and answers like the
 * raw rows, all driven by `runDurableObjectAlarm`; dropping its table is refused (TABLE_IN_USE)
 * until forced; ended partitions compact to the real `BLOBS` bucket and are read back by range
 * reads; `preagg.refresh` on a schedule works, and for a dropped rollup dead-letters NON_RETRYABLE.
 */
import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const ORIGINS = ["SFO", "LAX", "JFK", "ORD"];
const TABLE = {
  name: "flights",
  columns: [
    { name: "id", type: "integer" },
    { name: "ts", type: "timestamp", nullable: false },
    { name: "origin", type: "text", nullable: false },
    { name: "delay", type: "integer" },
  ],
  primaryKey: "id",
};
const T0 = Date.UTC(2001, 0, 1);
const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: from + i,
    ts: new Date(T0 + (((from + i) * 7_919_000) % (40 * 86_400_000))).toISOString(),
    origin: ORIGINS[(from + i) % 4],
    delay: (((from + i) * 37) % 90) - 20,
  }));
const ROLLUP = {
  name: "by_origin_day",
  source: "flights",
  measures: [
    { name: "n", agg: "count" },
    { name: "delay_avg", agg: "avg", column: "delay" },
    { name: "delay_min", agg: "min", column: "delay" },
  ],
  dimensions: ["origin"],
  timeDimension: { column: "ts", grain: "day" },
};
const QUERY = {
  table: "flights",
  measures: [{ agg: "count" }, { agg: "avg", column: "delay" }, { agg: "min", column: "delay" }],
  dimensions: ["origin"],
  timeDimension: { column: "ts", grain: "month", range: { from: "2001-01-01", to: "2001-03-01" } },
};

async function tenantWithFlights(n: number) {
  const tenant = uniqueTenant("pa");
  const token = await tokenFor(tenant);
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    call(`/v1/tenants/${tenant}${path}`, { ...init, token });
  expect((await api("/tables", jsonInit("POST", TABLE))).status).toBe(201);
  for (let i = 0; i < n; i += 1000) {
    expect((await api("/tables/flights/rows", jsonInit("POST", { rows: rows(i, Math.min(1000, n - i)) }))).status).toBe(
      200,
    );
  }
  // A fresh stub each time: one from before an eviction is broken.
  const drain = async () => {
    for (let i = 0; i < 20 && (await runDurableObjectAlarm(env.TENANT.getByName(tenant))); i++);
  };
  const code = async (path: string, init: RequestInit) => {
    const res = await api(path, init);
    return `${res.status} ${(await jsonOf(res)).error?.code}`;
  };
  return { tenant, api, drain, code };
}

type Answer = { rows: Record<string, unknown>[]; meta: { source: string; tiers: string[]; asOf: number } };

async function answers(api: (p: string, i?: RequestInit) => Promise<Response>) {
  const rolled = (await jsonOf(await api("/pre-agg/query", jsonInit("POST", { query: QUERY })))) as unknown as Answer;
  const raw = (await jsonOf(
    await api("/pre-agg/query", jsonInit("POST", { query: { ...QUERY, where: { col: "delay", op: "isNotNull" } } })),
  )) as unknown as Answer;
  return { rolled, raw };
}

describe("pre-agg routes", () => {
  it("refuse a missing or foreign token and answer each bad input with its code", async () => {
    const { tenant, api, code } = await tenantWithFlights(200);
    expect((await call(`/v1/tenants/${tenant}/pre-agg/rollups`)).status).toBe(401);
    expect(
      (await call(`/v1/tenants/${tenant}/pre-agg/rollups`, { token: await tokenFor(uniqueTenant("x")) })).status,
    ).toBe(403);
    const first = await api("/pre-agg/rollups", jsonInit("POST", { definition: ROLLUP }));
    expect(first.status).toBe(201);
    expect(((await jsonOf(first)) as unknown as { rollup: { status: string } }).rollup.status).toBe("building");
    expect((await api("/pre-agg/rollups", jsonInit("POST", { definition: ROLLUP }))).status).toBe(200);
    const define = (d: unknown) => code("/pre-agg/rollups", jsonInit("POST", { definition: d }));
    expect(await define({ ...ROLLUP, maintenance: "deferred" })).toBe("409 ROLLUP_EXISTS");
    expect(await define({ ...ROLLUP, name: "b", dimensions: ["carrier"] })).toBe("400 INVALID_ROLLUP");
    expect(await define({ ...ROLLUP, name: "b", timeDimension: { column: "delay", grain: "day" } })).toBe(
      "400 INVALID_ROLLUP",
    );
    expect(
      await define({ ...ROLLUP, name: "b", timeDimension: { column: "ts", grain: "week" }, partitionGrain: "month" }),
    ).toBe("400 INVALID_ROLLUP");
    expect(await define({ ...ROLLUP, name: "b", source: "nope" })).toBe("404 TABLE_NOT_FOUND");
    expect(await code("/pre-agg/rollups/nope", { method: "GET" })).toBe("404 ROLLUP_NOT_FOUND");
    const query = (q: unknown, options?: unknown) => code("/pre-agg/query", jsonInit("POST", { query: q, options }));
    expect(await query({ ...QUERY, dimensions: ["carrier"] })).toBe("400 INVALID_QUERY");
    expect(await query({ ...QUERY, where: { col: "ts", op: "=", value: 1 } })).toBe("400 INVALID_QUERY");
    expect(await query({ ...QUERY, where: { col: "origin", op: "~", value: 1 } })).toBe("400 INVALID_PREDICATE");
    expect(await query({ ...QUERY, table: "nope" })).toBe("404 TABLE_NOT_FOUND");
    expect(await query({ ...QUERY, measures: [{ agg: "countDistinct", column: "delay" }] }, { rollupOnly: true })).toBe(
      "409 NO_MATCHING_ROLLUP",
    );
    expect(await query({ ...QUERY, limit: 1 })).toBe("413 RESULT_TOO_LARGE");
    expect(await code("/tables/flights", { method: "DELETE" })).toBe("409 TABLE_IN_USE");
    expect((await api("/tables/flights?force=true", { method: "DELETE" })).status).toBe(204);
    expect((await jsonOf(await api("/pre-agg/rollups"))).rollups).toEqual([]);
    expect((await api("/tables", jsonInit("POST", TABLE))).status).toBe(201);
    expect((await jsonOf(await api("/pre-agg/rollups"))).rollups).toEqual([]);
  });

  it("backfills on alarms, follows writes and deletes over HTTP, compacts to BLOBS and reads it back", async () => {
    const { api, drain } = await tenantWithFlights(2000);
    expect((await api("/pre-agg/rollups", jsonInit("POST", { definition: ROLLUP }))).status).toBe(201);
    await drain();
    const info = (await jsonOf(await api("/pre-agg/rollups/by_origin_day"))) as unknown as {
      status: string;
      partitions: Record<string, number>;
    };
    expect(info.status).toBe("built");
    let { rolled, raw } = await answers(api);
    expect(rolled.meta.source).toBe("rollup");
    expect(rolled.meta.tiers).toContain("warm");
    expect(info.partitions.warm).toBeGreaterThan(0);
    const listed = await env.BLOBS.list({ prefix: "preagg/" });
    expect(
      listed.objects.some((o) => o.key.includes("/by_origin_day/v") && o.key.includes("/partition=2001-01/")),
    ).toBe(true);
    expect(raw.meta.source).toBe("raw");
    expect(rolled.rows).toEqual(raw.rows);
    // Evicted: the footer cache is gone; warm files are read again by range and answer the same.
    await drain();
    await abortAllDurableObjects().catch(() => {});
    expect((await answers(api)).rolled.rows).toEqual(raw.rows);
    // A late row and a delete of the row holding SFO's minimum.
    const sfoMin = rows(0, 2000)
      .filter((r) => r.origin === "SFO")
      .sort((a, b) => a.delay - b.delay)[0];
    expect(
      (
        await api(
          "/tables/flights/rows",
          jsonInit("POST", { rows: [{ id: 9999, ts: "2001-01-03T05:00:00Z", origin: "SFO", delay: 500 }] }),
        )
      ).status,
    ).toBe(200);
    expect((await api("/tables/flights/rows", jsonInit("DELETE", { keys: [sfoMin?.id] }))).status).toBe(200);
    ({ rolled, raw } = await answers(api));
    expect(rolled.rows).toEqual(raw.rows);
    await drain();
    ({ rolled, raw } = await answers(api));
    expect(rolled.meta.source).toBe("rollup");
    expect(rolled.rows).toEqual(raw.rows);
  });

  it("folds a deferred rollup with preagg.refresh from a schedule; a dropped rollup dead-letters NON_RETRYABLE", async () => {
    const { api, drain } = await tenantWithFlights(100);
    const deferred = { ...ROLLUP, maintenance: "deferred", measures: ROLLUP.measures.slice(0, 2) };
    expect((await api("/pre-agg/rollups", jsonInit("POST", { definition: deferred }))).status).toBe(201);
    await drain();
    const q = { ...QUERY, measures: QUERY.measures.slice(0, 2) };
    const ask = async (options?: unknown) =>
      (await jsonOf(await api("/pre-agg/query", jsonInit("POST", { query: q, options })))) as unknown as Answer;
    const before = await ask();
    const late = { id: 5000, ts: "2001-01-02T03:00:00Z", origin: "SFO", delay: 10 };
    expect((await api("/tables/flights/rows", jsonInit("POST", { rows: [late] }))).status).toBe(200);
    const stale = await ask();
    expect(stale.rows).toEqual(before.rows);
    expect(stale.meta.asOf).toBeLessThanOrEqual(Date.now());
    const lambda = await ask({ lambda: true });
    expect(lambda.rows).not.toEqual(before.rows);
    const ok = await api(
      "/scheduler/schedules",
      jsonInit("POST", {
        key: "r1",
        handler: "preagg.refresh",
        payload: { rollup: "by_origin_day" },
        when: { delayMs: 0 },
      }),
    );
    expect(ok.status).toBe(201);
    const gone = await api(
      "/scheduler/schedules",
      jsonInit("POST", { key: "r2", handler: "preagg.refresh", payload: { rollup: "gone" }, when: { delayMs: 0 } }),
    );
    expect(gone.status).toBe(201);
    await drain();
    const letters = (await jsonOf(await api("/scheduler/dead-letters"))).items as {
      handler: string;
      code: string;
      payload: unknown;
    }[];
    expect(letters.map((l) => [l.handler, l.code, l.payload])).toEqual([
      ["preagg.refresh", "NON_RETRYABLE", { rollup: "gone" }],
    ]);
    expect(((await jsonOf(await api("/pre-agg/rollups/by_origin_day"))) as unknown as { status: string }).status).toBe(
      "built",
    );
    // The scheduled refresh folded the delta: the plain answer now equals the lambda one.
    expect((await ask()).rows).toEqual(lambda.rows);
  });
});
