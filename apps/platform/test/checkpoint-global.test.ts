/**
 * Global checkpoints in workerd: the tenant's DO coordinates, a `<tenant>:<label>` TenantDO
 * participates over the checkpoint RPC target (`capability("checkpoint", tenant).receive`).
 * Proves: the participant and epoch routes with their codes (400 INVALID_INPUT, 404 NOT_FOUND,
 * 404 NO_CHECKPOINT, 409 NO_PARTICIPANTS, 401, 403 for a tenant token on recover), an epoch
 * completing across the two DOs, recover() rolling both back, the transport refusing another
 * tenant's DO (403 TENANT_MISMATCH), and a `checkpoint.global` schedule run by the alarm.
 * Does not prove the many-DO invariant (packages/checkpoint/test/global.test.ts) nor speed.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { tenantTransport } from "../src/capabilities/checkpoint.ts";
import type { TenantStub } from "../src/tenant-do.ts";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const ITEMS = {
  name: "items",
  columns: [
    { name: "id", type: "integer" },
    { name: "v", type: "text" },
  ],
  primaryKey: "id",
};

async function setup() {
  const tenant = uniqueTenant("gck");
  const token = await tokenFor(tenant);
  const operator = await tokenFor(tenant, "operator");
  const base = `/v1/tenants/${tenant}/checkpoint`;
  const shard = (env.TENANT.getByName(`${tenant}:shard-1`) as unknown as TenantStub).capability("tables", tenant);
  return { tenant, token, operator, base, shard };
}

async function waitFor(base: string, token: string, epoch: number, status: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const info = await jsonOf(await call(`${base}/epochs/${epoch}`, { token }));
    if (info.status === status) return info;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`epoch ${epoch} never became ${status}`);
}

describe("global checkpoints over HTTP and RPC", () => {
  it("codes: 409 NO_PARTICIPANTS, 400 bad label and timeoutMs, 404 unknown epoch, 404 NO_CHECKPOINT, 401/403", async () => {
    const { token, operator, base } = await setup();
    const code = async (res: Response, status: number, expected: string) => {
      expect(res.status).toBe(status);
      expect((await jsonOf(res)).error.code).toBe(expected);
    };
    await code(await call(`${base}/epochs`, jsonInit("POST", {}, token)), 409, "NO_PARTICIPANTS");
    await code(await call(`${base}/participants/Bad_Label`, { method: "PUT", token }), 400, "INVALID_INPUT");
    await code(await call(`${base}/participants/${"x".repeat(49)}`, { method: "PUT", token }), 400, "INVALID_INPUT");
    expect((await call(`${base}/participants/shard-1`, { method: "PUT" })).status).toBe(401);
    expect((await call(`${base}/participants/shard-1`, { method: "PUT", token })).status).toBe(200);
    await code(await call(`${base}/epochs`, jsonInit("POST", { timeoutMs: 5 }, token)), 400, "INVALID_INPUT");
    await code(await call(`${base}/epochs`, jsonInit("POST", { timeoutMs: 600_001 }, token)), 400, "INVALID_INPUT");
    await code(await call(`${base}/epochs/99`, { token }), 404, "NOT_FOUND");
    await code(await call(`${base}/epochs/abc`, { token }), 400, "INVALID_INPUT");
    await code(await call(`${base}/epochs?status=done`, { token }), 400, "INVALID_INPUT");
    await code(await call(`${base}/recover`, { method: "POST", token }), 403, "FORBIDDEN");
    await code(await call(`${base}/recover`, { method: "POST", token: operator }), 404, "NO_CHECKPOINT");
    await code(await call(`${base}/participants/other`, { method: "DELETE", token }), 404, "NOT_FOUND");
    expect((await call(`${base}/participants/shard-1`, { method: "DELETE", token })).status).toBe(200);
    await code(await call(`${base}/epochs`, jsonInit("POST", {}, token)), 409, "NO_PARTICIPANTS");
  });

  it("an epoch over the tenant DO and <tenant>:shard-1 completes; recover rolls both back", async () => {
    const { tenant, token, operator, base, shard } = await setup();
    const tables = `/v1/tenants/${tenant}/tables`;
    expect((await call(tables, jsonInit("POST", ITEMS, token))).status).toBe(201);
    await call(`${tables}/items/rows`, jsonInit("POST", { rows: [{ id: 1, v: "main" }] }, token));
    await shard.createTable(ITEMS);
    await shard.writeRows("items", [
      { id: 1, v: "shard" },
      { id: 2, v: "shard" },
    ]);
    expect((await call(`${base}/participants/shard-1`, { method: "PUT", token })).status).toBe(200);
    const res = await call(`${base}/epochs`, jsonInit("POST", { timeoutMs: 30_000 }, token));
    expect(res.status).toBe(202);
    const { epoch } = (await jsonOf(res)) as unknown as { epoch: number };
    expect(epoch).toBe(1);
    const info = (await waitFor(base, token, 1, "completed")) as {
      participants: string[];
      manifest: { participants: Record<string, string> };
    };
    expect(info.participants).toEqual([tenant, `${tenant}:shard-1`]);
    expect(Object.keys(info.manifest.participants).sort()).toEqual([tenant, `${tenant}:shard-1`]);
    const listed = await jsonOf(await call(`${base}/epochs?status=completed`, { token }));
    expect((listed.items as { epoch: number }[]).map((e) => e.epoch)).toEqual([1]);
    expect((await jsonOf(await call(`${base}/epochs?status=pending`, { token }))).items).toEqual([]);

    await call(`${tables}/items/rows`, jsonInit("POST", { rows: [{ id: 2, v: "later" }] }, token));
    await shard.deleteRows("items", [1, 2]);
    expect(await shard.countRows("items")).toBe(0);
    const rec = await call(`${base}/recover`, { method: "POST", token: operator });
    expect(rec.status).toBe(200);
    expect(await jsonOf(rec)).toMatchObject({ epoch: 1 });
    expect((await shard.scanRows("items")).rows).toEqual([
      { id: 1, v: "shard" },
      { id: 2, v: "shard" },
    ]);
    const main = await jsonOf(await call(`${tables}/items/rows`, { token }));
    expect(main.rows).toEqual([{ id: 1, v: "main" }]);
    // After recovery both take requests again and the next epoch is a new one.
    await shard.writeRows("items", [{ id: 3, v: "new" }]);
    const next = await jsonOf(await call(`${base}/epochs`, jsonInit("POST", {}, token)));
    expect(next.epoch).toBe(2);
    await waitFor(base, token, 2, "completed");
  });

  it("the transport refuses another tenant's DO (403 TENANT_MISMATCH); so does the RPC target", async () => {
    const { tenant } = await setup();
    const transport = tenantTransport(env.TENANT as unknown as DurableObjectNamespace, () => tenant);
    const message = { type: "complete" as const, from: tenant, epoch: 1 };
    const err = await transport.send("someone-else:shard", message).catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("TENANT_MISMATCH");
    const foreign = (env.TENANT.getByName(`${tenant}:shard-9`) as unknown as TenantStub).capability(
      "checkpoint",
      "someone-else",
    );
    const refused = await Promise.resolve(foreign.receive(message)).catch((e: unknown) => e);
    expect(errorCodeOf(refused)).toBe("TENANT_MISMATCH");
    // The tenant's own participant answers.
    expect(await transport.send(`${tenant}:shard-9`, message)).toEqual({ ok: true });
  });

  it("a checkpoint.global schedule fired by the alarm starts an epoch", async () => {
    const { tenant, token, base } = await setup();
    expect((await call(`${base}/participants/shard-2`, { method: "PUT", token })).status).toBe(200);
    const res = await call(
      `/v1/tenants/${tenant}/scheduler/schedules`,
      jsonInit(
        "POST",
        { key: "g", handler: "checkpoint.global", when: { delayMs: 1 }, payload: { timeoutMs: 20_000 } },
        token,
      ),
    );
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 5));
    await runDurableObjectAlarm(env.TENANT.getByName(tenant));
    const info = await waitFor(base, token, 1, "completed");
    expect(info.deadlineAt as number).toBeGreaterThan(info.startedAt as number);
  });
});
