/**
 * The end-to-end test of issue 5, over HTTP only, for the capabilities that exist today:
 * create a table, insert 10,000 rows, read them back by pages (every row exactly once, in key
 * order, values intact). The table-events seam end to end: a capability that requires tables
 * and subscribes sees each write that changed rows once; when it throws the request gets 500
 * INTERNAL with a request id, nothing is stored (neither the rows nor the subscriber's own
 * writes), and the next write works. A subscriber's use makes DELETE answer 409 TABLE_IN_USE
 * until `force=true`.
 * Later packages extend this file (CDC, pre-agg, router, estimator, checkpoint).
 * Does not prove throughput (spikes/tables).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const FLIGHTS = {
  name: "flights",
  columns: [
    { name: "id", type: "integer" },
    { name: "date", type: "timestamp", nullable: false },
    { name: "delay", type: "integer" },
    { name: "origin", type: "text" },
  ],
  primaryKey: "id",
  indexes: [{ name: "by_origin", columns: ["origin"] }],
};
const ORIGINS = ["SFO", "LAX", "JFK", "SEA", "ORD"];
const row = (id: number) => ({
  id,
  date: 978_307_200_000 + id * 60_000,
  delay: ((id * 7) % 120) - 10,
  origin: ORIGINS[id % 5],
});

describe("end to end over HTTP", () => {
  it("creates a table, inserts 10,000 rows and reads them back by pages", async () => {
    const tenant = uniqueTenant("e2e");
    const token = await tokenFor(tenant);
    const base = `/v1/tenants/${tenant}/tables`;
    expect((await call(base, jsonInit("POST", FLIGHTS, token))).status).toBe(201);
    const rows = Array.from({ length: 10_000 }, (_, i) => row(i + 1));
    const res = await call(`${base}/flights/rows`, jsonInit("POST", { rows, mode: "insert" }, token));
    expect(await jsonOf(res)).toEqual({ inserted: 10_000, updated: 0 });
    const seen: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await jsonOf(
        await call(`${base}/flights/rows?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
          token,
        }),
      );
      seen.push(...(page.rows as unknown[]));
      cursor = page.cursor as string | null;
      pages++;
    } while (cursor);
    expect(pages).toBe(10);
    expect(seen).toEqual(rows);
    const sfo = await jsonOf(
      await call(`${base}/flights/count`, jsonInit("POST", { where: { col: "origin", op: "=", value: "SFO" } }, token)),
    );
    expect(sfo).toEqual({ count: 2000 });
    // The estimator saw the same write through the table-events seam.
    const estimate = await jsonOf(
      await call(
        `/v1/tenants/${tenant}/estimator/estimate`,
        jsonInit("POST", { table: "flights", where: { col: "origin", op: "=", value: "SFO" } }, token),
      ),
    );
    expect(estimate.rows as number).toBeGreaterThanOrEqual(1000);
    expect(estimate.rows as number).toBeLessThanOrEqual(4000);
    const stats = await jsonOf(await call(`/v1/tenants/${tenant}/estimator/tables/flights/stats`, { token }));
    expect(stats.rows).toBe(10_000);
  });
});

describe("end to end over HTTP: pre-agg", () => {
  it("a rollup over flights answers count and avg delay per origin per day like the raw rows, before and after an upsert and a delete", async () => {
    const tenant = uniqueTenant("e2e-pa");
    const token = await tokenFor(tenant);
    const api = (path: string, method: string, body: unknown) =>
      call(`/v1/tenants/${tenant}${path}`, jsonInit(method, body, token));
    expect((await api("/tables", "POST", FLIGHTS)).status).toBe(201);
    const rows = new Map(Array.from({ length: 3000 }, (_, i) => [i + 1, row(i + 1)]));
    expect((await api("/tables/flights/rows", "POST", { rows: [...rows.values()] })).status).toBe(200);
    const rollup = {
      name: "by_origin_day",
      source: "flights",
      measures: [
        { name: "flights", agg: "count" },
        { name: "avg_delay", agg: "avg", column: "delay" },
      ],
      dimensions: ["origin"],
      timeDimension: { column: "date", grain: "day" },
    };
    expect((await api("/pre-agg/rollups", "POST", { definition: rollup })).status).toBe(201);
    const stub = env.TENANT.getByName(tenant);
    for (let i = 0; i < 10 && (await runDurableObjectAlarm(stub)); i++);
    const query = {
      table: "flights",
      measures: [{ agg: "count" }, { agg: "avg", column: "delay" }],
      dimensions: ["origin"],
      timeDimension: { column: "date", grain: "day" },
    };
    const expected = () => {
      const groups = new Map<string, { origin: string; date: string; n: number; sum: number }>();
      for (const r of rows.values()) {
        const date = new Date(Math.floor(r.date / 86_400_000) * 86_400_000).toISOString();
        const k = `${date}|${r.origin}`;
        const g = groups.get(k) ?? { origin: r.origin as string, date, n: 0, sum: 0 };
        g.n++;
        g.sum += r.delay;
        groups.set(k, g);
      }
      return [...groups.values()]
        .sort((a, b) => (a.date === b.date ? (a.origin < b.origin ? -1 : 1) : a.date < b.date ? -1 : 1))
        .map((g) => ({ origin: g.origin, date: g.date, count: g.n, avg_delay: g.sum / g.n }));
    };
    const answer = async () =>
      (await jsonOf(await api("/pre-agg/query", "POST", { query }))) as unknown as {
        rows: unknown[];
        meta: { source: string; rollup: string };
      };
    let a = await answer();
    expect(a.meta).toMatchObject({ source: "rollup", rollup: "by_origin_day" });
    expect(a.rows).toEqual(expected());
    const moved = { ...row(5), origin: "SEA", delay: 500 };
    rows.set(5, moved);
    rows.delete(6);
    expect((await api("/tables/flights/rows", "POST", { rows: [moved], mode: "upsert" })).status).toBe(200);
    expect((await api("/tables/flights/rows", "DELETE", { keys: [6] })).status).toBe(200);
    a = await answer();
    expect(a.meta.source).toBe("rollup");
    expect(a.rows).toEqual(expected());
  });

  it("a dashboard query over flights answers from the rollup or live, then from cache; after a write the old entry is served stale while revalidating, then the write shows", async () => {
    const tenant = uniqueTenant("e2e-qr");
    const token = await tokenFor(tenant);
    const api = (path: string, method: string, body: unknown) =>
      call(`/v1/tenants/${tenant}${path}`, jsonInit(method, body, token));
    expect((await api("/tables", "POST", FLIGHTS)).status).toBe(201);
    expect(
      (await api("/tables/flights/rows", "POST", { rows: Array.from({ length: 2000 }, (_, i) => row(i + 1)) })).status,
    ).toBe(200);
    const dashboard = {
      query: {
        table: "flights",
        measures: [{ agg: "count" }, { agg: "avg", column: "delay" }],
        dimensions: ["origin"],
      },
      routing: { freshness: "dashboard" },
    };
    type Answer = { rows: { origin: string; count: number }[]; meta: Record<string, unknown> };
    const ask = async () => (await jsonOf(await api("/query", "POST", dashboard))) as unknown as Answer;
    const total = (x: Answer) => x.rows.reduce((n, r) => n + r.count, 0);
    const first = await ask();
    expect(["rollup", "local"]).toContain(first.meta.source);
    expect(total(first)).toBe(2000);
    const cached = await ask();
    expect(cached.meta).toMatchObject({ source: "cache", stale: false });
    expect(cached.meta.ageMs).toBeGreaterThanOrEqual(0);
    expect(cached.rows).toEqual(first.rows);
    expect((await api("/tables/flights/rows", "POST", { rows: [row(5_001), row(5_002)] })).status).toBe(200);
    const stale = await ask();
    expect(stale.meta).toMatchObject({ source: "cache", stale: true, revalidating: true });
    expect(total(stale)).toBe(2000);
    let fresh = await ask();
    for (let i = 0; i < 20 && total(fresh) !== 2002; i++) {
      await new Promise((r) => setTimeout(r, 25));
      fresh = await ask();
    }
    expect(fresh.meta.source).toBe("cache");
    expect(total(fresh)).toBe(2002);
  });
});

const probes = (env as unknown as { TABLES_PROBE: DurableObjectNamespace }).TABLES_PROBE;

async function probe(name: string, path: string, method = "GET", body?: unknown): Promise<Response> {
  const headers = new Headers({ authorization: `Bearer ${await tokenFor(name)}`, "content-type": "application/json" });
  return probes.getByName(name).fetch(`https://probe.test/v1/tenants/${name}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("the one write path, observed through the table-events seam", () => {
  it("reaches the table subscriber once per write; a throwing observer gives 500 with a request id and rolls back", async () => {
    const name = uniqueTenant("obs");
    expect((await probe(name, "/tables", "POST", FLIGHTS)).status).toBe(201);
    await probe(name, "/tables/flights/rows", "POST", { rows: Array.from({ length: 3 }, (_, i) => row(i)) });
    await probe(name, "/tables/flights/rows", "POST", { rows: [{ ...row(0), delay: 99 }, row(9)], mode: "upsert" });
    // An upsert that changes nothing reaches no subscriber.
    await probe(name, "/tables/flights/rows", "POST", { rows: [row(1)], mode: "upsert" });
    await probe(name, "/tables/flights/rows/1", "PATCH", { set: { delay: 1 } });
    await probe(name, "/tables/flights/rows", "DELETE", { keys: [2, 404] });
    const calls = await jsonOf(await probe(name, "/tprobe/calls"));
    expect(calls.calls).toEqual([
      { tbl: "flights", inserted: 3, updated: 0, deleted: 0 },
      { tbl: "flights", inserted: 1, updated: 1, deleted: 0 },
      { tbl: "flights", inserted: 0, updated: 1, deleted: 0 },
      { tbl: "flights", inserted: 0, updated: 0, deleted: 1 },
    ]);

    // Each committed write reached memory through its after-commit step, and set its wake-up.
    const before = await jsonOf(await probe(name, "/tprobe/memory"));
    expect(before).toEqual({ committed: 4, wakes: [{ key: "rows:flights" }] });
    // Cancel the wake-up: a failed write must not set it again.
    await runInDurableObject(probes.getByName(name), (_i, state) => {
      state.storage.sql.exec("DELETE FROM sched_queue WHERE kind = 'wake'");
    });

    await probe(name, "/tprobe/fail", "PUT", { on: true });
    const rows = Array.from({ length: 10_000 }, (_, i) => row(i + 100));
    const failed = await probe(name, "/tables/flights/rows", "POST", { rows });
    expect(failed.status).toBe(500);
    const body = await jsonOf(failed);
    expect(body.error.code).toBe("INTERNAL");
    expect(body.error.requestId).toMatch(/.{8,}/);
    expect(body.error.message).not.toMatch(/tprobe|on purpose/);
    expect((await probe(name, "/tables/flights/rows/1", "PATCH", { set: { delay: 99 } })).status).toBe(500);
    const count = await jsonOf(await probe(name, "/tables/flights/count", "POST", {}));
    expect(count).toEqual({ count: 3 });
    expect((await jsonOf(await probe(name, "/tables/flights/rows/1"))).delay).toBe(1);
    expect(((await jsonOf(await probe(name, "/tprobe/calls"))).calls as unknown[]).length).toBe(4);
    // Rolled back: no wake-up left behind, nothing reached memory.
    expect(await jsonOf(await probe(name, "/tprobe/memory"))).toEqual({ committed: 4, wakes: [] });

    await probe(name, "/tprobe/fail", "PUT", { on: false });
    const ok = await probe(name, "/tables/flights/rows", "POST", { rows });
    expect(await jsonOf(ok)).toEqual({ inserted: 10_000, updated: 0 });
    expect(await jsonOf(await probe(name, "/tables/flights/count", "POST", {}))).toEqual({ count: 10_003 });
    expect(((await jsonOf(await probe(name, "/tprobe/calls"))).calls as unknown[]).length).toBe(5);
    expect(await jsonOf(await probe(name, "/tprobe/memory"))).toEqual({
      committed: 5,
      wakes: [{ key: "rows:flights" }],
    });
  });
});

describe("table users over HTTP", () => {
  it("409 TABLE_IN_USE while a capability uses the table, 204 with force, and the user is told", async () => {
    const name = uniqueTenant("use");
    expect((await probe(name, "/tables", "POST", FLIGHTS)).status).toBe(201);
    await probe(name, "/tprobe/use/flights", "PUT", {});
    const refused = await probe(name, "/tables/flights", "DELETE");
    expect(refused.status).toBe(409);
    const body = await jsonOf(refused);
    expect(body.error.code).toBe("TABLE_IN_USE");
    expect(body.error.message).toMatch(/tprobe: probe over flights/);
    expect((await probe(name, "/tables/flights")).status).toBe(200);
    expect((await probe(name, "/tables/flights?force=true", "DELETE")).status).toBe(204);
    expect((await probe(name, "/tables/flights")).status).toBe(404);
    // The user dropped its dependency in the same transaction: a new table of that name is free.
    await probe(name, "/tables", "POST", FLIGHTS);
    expect((await probe(name, "/tables/flights", "DELETE")).status).toBe(204);
  });
});

describe("CDC end to end over HTTP (issue 10)", () => {
  it("a pull consumer tracking flights sees exactly the 10,000 inserted rows as `c` events in one txId, then one `u` and one `d`", async () => {
    const tenant = uniqueTenant("cdc-e2e");
    const token = await tokenFor(tenant);
    const base = `/v1/tenants/${tenant}`;
    expect((await call(`${base}/tables`, jsonInit("POST", FLIGHTS, token))).status).toBe(201);
    expect((await call(`${base}/cdc/tables`, jsonInit("POST", { table: "flights" }, token))).status).toBe(201);
    const consumer = { name: "e2e", sink: { type: "pull" } };
    expect((await call(`${base}/cdc/consumers`, jsonInit("POST", consumer, token))).status).toBe(201);
    const rows = Array.from({ length: 10_000 }, (_, i) => row(i + 1));
    await call(`${base}/tables/flights/rows`, jsonInit("POST", { rows, mode: "insert" }, token));
    const events: { op: string; key: { id: number }; after: unknown; source: { txId: number } }[] = [];
    for (;;) {
      const page = await jsonOf(await call(`${base}/cdc/consumers/e2e/events?limit=1000`, { token }));
      const batch = page.events as typeof events;
      if (batch.length === 0) break;
      events.push(...batch);
      const commit = await call(`${base}/cdc/consumers/e2e/commit`, jsonInit("POST", { lsn: page.nextLsn }, token));
      expect(commit.status).toBe(200);
      if (!page.hasMore) break;
    }
    expect(events).toHaveLength(10_000);
    expect(events.every((e) => e.op === "c")).toBe(true);
    expect(events.map((e) => e.key.id)).toEqual(rows.map((r) => r.id));
    expect(new Set(events.map((e) => e.source.txId)).size).toBe(1);
    expect(events.map((e) => e.after)).toEqual(rows);
    await call(`${base}/tables/flights/rows/7`, jsonInit("PATCH", { set: { delay: 999 } }, token));
    await call(`${base}/tables/flights/rows`, jsonInit("DELETE", { keys: [8] }, token));
    const tail = await jsonOf(await call(`${base}/cdc/consumers/e2e/events?limit=1000`, { token }));
    const changes = tail.events as {
      op: string;
      key: { id: number };
      before: { delay: number };
      after: { delay: number } | null;
    }[];
    expect(changes.map((e) => [e.op, e.key.id])).toEqual([
      ["u", 7],
      ["d", 8],
    ]);
    expect(changes[0]?.before.delay).toBe(row(7).delay);
    expect(changes[0]?.after?.delay).toBe(999);
    expect(changes[1]?.after).toBeNull();
  });
});
