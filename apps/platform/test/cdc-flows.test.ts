/**
 * CDC flows between DOs and Workers in workerd: the DO-to-DO sink mirrors a tenant's table
 * into `<tenant>:mirror` (a DO of the same tenant) through its `cdc` RPC target, also after
 * every DO restarted (the alarm reads `source.tenant` from storage); a tenant written only over
 * RPC; another Worker's queue handler applying messages once through `CdcInbox`
 * (`createMessageBatch`/`getQueueResult`), duplicates skipped.
 */
import {
  abortAllDurableObjects,
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { CdcInbox, type ChangeEvent } from "@durable/cdc";
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import type { TenantStub } from "../src/tenant-do.ts";
import { env, uniqueTenant } from "./helpers.ts";

const ORDERS = {
  name: "orders",
  columns: [
    { name: "id", type: "integer" },
    { name: "amount", type: "real" },
    { name: "note", type: "text" },
  ],
  primaryKey: "id",
};

const stub = (name: string) => env.TENANT.getByName(name) as unknown as TenantStub;

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not reached in ${ms} ms`);
}

describe("DO-to-DO sink", () => {
  it("mirrors into <tenant>:mirror over RPC, also after a restart, each event applied once", async () => {
    const tenant = uniqueTenant("mir");
    const mirror = stub(`${tenant}:mirror`);
    await mirror.capability("tables", tenant).createTable(ORDERS);
    const tables = stub(tenant).capability("tables", tenant);
    await tables.createTable(ORDERS);
    const cdc = stub(tenant).capability("cdc", tenant);
    await cdc.track("orders");
    await cdc.createConsumer({ name: "mirror", sink: { type: "do", binding: "TENANT", suffix: "mirror" } });
    await tables.writeRows(
      "orders",
      Array.from({ length: 700 }, (_, i) => ({ id: i + 1, amount: i, note: `n${i}` })),
      "insert",
    );
    await tables.updateRow("orders", 3, { amount: -3 });
    await tables.deleteRows("orders", [4]);
    const mirrored = () => stub(`${tenant}:mirror`).capability("tables", tenant).countRows("orders");
    await until(async () => (await mirrored()) === 699);
    await abortAllDurableObjects();
    await stub(tenant)
      .capability("tables", tenant)
      .writeRows("orders", [{ id: 1000, amount: 1 }], "insert");
    await new Promise((r) => setTimeout(r, 150));
    await runDurableObjectAlarm(env.TENANT.getByName(tenant)).catch(() => false);
    await until(async () => (await mirrored()) === 700);
    const row = await stub(`${tenant}:mirror`).capability("tables", tenant).getRow("orders", 3);
    expect(row).toMatchObject({ id: 3, amount: -3, note: "n2" });
    const metrics = await stub(tenant).capability("cdc", tenant).metrics();
    expect(metrics.consumers[0]).toMatchObject({ consumer: "mirror", lagEvents: 0, dlqSize: 0, deliveredTotal: 703 });
    // A batch for another tenant is refused by the receiver with a code.
    let code: string | undefined;
    try {
      await stub(`${tenant}:mirror`)
        .capability("cdc", tenant)
        .receive({ tenant: "someone-else", fromLsn: 1, toLsn: 1, events: [] });
    } catch (err) {
      code = errorCodeOf(err);
    }
    expect(code).toBe("INVALID_INPUT");
  });
});

describe("a tenant written only over RPC", () => {
  it("tracks, writes and pulls over RPC; source.tenant is the DO's tenant", async () => {
    const tenant = uniqueTenant("rpc");
    const tables = stub(tenant).capability("tables", tenant);
    await tables.createTable(ORDERS);
    const cdc = stub(tenant).capability("cdc", tenant);
    expect(await cdc.track("orders")).toEqual({ table: "orders", schemaVersion: 1, snapshotEndLsn: 0 });
    await cdc.createConsumer({ name: "p", sink: { type: "pull" } });
    await tables.writeRows("orders", [{ id: 1 }, { id: 2 }], "insert");
    const page = await cdc.pull("p", { limit: 10 });
    expect(page.events.map((e) => e.id)).toEqual([`${tenant}:1`, `${tenant}:2`]);
    expect(page.events[0]?.source.tenant).toBe(tenant);
    let code: string | undefined;
    try {
      await cdc.commit("p", 99);
    } catch (err) {
      code = errorCodeOf(err);
    }
    expect(code).toBe("INVALID_OFFSET");
  });
});

describe("another Worker's queue consumer", () => {
  it("applies each message once through CdcInbox; a redelivered batch is skipped", async () => {
    const tenant = uniqueTenant("qc");
    const tables = stub(tenant).capability("tables", tenant);
    await tables.createTable(ORDERS);
    const cdc = stub(tenant).capability("cdc", tenant);
    await cdc.track("orders");
    await tables.writeRows(
      "orders",
      [
        { id: 1, amount: 2 },
        { id: 2, amount: 3 },
      ],
      "insert",
    );
    const events = (await cdc.read({ since: 1, limit: 10 })).events as ChangeEvent[];
    const messages = events.map((e, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: e }));
    // The consumer Worker keeps its inbox in a DO of its own (here a TestCdcDO).
    const sink = (env as unknown as { CDC_PROBE: DurableObjectNamespace }).CDC_PROBE.getByName(uniqueTenant("sink"));
    const handle = async (batch: MessageBatch<ChangeEvent>) =>
      runInDurableObject(sink, (_i, state) => {
        state.storage.sql.exec("CREATE TABLE IF NOT EXISTS sink_totals (lsn INTEGER PRIMARY KEY, amount REAL)");
        const inbox = new CdcInbox(
          { sql: state.storage.sql, transactionSync: (fn) => state.storage.transactionSync(fn) },
          "orders",
        );
        const r = inbox.apply(
          batch.messages.map((m) => m.body),
          (e) =>
            void state.storage.sql.exec(
              "INSERT INTO sink_totals VALUES (?, ?)",
              e.source.lsn,
              e.after?.amount as number,
            ),
        );
        for (const m of batch.messages) m.ack();
        return r;
      });
    for (let round = 0; round < 2; round++) {
      const batch = createMessageBatch<ChangeEvent>("durable-platform-cdc-events", messages);
      const ctx = createExecutionContext();
      const r = await handle(batch);
      expect(r.applied).toBe(round === 0 ? 2 : 0);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual(["m0", "m1"]);
    }
    const total = await runInDurableObject(
      sink,
      (_i, state) => state.storage.sql.exec("SELECT sum(amount) AS s FROM sink_totals").one().s,
    );
    expect(total).toBe(5);
  });
});
