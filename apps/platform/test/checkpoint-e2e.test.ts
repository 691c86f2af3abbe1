/**
 * Tenant checkpoints in workerd over HTTP (real DO SQLite, R2 `BLOBS`, alarms): a checkpoint of
 * `flights` and two schedules, then rows written and deleted, a column added, a table created
 * and a schedule cancelled; the restore brings tables, every page of rows and the schedules back
 * to their values at the checkpoint, and new writes and schedules work. Also: scopes (401, 403
 * for a tenant token on restore), codes (404, 400, 409 for a flipped R2 byte), a
 * `checkpoint.local` schedule fired by `runDurableObjectAlarm`, and a restore after eviction.
 * Does not prove global epochs (not built yet) nor speed (spikes/checkpoint).
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const FLIGHTS = {
  name: "flights",
  columns: [
    { name: "id", type: "integer" },
    { name: "delay", type: "integer" },
    { name: "origin", type: "text" },
  ],
  primaryKey: "id",
  indexes: [{ name: "by_origin", columns: ["origin"] }],
};
const row = (id: number, pad = "") => ({ id, delay: (id * 7) % 120, origin: id % 9 === 0 ? null : `O${id % 5}${pad}` });

async function setup() {
  const tenant = uniqueTenant("ckpt");
  const token = await tokenFor(tenant);
  const operator = await tokenFor(tenant, "operator");
  const base = `/v1/tenants/${tenant}`;
  expect((await call(`${base}/tables`, jsonInit("POST", FLIGHTS, token))).status).toBe(201);
  return { tenant, token, operator, base };
}

async function allRows(base: string, token: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page = await jsonOf(
      await call(`${base}/tables/flights/rows?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
        token,
      }),
    );
    seen.push(...(page.rows as unknown[]));
    cursor = page.cursor as string | null;
  } while (cursor);
  return seen;
}

async function snapshotOf(base: string, token: string) {
  return {
    tables: await jsonOf(await call(`${base}/tables`, { token })),
    rows: await allRows(base, token),
    schedules: await jsonOf(await call(`${base}/scheduler/schedules`, { token })),
  };
}

describe("a tenant checkpoint over HTTP", () => {
  it("restores tables, rows and schedules to their values at the checkpoint; new writes work", async () => {
    const { token, operator, base } = await setup();
    const rows = Array.from({ length: 2000 }, (_, i) => row(i + 1));
    expect((await call(`${base}/tables/flights/rows`, jsonInit("POST", { rows }, token))).status).toBe(200);
    const sched = (body: unknown) => call(`${base}/scheduler/schedules`, jsonInit("POST", body, token));
    expect((await sched({ key: "noop", handler: "platform.noop", when: { cron: "*/5 * * * *" } })).status).toBe(201);
    const nightly = await sched({ key: "nightly", handler: "checkpoint.local", when: { cron: "0 3 * * *" } });
    expect(nightly.status).toBe(201);
    const nightlyId = ((await jsonOf(nightly)) as unknown as { schedule: { id: string } }).schedule.id;
    const at = await snapshotOf(base, token);

    const made = await call(`${base}/checkpoint/local`, { method: "POST", token });
    expect(made.status).toBe(201);
    const manifest = (await jsonOf(made)) as unknown as { snapshotId: string; operators: { id: string }[] };
    expect(manifest.operators.map((o) => o.id)).toEqual(["tables", "scheduler", "meta"]);

    await call(`${base}/tables/flights/rows`, jsonInit("POST", { rows: [row(5000)] }, token));
    await call(`${base}/tables/flights/rows`, jsonInit("DELETE", { keys: [1, 2, 3] }, token));
    expect(
      (await call(`${base}/tables/flights/columns`, jsonInit("POST", { name: "gate", type: "text" }, token))).status,
    ).toBe(200);
    expect((await call(`${base}/tables`, jsonInit("POST", { ...FLIGHTS, name: "extra" }, token))).status).toBe(201);
    expect((await call(`${base}/scheduler/schedules/${nightlyId}`, { method: "DELETE", token })).status).toBe(200);
    expect(await snapshotOf(base, token)).not.toEqual(at);

    const restore = `${base}/checkpoint/local/${manifest.snapshotId}/restore`;
    expect((await call(restore, { method: "POST" })).status).toBe(401);
    const refused = await call(restore, { method: "POST", token });
    expect(refused.status).toBe(403);
    expect(await snapshotOf(base, token)).not.toEqual(at);
    const res = await call(restore, { method: "POST", token: operator });
    expect(res.status).toBe(200);
    expect(await snapshotOf(base, token)).toEqual(at);

    expect((await call(`${base}/tables/flights/rows`, jsonInit("POST", { rows: [row(9000)] }, token))).status).toBe(
      200,
    );
    expect((await sched({ key: "again", handler: "platform.noop", when: { delayMs: 60_000 } })).status).toBe(201);
    const list = await jsonOf(await call(`${base}/checkpoint/local`, { token }));
    expect((list.items as { snapshotId: string }[]).map((i) => i.snapshotId)).toEqual([manifest.snapshotId]);
  });

  it("codes: unknown snapshot 404, bad id 400; over 1 MiB compressed goes to R2, a flipped byte there is 409", async () => {
    const { tenant, token, operator, base } = await setup();
    const pad = () => Array.from({ length: 8 }, () => crypto.randomUUID()).join("");
    for (let b = 0; b < 8; b++) {
      const rows = Array.from({ length: 1000 }, (_, i) => row(b * 1000 + i + 1, pad()));
      expect((await call(`${base}/tables/flights/rows`, jsonInit("POST", { rows }, token))).status).toBe(200);
    }
    const m = (await jsonOf(await call(`${base}/checkpoint/local`, { method: "POST", token }))) as unknown as {
      snapshotId: string;
      location: string;
      chunks: { object?: string }[];
    };
    expect(m.location).toBe("blobs");
    const key = m.chunks[0]?.object as string;
    expect(key.startsWith(`ckpt/${tenant}/${tenant}/0/${m.snapshotId}/part-`)).toBe(true);
    const code = async (path: string, status: number, expected: string) => {
      const res = await call(path, { method: "POST", token: operator });
      expect(res.status).toBe(status);
      expect((await jsonOf(res)).error.code).toBe(expected);
    };
    await code(`${base}/checkpoint/local/01J0000000000000000000000Z/restore`, 404, "NOT_FOUND");
    await code(`${base}/checkpoint/local/nope/restore`, 400, "INVALID_INPUT");
    const obj = await env.BLOBS.get(key);
    const bytes = new Uint8Array(await (obj as R2ObjectBody).arrayBuffer());
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await env.BLOBS.put(key, bytes);
    await call(`${base}/tables/flights/rows`, jsonInit("DELETE", { keys: [1] }, token));
    await code(`${base}/checkpoint/local/${m.snapshotId}/restore`, 409, "CHECKPOINT_CORRUPT");
    const count = await jsonOf(await call(`${base}/tables/flights/count`, jsonInit("POST", {}, token)));
    expect(count).toEqual({ count: 7999 });
  });

  it("a checkpoint.local schedule runs on the alarm; a restore works after eviction", async () => {
    const { tenant, token, operator, base } = await setup();
    await call(`${base}/tables/flights/rows`, jsonInit("POST", { rows: [row(1), row(2)] }, token));
    const res = await call(
      `${base}/scheduler/schedules`,
      jsonInit("POST", { key: "soon", handler: "checkpoint.local", when: { delayMs: 1 } }, token),
    );
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 5));
    const stub = env.TENANT.getByName(tenant);
    await runDurableObjectAlarm(stub);
    const list = await jsonOf(await call(`${base}/checkpoint/local`, { token }));
    const items = list.items as { snapshotId: string }[];
    expect(items).toHaveLength(1);
    await call(`${base}/tables/flights/rows`, jsonInit("POST", { rows: [row(3)] }, token));
    await abortAllDurableObjects();
    const restored = await call(`${base}/checkpoint/local/${items[0]?.snapshotId}/restore`, {
      method: "POST",
      token: operator,
    });
    expect(restored.status).toBe(200);
    expect((await allRows(base, token)).map((r) => (r as { id: number }).id)).toEqual([1, 2]);
    const bookmark = await runInDurableObject(env.TENANT.getByName(tenant), (_i, state) =>
      state.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM ckpt_snapshots WHERE manifest LIKE '%bookmark\":\"%'")
        .one(),
    );
    // Every manifest carries a bookmark. (The restored capture was taken while its scheduled run
    // was claimed, so reload() re-queued that run and it may have checkpointed again.)
    expect(bookmark.n).toBeGreaterThanOrEqual(1);
    const nulls = await runInDurableObject(env.TENANT.getByName(tenant), (_i, state) =>
      state.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM ckpt_snapshots WHERE manifest LIKE '%\"bookmark\":null%'")
        .one(),
    );
    expect(nulls.n).toBe(0);
  });
});
