/**
 * CDC in workerd over HTTP and RPC: 401/403 on the /cdc routes, the codes of the issue's
 * bad-input list, triggers with `RAISE` and `unixepoch('subsec')` in DO SQLite, drains driven
 * by `runDurableObjectAlarm` (Queue, R2 Parquet on `BLOBS`, DO-to-DO into `<tenant>:mirror`),
 * a restart mid-drain, and a tenant written only over RPC (alarm wake-ups read `source.tenant`
 * from storage). Throughput is the spike's (spikes/cdc).
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { ChangeEvent, Manifest } from "@durable/cdc";
import { errorCodeOf } from "@durable/core";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const ORDERS = {
  name: "orders",
  columns: [
    { name: "id", type: "integer" },
    { name: "customer", type: "text" },
    { name: "amount", type: "real" },
    { name: "paid", type: "boolean" },
    { name: "data", type: "blob" },
  ],
  primaryKey: "id",
};

/** Polls `check` until it holds (at most 5 s). */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not reached in 5 s");
}

const probes = (env as unknown as { CDC_PROBE: DurableObjectNamespace }).CDC_PROBE;

async function probe(name: string, path: string, method = "GET", body?: unknown): Promise<Response> {
  const headers = new Headers({ authorization: `Bearer ${await tokenFor(name)}`, "content-type": "application/json" });
  return probes.getByName(name).fetch(`https://probe.test/v1/tenants/${name}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function setupTenant(prefix: string) {
  const tenant = uniqueTenant(prefix);
  const token = await tokenFor(tenant);
  const base = `/v1/tenants/${tenant}`;
  const send = (path: string, method = "GET", body?: unknown) =>
    body === undefined
      ? call(`${base}${path}`, { method, token })
      : call(`${base}${path}`, jsonInit(method, body, token));
  expect((await send("/tables", "POST", ORDERS)).status).toBe(201);
  return { tenant, token, base, send };
}

describe("cdc routes", () => {
  it("401 without a token, 403 for another tenant's token or a read-only token on writes", async () => {
    const { tenant, base } = await setupTenant("auth");
    expect((await call(`${base}/cdc/tables`)).status).toBe(401);
    const other = await tokenFor(uniqueTenant("other"));
    expect((await call(`${base}/cdc/metrics`, { token: other })).status).toBe(403);
    const { signToken } = await import("../src/auth.ts");
    const readOnly = await signToken("test-secret-0123456789", {
      sub: "r",
      tenant,
      role: "tenant",
      scopes: ["read"],
      exp: Math.floor(Date.now() / 1000) + 60,
      iat: Math.floor(Date.now() / 1000),
    });
    expect((await call(`${base}/cdc/tables`, jsonInit("POST", { table: "orders" }, readOnly))).status).toBe(403);
    expect((await call(`${base}/cdc/tables`, { token: readOnly })).status).toBe(200);
  });

  it("answers every bad input with its code", async () => {
    const { send } = await setupTenant("codes");
    const code = async (res: Response) => [res.status, (await jsonOf(res)).error?.code];
    expect(await code(await send("/cdc/tables", "POST", { table: "Bad" }))).toEqual([400, "INVALID_TABLE"]);
    expect(await code(await send("/cdc/tables", "POST", { table: "cdc_x" }))).toEqual([400, "INVALID_TABLE"]);
    expect(await code(await send("/cdc/tables", "POST", { table: "nope" }))).toEqual([404, "TABLE_NOT_FOUND"]);
    const first = await send("/cdc/tables", "POST", { table: "orders" });
    expect(first.status).toBe(201);
    expect(await jsonOf(first)).toEqual({ table: "orders", schemaVersion: 1, snapshotEndLsn: 0 });
    expect((await send("/cdc/tables", "POST", { table: "orders" })).status).toBe(200);
    expect(await code(await send("/cdc/tables", "POST", { table: "orders", snapshot: false }))).toEqual([
      409,
      "ALREADY_TRACKED",
    ]);
    expect(await code(await send("/tables/orders", "DELETE"))).toEqual([409, "TABLE_IN_USE"]);
    expect(await code(await send("/cdc/consumers", "POST", { name: "Bad!", sink: { type: "pull" } }))).toEqual([
      400,
      "INVALID_CONSUMER",
    ]);
    expect(
      await code(await send("/cdc/consumers", "POST", { name: "a", sink: { type: "queue", binding: "NOPE" } })),
    ).toEqual([400, "UNKNOWN_BINDING"]);
    expect(
      await code(
        await send("/cdc/consumers", "POST", {
          name: "a",
          sink: { type: "pull" },
          filter: { where: { orders: { col: "amount", op: "?" } } },
        }),
      ),
    ).toEqual([400, "INVALID_PREDICATE"]);
    expect(
      await code(
        await send("/cdc/consumers", "POST", {
          name: "a",
          sink: { type: "pull" },
          filter: { tables: { include: ["zzz"] } },
        }),
      ),
    ).toEqual([400, "INVALID_FILTER"]);
    expect((await send("/cdc/consumers", "POST", { name: "a", sink: { type: "pull" } })).status).toBe(201);
    expect(await code(await send("/cdc/consumers", "POST", { name: "a", sink: { type: "pull" } }))).toEqual([
      409,
      "CONSUMER_EXISTS",
    ]);
    expect(await code(await send("/cdc/consumers/zz"))).toEqual([404, "CONSUMER_NOT_FOUND"]);
    expect(await code(await send("/cdc/consumers/a/events?limit=0"))).toEqual([400, "INVALID_INPUT"]);
    expect(await code(await send("/cdc/consumers/a/events?limit=1001"))).toEqual([400, "INVALID_INPUT"]);
    expect(await code(await send("/cdc/consumers/a/commit", "POST", { lsn: 5 }))).toEqual([400, "INVALID_OFFSET"]);
    await send("/tables/orders/rows", "POST", { rows: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect((await send("/cdc/consumers/a/commit", "POST", { lsn: 2 })).status).toBe(200);
    expect(await code(await send("/cdc/consumers/a/commit", "POST", { lsn: 1 }))).toEqual([409, "OFFSET_REGRESSION"]);
    expect(await code(await send("/cdc/dlq?consumer=zz"))).toEqual([404, "CONSUMER_NOT_FOUND"]);
    const metrics = await jsonOf(await send("/cdc/metrics"));
    expect(metrics).toMatchObject({ newestLsn: 3, backlogEvents: 1 });
    expect((await send("/cdc/consumers/a", "DELETE")).status).toBe(204);
    expect((await send("/cdc/tables/orders", "DELETE")).status).toBe(204);
    expect((await jsonOf(await send("/cdc/events?since=1"))).events).toHaveLength(3);
    expect((await send("/tables/orders", "DELETE")).status).toBe(204);
  });
});

describe("cdc in DO SQLite", () => {
  it("RAISE refuses writes at the backlog cap with 503 + Retry-After; unixepoch('subsec') stamps commits", async () => {
    const name = uniqueTenant("cap");
    expect((await probe(name, "/tables", "POST", ORDERS)).status).toBe(201);
    expect((await probe(name, "/cdc/tables", "POST", { table: "orders" })).status).toBe(201);
    expect((await probe(name, "/cdc/consumers", "POST", { name: "p", sink: { type: "pull" } })).status).toBe(201);
    const before = Date.now();
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, paid: i % 2 === 0, data: "AAEC" }));
    expect((await probe(name, "/tables/orders/rows", "POST", { rows })).status).toBe(200);
    const more = Array.from({ length: 145 }, (_, i) => ({ id: i + 100 }));
    expect((await probe(name, "/tables/orders/rows", "POST", { rows: more })).status).toBe(200);
    const refused = await probe(name, "/tables/orders/rows", "POST", { rows: [{ id: 9 }] });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await jsonOf(refused)).error.code).toBe("CDC_BACKLOG_FULL");
    // A raw write is refused by the trigger itself, with the code in the message.
    const raw = await runInDurableObject(probes.getByName(name), (_i, state) => {
      try {
        state.storage.sql.exec(`INSERT INTO "t_orders" (id) VALUES (99)`);
        return "accepted";
      } catch (err) {
        return errorCodeOf(err) ?? String(err);
      }
    });
    expect(raw).toBe("CDC_BACKLOG_FULL");
    const page = await jsonOf(await probe(name, "/cdc/consumers/p/events?limit=1000"));
    const events = page.events as ChangeEvent[];
    expect(events).toHaveLength(150);
    expect(events.slice(0, 5).map((e) => e.after?.paid)).toEqual([true, false, true, false, true]);
    expect(events[0]?.after?.data).toBe("AAEC");
    expect(events[0]?.source.ts_ms).toBeGreaterThanOrEqual(before - 5_000);
    expect(Number.isInteger(events[0]?.source.ts_ms)).toBe(true);
    expect((await probe(name, "/cdc/consumers/p/commit", "POST", { lsn: page.nextLsn })).status).toBe(200);
    expect((await probe(name, "/tables/orders/rows", "POST", { rows: [{ id: 9 }] })).status).toBe(200);
  });

  it("drains on the alarm into R2 Parquet on BLOBS and into the queue; a restart mid-drain loses nothing", async () => {
    const name = uniqueTenant("lake");
    await probe(name, "/tables", "POST", ORDERS);
    await probe(name, "/cdc/tables", "POST", { table: "orders" });
    expect(
      (await probe(name, "/cdc/consumers", "POST", { name: "lake", sink: { type: "r2", binding: "BLOBS" } })).status,
    ).toBe(201);
    expect(
      (await probe(name, "/cdc/consumers", "POST", { name: "q", sink: { type: "queue", binding: "CDC_EVENTS" } }))
        .status,
    ).toBe(201);
    for (let i = 0; i < 4; i++) {
      await probe(name, "/tables/orders/rows", "POST", { rows: [{ id: i + 1, amount: i }] });
      const drained = runDurableObjectAlarm(probes.getByName(name));
      if (i === 2) await abortAllDurableObjects().catch(() => {});
      await drained.catch(() => {});
    }
    await runDurableObjectAlarm(probes.getByName(name));
    const queueConsumer = async () => {
      const metrics = await jsonOf(await probe(name, "/cdc/metrics"));
      return (metrics.consumers as { consumer: string; deliveredTotal: number; lagEvents: number }[]).find(
        (c) => c.consumer === "q",
      );
    };
    await until(async () => (await queueConsumer())?.lagEvents === 0);
    expect((await queueConsumer())?.deliveredTotal).toBeGreaterThanOrEqual(4);
    // Parquet waits for 100 rows or 60 s: nothing written yet; then 100 more rows flush one file.
    expect((await env.BLOBS.list({ prefix: `cdc/${name}/` })).objects).toHaveLength(0);
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: 1000 + i, customer: `c${i}`, paid: true }));
    await probe(name, "/tables/orders/rows", "POST", { rows });
    await runDurableObjectAlarm(probes.getByName(name));
    // The alarm may also fire by itself: wait for whichever run drains.
    await until(async () => (await env.BLOBS.list({ prefix: `cdc/${name}/orders/_manifest/` })).objects.length > 0);
    const keys = (await env.BLOBS.list({ prefix: `cdc/${name}/orders/` })).objects.map((o) => o.key);
    expect(keys).toHaveLength(2);
    const manifestKey = keys.find((k) => k.includes("/_manifest/")) as string;
    expect(manifestKey).toBe(`cdc/${name}/orders/_manifest/${"100".padStart(20, "0")}.json`);
    const manifest = (await (await env.BLOBS.get(manifestKey))?.json()) as Manifest;
    const file = manifest.files[0] as Manifest["files"][number];
    expect(file).toMatchObject({ rows: 100, minLsn: 1, maxLsn: 100 });
    const object = await env.BLOBS.get(file.key);
    const buffer = await (object as R2ObjectBody).arrayBuffer();
    const read = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    expect(read.map((r) => Number(r.lsn))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(read.slice(4).map((r) => r.customer)).toEqual(rows.slice(0, 96).map((r) => r.customer));
  });
});
